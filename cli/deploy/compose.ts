/**
 * The bundle on this machine (`--cloud local`): whichever Compose exists — the v2 plugin
 * (`docker compose`) or v1.29 (`docker-compose`) — started in the rendered bundle folder with
 * the config's project name, so `down` finds the same containers and volumes.
 */
import { join } from 'node:path';
import { POOL_UID, SECRET, SECRETS_DIR } from '../bundle/layout.js';
import type { Runner, RunRequest } from '../process/runner.js';

export interface ComposeCommand {
  cmd: string;
  /** Arguments before the compose subcommand (`['compose']` for v2). */
  prefix: string[];
  version: 'v2' | 'v1';
}

/** Finds Compose: v2 plugin first, then v1. Null when neither answers. */
export async function detectCompose(runner: Runner): Promise<ComposeCommand | null> {
  const v2 = await runner.run({ cmd: 'docker', args: ['compose', 'version'], timeoutMs: 20_000 });
  if (v2.exitCode === 0) return { cmd: 'docker', prefix: ['compose'], version: 'v2' };
  const v1 = await runner.run({ cmd: 'docker-compose', args: ['version'], timeoutMs: 20_000 });
  if (v1.exitCode === 0) return { cmd: 'docker-compose', prefix: [], version: 'v1' };
  return null;
}

export const COMPOSE_MISSING =
  'neither `docker compose` (v2) nor `docker-compose` (v1.29) works; install Docker with the Compose plugin ' +
  '(https://docs.docker.com/engine/install/) or `apt-get install docker.io docker-compose`, then run `ckb-pool-deploy doctor`';

function compose(c: ComposeCommand, bundleDir: string, project: string, args: string[]): RunRequest {
  return {
    cmd: c.cmd,
    args: [
      ...c.prefix,
      // No -f: Compose then loads compose.yaml and, by its own convention, a
      // compose.override.yaml an operator (or CI) put beside it.
      '--project-directory',
      bundleDir,
      '-p',
      project,
      ...args,
    ],
    cwd: bundleDir,
  };
}

export const composeUp = (c: ComposeCommand, bundleDir: string, project: string) =>
  compose(c, bundleDir, project, ['up', '-d', '--remove-orphans']);

/**
 * Payouts on this machine: compose mounts a secret file with its host owner, and the pool (uid
 * POOL_UID in its image) refuses a key file others may read, so the 0400 key must be the pool
 * uid's own. A throwaway root container of the pool image, with no network and only CHOWN,
 * hands it over (on a remote host the Ansible role does the same).
 */
export const walletOwnerRequest = (bundleDir: string, poolImage: string): RunRequest => ({
  cmd: 'docker',
  args: [
    'run',
    '--rm',
    '--network',
    'none',
    '--user',
    '0',
    '--cap-drop',
    'ALL',
    '--cap-add',
    'CHOWN',
    '--entrypoint',
    'chown',
    '-v',
    `${join(bundleDir, SECRETS_DIR, SECRET.poolWallet)}:/wallet-key`,
    poolImage,
    `${POOL_UID}:${POOL_UID}`,
    '/wallet-key',
  ],
  cwd: bundleDir,
});

/** Stops and removes the containers; with `purge` also the named volumes (chain data, ledger, metrics). */
export const composeDown = (c: ComposeCommand, bundleDir: string, project: string, purge: boolean) =>
  compose(c, bundleDir, project, ['down', '--remove-orphans', ...(purge ? ['--volumes'] : [])]);

/** `docker info`: does the engine answer? */
export async function dockerEngineVersion(runner: Runner): Promise<{ ok: boolean; detail: string }> {
  const r = await runner.run({
    cmd: 'docker',
    args: ['info', '--format', '{{.ServerVersion}}'],
    timeoutMs: 20_000,
  });
  if (r.notFound) return { ok: false, detail: 'docker is not installed' };
  const version = r.stdout.trim();
  if (r.exitCode !== 0 || !version) {
    return {
      ok: false,
      detail: (r.stderr.trim().split('\n').pop() ?? '') || `docker info exited with ${r.exitCode}`,
    };
  }
  return { ok: true, detail: version };
}
