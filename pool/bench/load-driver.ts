/**
 * Drives the bench's load process (load-process.ts): JSON commands on its stdin, JSON events
 * back on its stdout. A child process so the clients never share a
 * core's time with the pool they measure.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export const LOAD_SCRIPT = fileURLToPath(new URL('./load-process.ts', import.meta.url));

export interface LoadDriver {
  child: ReturnType<typeof spawn>;
  /** The next event named `ev` (earlier events of other names stay queued). */
  next(ev: string): Promise<Record<string, unknown>>;
  send(o: unknown): void;
}

/** Starts the load process (or `script`, another bench process that speaks the same way). */
export function startLoad(script = LOAD_SCRIPT, args: string[] = []): LoadDriver {
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const rl = createInterface({ input: child.stdout });
  const queue: Record<string, unknown>[] = [];
  let wake: (() => void) | null = null;
  rl.on('line', (l) => {
    if (!l.startsWith('{')) return;
    queue.push(JSON.parse(l) as Record<string, unknown>);
    wake?.();
  });
  const next = async (ev: string): Promise<Record<string, unknown>> => {
    for (;;) {
      const i = queue.findIndex((q) => q.ev === ev);
      if (i >= 0) return queue.splice(i, 1)[0] as Record<string, unknown>;
      await new Promise<void>((r) => {
        wake = r;
      });
    }
  };
  const send = (o: unknown) => child.stdin?.write(`${JSON.stringify(o)}\n`);
  return { child, next, send };
}

/**
 * A figure from a run where the pool refused the work (a limit, an account rule) measures
 * nothing: stop with the reason instead of printing it. `expected` is what the clients saw.
 */
export function assertMeasured(got: number, expected: number, what: 'shares' | 'broadcast'): void {
  if (what === 'shares' && (got === 0 || expected === 0))
    throw new Error(
      `bench: no share was accepted (pool ${got}, client acks ${expected}); run with BENCH_SERVE_LOG=info or a pool log to see why`,
    );
  if (what === 'broadcast' && got < expected)
    throw new Error(
      `bench: the new job reached ${got} of ${expected} connections; the pool closed or lost the others`,
    );
}
