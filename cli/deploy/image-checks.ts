/**
 * `doctor --cloud local`: is every image the stack starts on this machine or pullable? The
 * list comes from Compose's own view of the bundle `up` last rendered (with any override
 * beside it), else from the config. Nothing is pulled: the registry is only asked.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { composeFile } from '../bundle/compose.js';
import type { PoolDeployConfig } from '../config/types.js';
import { parseImageRef, platformOfMachine, registryLabel } from '../image/reference.js';
import { type Probe, probeImageNamed } from '../image/registry.js';
import { unavailableMessage } from '../image/unavailable.js';
import { detectCompose } from './compose.js';
import type { DeployDeps } from './context.js';
import type { Check } from './doctor.js';
import { composeImages, type StackImage } from './local-images.js';

async function stackImages(
  deps: DeployDeps,
  config: PoolDeployConfig,
  bundleDir: string,
): Promise<StackImage[]> {
  const compose = existsSync(join(bundleDir, 'compose.yaml')) ? await detectCompose(deps.runner) : null;
  if (compose) {
    try {
      return await composeImages(deps.runner, compose, bundleDir, config.project, deps.runner.env);
    } catch {
      // A bundle Compose cannot read: fall back to what the config would render.
    }
  }
  const services = composeFile(config).services as Record<string, { image?: string; profiles?: string[] }>;
  return Object.entries(services)
    .filter(([, s]) => typeof s.image === 'string' && !s.profiles?.length)
    .map(([service, s]) => ({ service, image: s.image as string }));
}

function probeOrUnreachable(deps: DeployDeps, image: string, platform: string): Promise<Probe> {
  try {
    return (deps.probeImage ?? probeImageNamed)(image, platform);
  } catch (e) {
    return Promise.resolve({ status: 'missing', detail: (e as Error).message });
  }
}

/** One check per distinct image; the bundle folder is the one `up --cloud local` renders into. */
export async function localImageChecks(
  deps: DeployDeps,
  config: PoolDeployConfig,
  bundleDir: string,
): Promise<Check[]> {
  const images = await stackImages(deps, config, bundleDir);
  const info = await deps.runner.run({ cmd: 'docker', args: ['info', '--format', '{{.Architecture}}'] });
  const platform = platformOfMachine(info.stdout) ?? 'linux/amd64';
  const checks: Check[] = [];
  for (const image of [...new Set(images.map((i) => i.image))]) {
    const services = images.filter((i) => i.image === image).map((i) => i.service);
    const name = `image ${image}`;
    const here = await deps.runner.run({
      cmd: 'docker',
      args: ['image', 'inspect', '--format', '{{.Id}}', image],
    });
    if (here.exitCode === 0) {
      checks.push({ name, ok: true, detail: `on this machine (${services.join(', ')})` });
      continue;
    }
    const p = await probeOrUnreachable(deps, image, platform);
    let registry = 'its registry';
    try {
      registry = registryLabel(parseImageRef(image));
    } catch {}
    if (p.status === 'available') checks.push({ name, ok: true, detail: `pullable from ${registry}` });
    else if (image === config.images.pool)
      checks.push({
        name,
        ok: true,
        detail: `not pullable (${p.detail}); \`up\` builds it from the installed ckb-pool`,
      });
    else {
      const message = unavailableMessage(
        services.map((service) => ({ service, image, reason: p.detail })),
        'this machine',
      ).split('\n');
      checks.push({
        name,
        ok: false,
        detail: message
          .slice(1, 1 + services.length)
          .map((l) => l.replace(/^\s*- /, ''))
          .join('; '),
        fix: message.slice(1 + services.length).join('\n   '),
      });
    }
  }
  return checks;
}
