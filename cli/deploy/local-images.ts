/**
 * `up --cloud local` and `doctor --cloud local`: every image the stack will start, as Compose
 * resolves it (compose.yaml plus any compose.override.yaml beside it), is on this machine,
 * pulled, or — for the pool image — built from the installed ckb-pool. Anything else stops `up`
 * before `compose up` with the image, its registry and the remedies.
 */
import { parse as parseYaml } from 'yaml';
import { buildPoolImage, ImageBuildError } from '../image/pool-image.js';
import { type UnavailableImage, unavailableMessage } from '../image/unavailable.js';
import type { Runner } from '../process/runner.js';
import type { ComposeCommand } from './compose.js';
import { type Session, StepFailure } from './context.js';

export interface StackImage {
  service: string;
  image: string;
}

/** Services' images from `compose config`, leaving out services whose profiles are not enabled. */
export function imagesOfComposeConfig(configYaml: string, enabledProfiles: string[] = []): StackImage[] {
  const doc = (parseYaml(configYaml) ?? {}) as {
    services?: Record<string, { image?: string; profiles?: string[] }>;
  };
  return Object.entries(doc.services ?? {})
    .filter(([, s]) => !s.profiles?.length || s.profiles.some((p) => enabledProfiles.includes(p)))
    .filter(([, s]) => typeof s.image === 'string')
    .map(([service, s]) => ({ service, image: s.image as string }));
}

/** The images the stack in `bundleDir` would start, as Compose resolves them. */
export async function composeImages(
  runner: Runner,
  c: ComposeCommand,
  bundleDir: string,
  project: string,
  env: NodeJS.ProcessEnv,
): Promise<StackImage[]> {
  const r = await runner.run({
    cmd: c.cmd,
    args: [...c.prefix, '--project-directory', bundleDir, '-p', project, 'config'],
    cwd: bundleDir,
    timeoutMs: 60_000,
  });
  if (r.exitCode !== 0)
    throw new StepFailure(`compose config failed in ${bundleDir}: ${r.stderr.trim() || r.stdout.trim()}`);
  const profiles = (env.COMPOSE_PROFILES ?? '').split(',').filter(Boolean);
  return imagesOfComposeConfig(r.stdout, profiles);
}

const lastLine = (text: string) =>
  text
    .trim()
    .split('\n')
    .filter((l) => l.trim())
    .pop() ?? 'no output';

export interface LocalImageOptions {
  /** The config's images.pool: built from the installed ckb-pool when it cannot be pulled. */
  poolImage: string;
  /** Base image with Node for that build (`up --node-image`). */
  nodeImage?: string | undefined;
  /** A CA the build's npm must trust (NODE_EXTRA_CA_CERTS). */
  caFile?: string | undefined;
}

export interface LocalImageReport {
  present: string[];
  pulled: string[];
  built: string[];
}

/** Makes every image present on this machine's engine, or throws naming all that cannot be. */
export async function ensureLocalImages(
  session: Session,
  images: StackImage[],
  o: LocalImageOptions,
): Promise<LocalImageReport> {
  const report: LocalImageReport = { present: [], pulled: [], built: [] };
  const unavailable: UnavailableImage[] = [];
  const byImage = new Map<string, string[]>();
  for (const i of images) byImage.set(i.image, [...(byImage.get(i.image) ?? []), i.service]);
  const runner = session.deps.runner;
  for (const [image, services] of byImage) {
    const inspect = await runner.run({
      cmd: 'docker',
      args: ['image', 'inspect', '--format', '{{.Id}}', image],
    });
    if (inspect.exitCode === 0) {
      report.present.push(image);
      continue;
    }
    session.progress.line(`docker pull ${image}`);
    const pull = await runner.run({
      cmd: 'docker',
      args: ['pull', image],
      timeoutMs: 900_000,
      onLine: (l) => session.log.line(`  pull: ${l}`),
    });
    if (pull.exitCode === 0) {
      report.pulled.push(image);
      continue;
    }
    const reason = pull.timedOut ? 'docker pull timed out' : lastLine(pull.stderr || pull.stdout);
    session.log.line(`cannot pull ${image}: ${reason}`);
    if (image !== o.poolImage) {
      for (const service of services) unavailable.push({ service, image, reason });
      continue;
    }
    session.progress.info(`${image} cannot be pulled (${reason}); building it from the installed ckb-pool`);
    try {
      await buildPoolImage(runner, {
        tag: image,
        nodeImage: o.nodeImage,
        caFile: o.caFile,
        onLine: (l) => {
          session.log.line(`  build: ${l}`);
          session.progress.line(l);
        },
      });
      report.built.push(image);
    } catch (e) {
      if (!(e instanceof ImageBuildError)) throw e;
      for (const service of services)
        unavailable.push({ service, image, reason: `${reason}; building it failed: ${e.message}` });
    }
  }
  if (unavailable.length > 0) throw new StepFailure(unavailableMessage(unavailable, 'this machine'));
  return report;
}

export function describeReport(r: LocalImageReport): string {
  const parts = [`${r.present.length} present`];
  if (r.pulled.length) parts.push(`${r.pulled.length} pulled`);
  if (r.built.length) parts.push(`built ${r.built.join(', ')} from the installed ckb-pool`);
  return parts.join(', ');
}
