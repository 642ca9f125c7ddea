/**
 * The one place where the deployer starts processes (terraform, ansible-playbook, ssh, docker).
 * Everything else asks a `Runner`, so tests replace the tools at the process boundary: either a
 * runner whose PATH starts with a folder of fake executables, or an injected runner.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';
import { execa } from 'execa';

export type Stream = 'stdout' | 'stderr';

export interface RunRequest {
  cmd: string;
  args: string[];
  cwd?: string;
  /** Added to (or, with `undefined`, removed from) the runner's base environment. */
  env?: Record<string, string | undefined>;
  /** Each complete output line as it arrives (for logs and progress). */
  onLine?: ((line: string, stream: Stream) => void) | undefined;
  /** Kill the process after this long (SIGTERM); the result then has `timedOut`. */
  timeoutMs?: number;
}

export interface RunResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  /** The executable was not found on PATH. */
  notFound: boolean;
  timedOut: boolean;
}

/** A long-running process (an SSH tunnel): stop it with `stop()`. */
export interface BackgroundProcess {
  readonly pid: number | undefined;
  /** Resolves when the process ends, for whatever reason. */
  readonly exited: Promise<RunResult>;
  stop(): Promise<void>;
}

export interface Runner {
  /** The environment processes start with (before a request's own `env`). */
  readonly env: NodeJS.ProcessEnv;
  run(req: RunRequest): Promise<RunResult>;
  start(req: RunRequest): BackgroundProcess;
  /** Absolute path of `cmd` on the runner's PATH, or null (no process is started). */
  which(cmd: string): string | null;
}

function mergedEnv(base: NodeJS.ProcessEnv, extra: RunRequest['env']): NodeJS.ProcessEnv {
  const env = { ...base };
  for (const [k, v] of Object.entries(extra ?? {})) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

/** Splits a byte stream into lines, calling `onLine` for each complete one. */
function lineSplitter(stream: Stream, onLine: RunRequest['onLine']) {
  let rest = '';
  return {
    push(chunk: Buffer | string) {
      rest += chunk.toString();
      const lines = rest.split(/\r?\n/);
      rest = lines.pop() ?? '';
      for (const l of lines) onLine?.(l, stream);
    },
    end() {
      if (rest) onLine?.(rest, stream);
      rest = '';
    },
  };
}

function spawn(base: NodeJS.ProcessEnv, req: RunRequest, background = false) {
  const child = execa(req.cmd, req.args, {
    ...(req.cwd !== undefined && { cwd: req.cwd }),
    env: mergedEnv(base, req.env),
    extendEnv: false,
    reject: false,
    stdin: 'ignore',
    ...(req.timeoutMs !== undefined && { timeout: req.timeoutMs }),
    killSignal: 'SIGTERM',
    forceKillAfterDelay: 5_000,
    // Never signal a running terraform when this process ends: Ctrl-C already reached it (same
    // process group), and a second signal makes terraform stop at once, risking its state.
    // Background helpers (SSH tunnels) are ended with us.
    cleanup: background,
    stripFinalNewline: false,
  });
  const out = lineSplitter('stdout', req.onLine);
  const err = lineSplitter('stderr', req.onLine);
  child.stdout?.on('data', (c: Buffer) => out.push(c));
  child.stderr?.on('data', (c: Buffer) => err.push(c));
  const exited: Promise<RunResult> = child.then((r) => {
    out.end();
    err.end();
    const notFound = (r as { code?: string }).code === 'ENOENT';
    return {
      exitCode: typeof r.exitCode === 'number' ? r.exitCode : notFound ? 127 : 1,
      stdout: String(r.stdout ?? ''),
      stderr: String(r.stderr ?? ''),
      notFound,
      timedOut: r.timedOut === true,
    };
  });
  return { child, exited };
}

/** Looks `cmd` up on `PATH` the way a shell would (executable regular files only). */
export function whichOnPath(cmd: string, env: NodeJS.ProcessEnv): string | null {
  const candidates = isAbsolute(cmd)
    ? [cmd]
    : (env.PATH ?? '')
        .split(delimiter)
        .filter(Boolean)
        .map((d) => join(d, cmd));
  for (const p of candidates) {
    try {
      if (!statSync(p).isFile()) continue;
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // not here
    }
  }
  return null;
}

/** The real runner (execa). `env` defaults to this process's environment. */
export function createRunner(env: NodeJS.ProcessEnv = process.env): Runner {
  return {
    env,
    run: (req) => spawn(env, req).exited,
    start(req) {
      const { child, exited } = spawn(env, req, true);
      return {
        pid: child.pid,
        exited,
        async stop() {
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
          await exited;
        },
      };
    },
    which: (cmd) => whichOnPath(cmd, env),
  };
}
