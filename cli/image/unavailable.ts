/**
 * What an operator reads when an image can be neither found nor pulled: which image, from
 * which registry, for which service, and what to do — never a bare `pull access denied`.
 */
import { parseImageRef, registryLabel } from './reference.js';

export interface UnavailableImage {
  /** Compose service that uses it (ckb, pool, translator, prometheus, …). */
  service: string;
  image: string;
  /** The last line of what `docker pull` or the registry said. */
  reason: string;
}

/** The config field that sets a service's image. */
const FIELD: Record<string, string> = {
  ckb: 'images.ckb',
  pool: 'images.pool',
  translator: 'images.translator',
  prometheus: 'images.prometheus',
  alertmanager: 'images.alertmanager',
  grafana: 'images.grafana',
  'node-exporter': 'images.nodeExporter',
};

function registryOf(image: string): string {
  try {
    return registryLabel(parseImageRef(image));
  } catch {
    return 'its registry';
  }
}

/** A multi-line message: one line per image, then the remedies. `where` = "this machine" / "the host". */
export function unavailableMessage(images: UnavailableImage[], where: string): string {
  const lines = [`${images.length === 1 ? 'an image is' : 'images are'} neither on ${where} nor pullable:`];
  for (const i of images) {
    const field = FIELD[i.service];
    lines.push(
      `  - ${i.image} (service ${i.service}${field ? `, ${field}` : ''}) from ${registryOf(i.image)}: ${i.reason}`,
    );
  }
  const refs = [...new Set(images.map((i) => i.image))].join(' ');
  lines.push(
    'fix it one of these ways, then run `up` again:',
    `  - on a machine that can pull: \`docker pull <image>\` for each, \`docker save ${refs} | gzip > images.tar.gz\`,`,
    '    then `ckb-pool-deploy up --image-archive images.tar.gz` (the archive is loaded on the host)',
    '  - point the image fields named above in ckb-pool.yaml at a registry or mirror that can be reached',
    '    (your own registry, or a pull-through mirror), e.g. images.prometheus: mirror.example/prom/prometheus:v3.5.0',
  );
  if (images.some((i) => FIELD[i.service] === 'images.pool'))
    lines.push(
      '  - the pool image can also be built from the installed ckb-pool: `ckb-pool-deploy image build --archive pool.tar.gz`',
    );
  return lines.join('\n');
}
