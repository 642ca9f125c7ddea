/**
 * The pool image, built from the ckb-pool package this deployer runs with — the same files
 * a user's `npm install ckb-pool` gets — for when the published image cannot be pulled (a fork,
 * an unreleased version, an air-gapped host). The build context holds only pool/Dockerfile and
 * the package tarball, so nothing of the operator's working folder reaches the image.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { Runner } from '../process/runner.js';

/** Names inside the build context, as pool/Dockerfile expects them. */
const CONTEXT_TARBALL = 'ckb-pool.tgz';
const CONTEXT_CA = 'extra-ca.crt';

/** The folder of the installed ckb-pool package (node_modules/ckb-pool, or pool/ in a clone). */
export function poolPackageDir(): string {
  return dirname(createRequire(import.meta.url).resolve('ckb-pool/package.json'));
}

export interface PoolImageBuild {
  /** Image reference to tag, e.g. ghcr.io/ckb-pool-deploy/ckb-pool:0.1.0. */
  tag: string;
  /** A packed ckb-pool tarball to build from; default: pack the installed package. */
  tarball?: string | undefined;
  /** Base image with Node and npm (the Dockerfile's NODE_IMAGE); default the Dockerfile's. */
  nodeImage?: string | undefined;
  /** A CA certificate npm inside the build must trust (a TLS-intercepting proxy). */
  caFile?: string | undefined;
  /** docker build --platform, e.g. linux/arm64 for a host of another architecture. */
  platform?: string | undefined;
  /** Each output line of npm pack and docker build. */
  onLine?: ((line: string) => void) | undefined;
}

export class ImageBuildError extends Error {
  override name = 'ImageBuildError';
}

/**
 * Makes the build context folder (Dockerfile + ckb-pool.tgz [+ CA]) — a new temporary one, or
 * `into`, emptied first — and returns it; the caller removes it.
 */
export async function poolImageContext(runner: Runner, b: PoolImageBuild, into?: string): Promise<string> {
  const pkg = poolPackageDir();
  const dockerfile = join(pkg, 'Dockerfile');
  if (!existsSync(dockerfile)) throw new ImageBuildError(`the installed ckb-pool has no Dockerfile (${pkg})`);
  if (into) {
    rmSync(into, { recursive: true, force: true });
    mkdirSync(into, { recursive: true, mode: 0o700 });
  }
  const ctx = into ?? mkdtempSync(join(tmpdir(), 'ckb-pool-image-'));
  try {
    copyFileSync(dockerfile, join(ctx, 'Dockerfile'));
    if (b.tarball) {
      copyFileSync(resolve(b.tarball), join(ctx, CONTEXT_TARBALL));
    } else {
      // --ignore-scripts: the installed package is already built; its prepack would rebuild
      // from sources that an installed package does not have.
      const r = await runner.run({
        cmd: 'npm',
        args: ['pack', '--ignore-scripts', '--silent', '--pack-destination', ctx, pkg],
        onLine: b.onLine,
        timeoutMs: 300_000,
      });
      if (r.exitCode !== 0)
        throw new ImageBuildError(`npm pack ${pkg} failed: ${r.stderr.trim() || r.stdout.trim()}`);
      const packed = readdirSync(ctx).find((f) => /^ckb-pool-.*\.tgz$/.test(f));
      if (!packed) throw new ImageBuildError(`npm pack ${pkg} wrote no tarball`);
      renameSync(join(ctx, packed), join(ctx, CONTEXT_TARBALL));
    }
    if (b.caFile) copyFileSync(b.caFile, join(ctx, CONTEXT_CA));
    return ctx;
  } catch (e) {
    rmSync(ctx, { recursive: true, force: true });
    throw e;
  }
}

/** The `docker build` arguments for a context made by `poolImageContext`. */
export function dockerBuildArgs(ctx: string, b: PoolImageBuild): string[] {
  const args = ['build', '-t', b.tag];
  if (b.platform) args.push('--platform', b.platform);
  if (b.nodeImage) args.push('--build-arg', `NODE_IMAGE=${b.nodeImage}`);
  if (b.caFile) args.push('--build-arg', `NPM_CA_FILE=${CONTEXT_CA}`);
  args.push(ctx);
  return args;
}

/** Builds the pool image on this machine's Docker engine. */
export async function buildPoolImage(runner: Runner, b: PoolImageBuild): Promise<void> {
  const ctx = await poolImageContext(runner, b);
  try {
    const r = await runner.run({
      cmd: 'docker',
      args: dockerBuildArgs(ctx, b),
      onLine: b.onLine,
      timeoutMs: 1_800_000,
    });
    if (r.notFound) throw new ImageBuildError('docker is not installed on this machine');
    if (r.exitCode !== 0) {
      const tail = `${r.stdout}\n${r.stderr}`.trim().split('\n').slice(-15).join('\n');
      throw new ImageBuildError(`docker build of ${b.tag} failed (exit ${r.exitCode}):\n${tail}`);
    }
  } finally {
    rmSync(ctx, { recursive: true, force: true });
  }
}

/** `docker save` of an image into a gzip archive that `docker load -i` reads. */
export async function saveImageArchive(runner: Runner, tag: string, file: string): Promise<void> {
  const r = await runner.run({
    cmd: 'sh',
    args: ['-c', 'docker save "$1" | gzip -1 >"$2.part" && mv "$2.part" "$2"', 'save', tag, resolve(file)],
    timeoutMs: 900_000,
  });
  if (r.exitCode !== 0) throw new ImageBuildError(`docker save ${tag} failed: ${r.stderr.trim()}`);
}
