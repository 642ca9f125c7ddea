/**
 * The pool host as backup and restore see it: run Compose in the deployed bundle, run the ledger
 * program in a one-off pool container, and move one file between a scratch folder on the host
 * and this machine. `local` is this machine's bundle (.ckb-pool-deploy/<project>/local/bundle);
 * ssh and the clouds are the host `up` recorded, reached with the deployment's key and pinned
 * known_hosts, where the role installed the bundle in /opt/ckb-pool and everything Docker runs
 * as root (`sudo -n`: never a password prompt).
 */
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CONTAINER_PATH, SERVICE } from '../bundle/layout.js';
import type { RunResult } from '../process/runner.js';
import { LEDGER_FILE_NAME, LEDGER_PROGRAM, type LedgerMode, SCRATCH_IN_CONTAINER } from './backup-ledger.js';
import { COMPOSE_MISSING, type ComposeCommand, detectCompose } from './compose.js';
import { type Session, StepFailure } from './context.js';
import { type SshTarget, sshDestination, sshOptions } from './ssh.js';

/** Where the Ansible role puts the bundle (ansible/roles/ckb_pool/defaults/main.yml). */
export const REMOTE_BUNDLE_DIR = '/opt/ckb-pool';
export const LEDGER_IN_CONTAINER = `${CONTAINER_PATH.poolData}/${LEDGER_FILE_NAME}`;

export interface PoolHost {
  /** "this machine" or user@address. */
  readonly where: string;
  /** The bundle is deployed there (compose.yaml present). */
  deployed(): Promise<boolean>;
  /** `compose <args>` in the bundle, as the project. */
  compose(args: string[], what: string): Promise<RunResult>;
  /** A new scratch folder on the host (mounted into the one-off container). */
  makeScratch(): Promise<string>;
  removeScratch(dir: string): Promise<void>;
  /** Copies `<scratch>/ledger.sqlite` to `local`, or `local` to it. */
  fetchLedger(scratch: string, local: string): Promise<void>;
  sendLedger(local: string, scratch: string): Promise<void>;
}

/**
 * `compose run` of the pool service with node as entrypoint: same image and data volume as the
 * pool, no published ports, no dependencies started. As root: the scratch folder belongs to the
 * operator, the data volume to the pool user; the program hands each file to its folder's owner.
 */
export function ledgerRunArgs(mode: LedgerMode, scratch: string, force = false): string[] {
  return [
    'run',
    '--rm',
    '--no-deps',
    '-T',
    '-u',
    '0',
    '-v',
    `${scratch}:${SCRATCH_IN_CONTAINER}`,
    '-e',
    `MODE=${mode}`,
    '-e',
    `LEDGER=${LEDGER_IN_CONTAINER}`,
    '-e',
    `SCRATCH=${SCRATCH_IN_CONTAINER}`,
    '-e',
    `FORCE=${force ? '1' : '0'}`,
    '--entrypoint',
    'node',
    SERVICE.pool,
    '-e',
    LEDGER_PROGRAM,
  ];
}

export function localHost(session: Session, bundleDir: string, project: string): PoolHost {
  let compose: ComposeCommand | null = null;
  const tool = async () => {
    compose ??= await detectCompose(session.deps.runner);
    if (!compose) throw new StepFailure(COMPOSE_MISSING);
    return compose;
  };
  return {
    where: 'this machine',
    deployed: async () => existsSync(join(bundleDir, 'compose.yaml')),
    async compose(args, what) {
      const c = await tool();
      return session.tool(
        {
          cmd: c.cmd,
          args: [...c.prefix, '--project-directory', bundleDir, '-p', project, ...args],
          cwd: bundleDir,
        },
        what,
      );
    },
    // Beside the deployment's logs: a private folder the Docker engine can bind-mount.
    makeScratch: async () => mkdtempSync(join(resolve(bundleDir, '..'), 'scratch-')),
    removeScratch: async (dir) => rmSync(dir, { recursive: true, force: true }),
    fetchLedger: async (scratch, local) => copyFileSync(join(scratch, LEDGER_FILE_NAME), local),
    sendLedger: async (local, scratch) => copyFileSync(local, join(scratch, LEDGER_FILE_NAME)),
  };
}

/** POSIX single-quoting for the remote shell. */
export const shellQuote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/** scp takes the port as -P; everything else as ssh. */
export function scpOptions(t: SshTarget): string[] {
  return sshOptions(t, false).map((o) => (o === '-p' ? '-P' : o));
}

/** `ssh` running `script` as root on the host (`sudo -n sh -e`: never a password prompt). */
export function rootScriptRequest(t: SshTarget, script: string) {
  return {
    cmd: 'ssh',
    args: [
      ...sshOptions(t, false),
      sshDestination(t.host),
      // The script travels base64-encoded: no quoting survives two shells and sudo intact.
      `echo ${Buffer.from(script).toString('base64')} | base64 -d | sudo -n sh -e`,
    ],
  };
}

/** The compose command of the deployed bundle, as the project, in a root shell script. */
export const composeScript = (project: string, args: string[]) =>
  `cd ${REMOTE_BUNDLE_DIR}\n` +
  'if docker compose version >/dev/null 2>&1; then set -- docker compose; else set -- docker-compose; fi\n' +
  `"$@" -p ${shellQuote(project)} ${args.map(shellQuote).join(' ')}\n`;

export interface RemotePoolHost extends PoolHost {
  /** Runs a shell script as root on the host. */
  asRoot(script: string, what: string): Promise<RunResult>;
}

export function remoteHost(session: Session, t: SshTarget, project: string): RemotePoolHost {
  const dest = sshDestination(t.host);
  const asRoot = (script: string, what: string) => session.tool(rootScriptRequest(t, script), what);
  const scpPath = (p: string) => `${dest}:${p}`;
  return {
    where: `${dest}:${t.host.port}`,
    async deployed() {
      const r = await asRoot(
        `if [ -f ${REMOTE_BUNDLE_DIR}/compose.yaml ]; then echo deployed; else echo absent; fi\n`,
        'look for the bundle',
      );
      return r.stdout.includes('deployed');
    },
    asRoot,
    compose: (args, what) => asRoot(composeScript(project, args), what),
    async makeScratch() {
      const r = await asRoot(
        `d=$(mktemp -d /tmp/ckb-pool-backup.XXXXXX)\nchown ${shellQuote(t.host.user)} "$d"\necho "$d"\n`,
        'make a scratch folder on the host',
      );
      const dir = r.stdout.trim().split('\n').pop() ?? '';
      if (!dir.startsWith('/tmp/ckb-pool-backup.')) throw new Error(`unexpected scratch folder '${dir}'`);
      return dir;
    },
    async removeScratch(dir) {
      await asRoot(`rm -rf ${shellQuote(dir)}\n`, 'remove the scratch folder');
    },
    async fetchLedger(scratch, local) {
      await session.tool(
        { cmd: 'scp', args: [...scpOptions(t), scpPath(`${scratch}/${LEDGER_FILE_NAME}`), local] },
        'scp (ledger from the host)',
      );
    },
    async sendLedger(local, scratch) {
      await session.tool(
        { cmd: 'scp', args: [...scpOptions(t), local, scpPath(`${scratch}/${LEDGER_FILE_NAME}`)] },
        'scp (ledger to the host)',
      );
    },
  };
}
