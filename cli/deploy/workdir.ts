/**
 * Per-deployment working folder, beside the config file:
 *   .ckb-pool-deploy/<project>/<target>/
 *     bundle/            rendered compose bundle (holds .env with secrets: folder is 0700)
 *     terraform/         synthesized stack; Terraform's local state lives in its stack folder
 *     logs/              one log file per command run
 *     inventory.yml, extra-vars.json, known_hosts, deploy-state.json
 * `deploy-state.json` records the host and the steps that completed, so `status` and `down`
 * find the deployment and a re-run of `up` can say where the previous one stopped.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/** Where a deployment runs: a cloud, an existing server over SSH, or this machine. */
export type Target = 'aws' | 'alicloud' | 'ssh' | 'local';

export interface WorkDir {
  root: string;
  bundle: string;
  terraform: string;
  logs: string;
  inventory: string;
  extraVars: string;
  knownHosts: string;
  stateFile: string;
}

export function workDir(configPath: string, project: string, target: Target): WorkDir {
  const root = join(dirname(resolve(configPath)), '.ckb-pool-deploy', project, target);
  return {
    root,
    bundle: join(root, 'bundle'),
    terraform: join(root, 'terraform'),
    logs: join(root, 'logs'),
    inventory: join(root, 'inventory.yml'),
    extraVars: join(root, 'extra-vars.json'),
    knownHosts: join(root, 'known_hosts'),
    stateFile: join(root, 'deploy-state.json'),
  };
}

export function ensureWorkDir(w: WorkDir): void {
  mkdirSync(w.root, { recursive: true, mode: 0o700 });
}

/** How to reach the pool host. */
export interface HostRecord {
  address: string;
  user: string;
  port: number;
  /** Cloud details from `terraform output` (absent for ssh/local). */
  instanceId?: string;
  region?: string;
}

export interface DeployState {
  target: Target;
  host?: HostRecord;
  /** Several pool hosts: `host` is then the node host; miners connect to `lbAddress`. */
  cluster?: {
    lbAddress: string;
    pools: HostRecord[];
    /** The shared ledger: RDS (TLS) or PostgreSQL on the node host; absent before this was recorded. */
    database?: { host: string; port: number; tls: boolean };
  };
  /** Step name → ISO time it last completed. */
  completed: Record<string, string>;
  lastRun?: { startedAt: string; finishedAt?: string; failedStep?: string; log?: string };
}

export function readState(w: WorkDir, target: Target): DeployState {
  if (!existsSync(w.stateFile)) return { target, completed: {} };
  try {
    const s = JSON.parse(readFileSync(w.stateFile, 'utf8')) as DeployState;
    return { ...s, target, completed: s.completed ?? {} };
  } catch {
    // A damaged state file only loses the history; the tools themselves are idempotent.
    return { target, completed: {} };
  }
}

/** Writes atomically (temp file + rename), so an interrupted run never leaves half a file. */
export function writeState(w: WorkDir, s: DeployState): void {
  ensureWorkDir(w);
  const tmp = `${w.stateFile}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(s, null, 2)}\n`, { mode: 0o600 });
  renameSync(tmp, w.stateFile);
}
