/**
 * The pool image for a remote host, decided before the role runs: the host pulls it when its
 * registry has it for the host's architecture; otherwise this machine builds it from the
 * installed ckb-pool and ships it as an archive (when Docker runs here), or the role builds it
 * on the host from the same package. The role then checks every image on the host itself
 * (tasks/images.yml): the registry this machine sees is not proof that the host can reach it.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  buildPoolImage,
  dockerBuildArgs,
  ImageBuildError,
  poolImageContext,
  saveImageArchive,
} from '../image/pool-image.js';
import { parseImageRef, platformOfMachine, registryLabel } from '../image/reference.js';
import { type Probe, probeImageNamed } from '../image/registry.js';
import type { PoolImageBuildOnHost } from './ansible.js';
import { dockerEngineVersion } from './compose.js';
import { type Session, StepFailure } from './context.js';
import { type SshTarget, sshDestination, sshOptions } from './ssh.js';

export interface PoolImageSupply {
  /** An archive this machine made, for the role to copy and load. */
  archive?: string;
  /** A build context (Dockerfile + ckb-pool.tgz) for the role to build from on the host. */
  hostBuild?: PoolImageBuildOnHost;
  /** One line for the operator: which of the three happened. */
  how: string;
}

export interface SupplyOptions {
  poolImage: string;
  nodeImage?: string | undefined;
  caFile?: string | undefined;
  /** Where archives and build contexts are kept between runs (the deployment's work folder). */
  dir: string;
  /** The operator's own `--image-archive` files: one that holds the pool image settles it. */
  archives: string[];
  /** Registry look-up; tests replace it. */
  probe?: ((image: string, platform: string) => Promise<Probe>) | undefined;
}

async function hostPlatform(session: Session, t: SshTarget): Promise<string> {
  const r = await session.tool(
    { cmd: 'ssh', args: [...sshOptions(t, false), sshDestination(t.host), 'uname -m'], timeoutMs: 60_000 },
    'uname -m on the host',
  );
  const platform = platformOfMachine(r.stdout);
  if (!platform)
    throw new StepFailure(
      `the host is ${r.stdout.trim() || 'of an unknown architecture'}; the pool runs on x86_64 and aarch64`,
    );
  return platform;
}

/** Docker's platform of an image on this machine, with its id; null when it is not here. */
async function localImage(session: Session, image: string): Promise<{ platform: string; id: string } | null> {
  const r = await session.deps.runner.run({
    cmd: 'docker',
    args: ['image', 'inspect', '--format', '{{.Os}}/{{.Architecture}} {{.Id}}', image],
  });
  const [platform, id] = r.stdout.trim().split(' ');
  return r.exitCode === 0 && platform && id ? { platform, id } : null;
}

const safeName = (s: string) => s.replace(/[^A-Za-z0-9_.-]+/g, '_');

/** Builds (unless already here for that platform) and saves the image; reuses an archive of the same image id. */
async function shipFromHere(session: Session, o: SupplyOptions, platform: string): Promise<PoolImageSupply> {
  let local = await localImage(session, o.poolImage);
  let built = false;
  if (local?.platform !== platform) {
    // --platform only for a foreign architecture: it needs buildx and QEMU, a native build does not.
    const arch = await session.deps.runner.run({
      cmd: 'docker',
      args: ['info', '--format', '{{.Architecture}}'],
    });
    const native = platformOfMachine(arch.stdout) === platform;
    if (!native)
      session.progress.info(
        `building for ${platform} on a ${arch.stdout.trim()} engine (needs buildx and QEMU)`,
      );
    await buildPoolImage(session.deps.runner, {
      tag: o.poolImage,
      ...(native ? {} : { platform }),
      nodeImage: o.nodeImage,
      caFile: o.caFile,
      onLine: (l) => {
        session.log.line(`  build: ${l}`);
        session.progress.line(l);
      },
    });
    built = true;
    local = await localImage(session, o.poolImage);
    if (local?.platform !== platform)
      throw new ImageBuildError(`the build left ${local?.platform ?? 'no image'}, not ${platform}`);
  }
  mkdirSync(o.dir, { recursive: true, mode: 0o700 });
  const archive = join(o.dir, `${safeName(o.poolImage)}-${platform.replace('/', '-')}.tar.gz`);
  const idFile = `${archive}.id`;
  if (!existsSync(archive) || !existsSync(idFile) || readFileSync(idFile, 'utf8') !== local.id) {
    await saveImageArchive(session.deps.runner, o.poolImage, archive);
    writeFileSync(idFile, local.id);
  }
  const what = built
    ? 'built on this machine from the installed ckb-pool'
    : 'taken from this machine’s Docker';
  return { archive, how: `${o.poolImage} (${platform}) ${what}, shipped to the host as ${archive}` };
}

/** Decides how the host gets the pool image and prepares it. */
export async function supplyPoolImage(
  session: Session,
  t: SshTarget,
  o: SupplyOptions,
): Promise<PoolImageSupply> {
  for (const archive of o.archives) {
    if ((await archiveTags(session, archive)).includes(o.poolImage))
      return { how: `${o.poolImage} from your archive ${archive}` };
  }
  const platform = await hostPlatform(session, t);
  const ref = parseImageRef(o.poolImage);
  const found = await (o.probe ?? probeImageNamed)(o.poolImage, platform);
  session.log.line(`registry: ${found.status}: ${found.detail}`);
  if (found.status === 'available')
    return { how: `${o.poolImage} (${platform}): the host pulls it from ${registryLabel(ref)}` };
  const why = `${registryLabel(ref)}: ${found.detail}`;
  session.progress.info(`the pool image cannot be pulled (${why}); the installed ckb-pool provides it`);
  const engine = await dockerEngineVersion(session.deps.runner);
  if (engine.ok) {
    try {
      return await shipFromHere(session, o, platform);
    } catch (e) {
      if (!(e instanceof ImageBuildError)) throw e;
      session.progress.info(`building here failed (${e.message.split('\n')[0]}); the host builds it instead`);
    }
  } else {
    session.log.line(`no Docker engine here (${engine.detail}): the host builds the pool image`);
  }
  const context = await poolImageContext(
    session.deps.runner,
    { tag: o.poolImage, caFile: o.caFile },
    join(o.dir, 'pool-image-context'),
  );
  const buildArgs = dockerBuildArgs(context, { tag: o.poolImage, nodeImage: o.nodeImage, caFile: o.caFile });
  return {
    hostBuild: {
      image: o.poolImage,
      context,
      build_args: buildArgs.flatMap((a, i) => (buildArgs[i - 1] === '--build-arg' ? [a] : [])),
    },
    how: `${o.poolImage} (${platform}) is built on the host from the installed ckb-pool (no usable Docker here)`,
  };
}

/** The tags a `docker save` archive holds (its manifest.json), read with tar; [] when unreadable. */
async function archiveTags(session: Session, archive: string): Promise<string[]> {
  const r = await session.deps.runner.run({
    cmd: 'tar',
    args: ['-xOf', archive, 'manifest.json'],
    timeoutMs: 120_000,
  });
  if (r.exitCode !== 0) {
    session.log.line(`could not read manifest.json of ${archive}: ${r.stderr.trim()}`);
    return [];
  }
  try {
    const manifest = JSON.parse(r.stdout) as Array<{ RepoTags?: string[] }>;
    return manifest.flatMap((m) => m.RepoTags ?? []);
  } catch {
    return [];
  }
}
