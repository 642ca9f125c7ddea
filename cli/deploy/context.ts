/**
 * What a deploy command needs from the outside world, in one injectable object (so tests swap
 * the runner, the clock and the timeouts), and the step machinery every command shares: a step
 * has a name, writes its section of the log, shows progress, records completion, and when it
 * fails throws a `StepError` naming itself and the log file.
 */
import { homedir } from 'node:os';
import { createInterface } from 'node:readline/promises';
import type { Probe } from '../image/registry.js';
import { createRunner, type Runner, type RunRequest, type RunResult } from '../process/runner.js';
import type { DeployLog, Masker } from './log.js';
import { type OutputStream, Progress } from './progress.js';
import { type DeployState, type WorkDir, writeState } from './workdir.js';

export interface Timeouts {
  /** Waiting for SSH on a new host (cloud-init creates the user after boot). */
  sshMs: number;
  sshIntervalMs: number;
  /** Waiting for the pool API after `compose up` (local). */
  healthMs: number;
  healthIntervalMs: number;
  /** Retrying the SV2 handshake from this machine. */
  verifyMs: number;
  verifyIntervalMs: number;
}

export const DEFAULT_TIMEOUTS: Timeouts = {
  sshMs: 5 * 60_000,
  sshIntervalMs: 5_000,
  healthMs: 5 * 60_000,
  healthIntervalMs: 2_000,
  verifyMs: 2 * 60_000,
  verifyIntervalMs: 3_000,
};

export interface DeployDeps {
  runner: Runner;
  out: OutputStream;
  err: OutputStream;
  /** Environment for credential checks and masking (the runner has its own for processes). */
  env: NodeJS.ProcessEnv;
  home: string;
  /** stdin and stdout are terminals: prompts are possible. */
  interactive: boolean;
  /** Asks a yes/no question on the terminal. */
  confirm(question: string): Promise<boolean>;
  timeouts: Timeouts;
  /** SSH port of cloud hosts (the stacks open 22). Tests point it at a local listener. */
  cloudSshPort: number;
  /**
   * Asks the EC2 instance metadata service for an instance profile role (doctor's last AWS
   * credential source). Set by the real CLI only, so tests never probe 169.254.169.254.
   */
  probeInstanceRole?: () => Promise<string | undefined>;
  now(): Date;
  /** Also print every tool's output on stderr as it arrives (masked). */
  verbose?: boolean;
  /** Asks an image's registry whether it has a platform (default: over HTTPS; tests replace it). */
  probeImage?: (image: string, platform: string) => Promise<Probe>;
}

async function askTerminal(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    const answer = await rl.question(`${question} [y/N] `);
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}

export function defaultDeps(): DeployDeps {
  return {
    runner: createRunner(),
    out: process.stdout,
    err: process.stderr,
    env: process.env,
    home: homedir(),
    interactive: process.stdin.isTTY === true && process.stdout.isTTY === true,
    confirm: askTerminal,
    timeouts: DEFAULT_TIMEOUTS,
    cloudSshPort: 22,
    now: () => new Date(),
    // Loaded on use: only doctor and up ask, and only when no other AWS source is set.
    probeInstanceRole: async () => (await import('../../stacks/credentials.js')).probeEc2InstanceRole(),
  };
}

/** A step failed: names the step and the log with the full output. Exit code 1. */
export class StepError extends Error {
  readonly exitCode = 1;
  constructor(
    readonly step: string,
    readonly logPath: string,
    readonly reason: string,
    readonly tail: string[] = [],
  ) {
    super(`step '${step}' failed: ${reason}`);
    this.name = 'StepError';
  }

  /** The text shown to the operator. */
  report(rerun: string): string {
    const lines = [`Error: step '${this.step}' failed: ${this.reason}`];
    if (this.tail.length) lines.push('Last output:', ...this.tail.map((l) => `  ${l}`));
    lines.push(`Full output: ${this.logPath}`);
    if (rerun) lines.push(`Fix the cause and run \`${rerun}\` again; finished steps are safe to repeat.`);
    return `${lines.join('\n')}\n`;
  }
}

/** `terraform apply`, `docker compose`, `ansible-playbook`: the tool and its subcommand, if any. */
function toolName(req: RunRequest): string {
  const sub = req.args[0];
  return sub && /^[a-z][a-z-]*$/.test(sub) ? `${req.cmd} ${sub}` : req.cmd;
}

/** A failure inside a step whose message is complete as is (no process output to show). */
export class StepFailure extends Error {}

/** One command run: its log, progress display, masker and recorded state. */
export class Session {
  readonly progress: Progress;

  constructor(
    readonly deps: DeployDeps,
    readonly log: DeployLog,
    readonly work: WorkDir,
    readonly state: DeployState,
  ) {
    this.progress = new Progress(deps.out, () => deps.now().getTime());
  }

  get masker(): Masker {
    return this.log.masker;
  }

  saveState(): void {
    writeState(this.work, this.state);
  }

  /** Runs one named step. Completion is recorded in the state file. */
  async step<T>(name: string, fn: () => Promise<T>, detail?: (r: T) => string): Promise<T> {
    this.progress.start(name);
    this.log.section(name);
    try {
      const result = await fn();
      this.state.completed[name] = this.deps.now().toISOString();
      this.saveState();
      this.progress.succeed(detail ? this.masker.mask(detail(result)) : '');
      return result;
    } catch (e) {
      const reason = this.masker.mask(e instanceof Error ? e.message : String(e));
      this.log.line(`ERROR: ${reason}`);
      this.progress.fail();
      const tail = e instanceof StepFailure ? [] : this.log.tail().filter((l) => !l.startsWith('ERROR: '));
      this.state.lastRun = {
        ...(this.state.lastRun ?? { startedAt: '' }),
        failedStep: name,
        log: this.log.path,
      };
      this.saveState();
      throw new StepError(name, this.log.path, reason, tail);
    }
  }

  /**
   * Runs a tool with its output going to the log (and the latest line to the progress
   * display). Resolves to the result on exit code 0, throws otherwise.
   */
  async tool(req: RunRequest, what = toolName(req)): Promise<RunResult> {
    this.log.line(
      `$ ${this.masker.mask([req.cmd, ...req.args].join(' '))}${req.cwd ? `  (in ${req.cwd})` : ''}`,
    );
    // Ctrl-C reaches the tool too; wait for it to stop cleanly instead of exiting under it.
    let interrupted = false;
    const onInterrupt = () => {
      interrupted = true;
      this.deps.err.write(`\nInterrupted: waiting for ${req.cmd} to stop cleanly (it may take a moment)…\n`);
    };
    process.on('SIGINT', onInterrupt);
    const result = await this.deps.runner
      .run({
        ...req,
        onLine: (line, stream) => {
          const masked = this.masker.mask(line);
          this.log.line(stream === 'stderr' ? `! ${masked}` : masked);
          this.progress.line(masked);
          if (this.deps.verbose) this.deps.err.write(`  ${masked}\n`);
          req.onLine?.(line, stream);
        },
      })
      .finally(() => process.off('SIGINT', onInterrupt));
    if (interrupted) throw new StepFailure(`interrupted (Ctrl-C) while ${what} ran; it stopped cleanly`);
    if (result.notFound) {
      throw new StepFailure(
        `${req.cmd} is not installed or not on PATH; install it (docs/deploy.md, Prerequisites) and check with \`ckb-pool-deploy doctor\``,
      );
    }
    if (result.timedOut) throw new Error(`${what} did not finish within ${req.timeoutMs} ms`);
    if (result.exitCode !== 0) throw new Error(`${what} exited with code ${result.exitCode}`);
    return result;
  }
}
