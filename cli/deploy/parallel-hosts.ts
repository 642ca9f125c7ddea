/**
 * Running the same steps on several hosts at once (the pool hosts of a cluster). Each host gets
 * its own session: its own log file beside the run's log, its progress lines prefixed with its
 * name (several hosts print at the same time), and the shared state, so a re-run still knows
 * which hosts completed. A failing host does not stop the others; the caller gets every result.
 */

import { Session, StepError } from './context.js';
import { DeployLog } from './log.js';
import type { OutputStream } from './progress.js';

/** How many hosts are configured at the same time: SSH, scp and Ansible on the operator's machine. */
export const HOST_CONCURRENCY = 4;

export interface HostResult {
  name: string;
  ok: boolean;
  log: string;
  /** Time the host took, in ms. */
  tookMs: number;
  /** The failed step and why, when not ok. */
  failedStep?: string;
  reason?: string;
}

/** Runs `fn` over `items` with at most `limit` running at a time; results in input order. */
export async function mapBounded<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** Every line written gets `[name] ` in front: interleaved hosts stay readable. */
export function prefixedStream(out: OutputStream, name: string): OutputStream {
  let pending = '';
  return {
    write(text: string) {
      pending += text.replace(/\r\x1b\[2K/g, '');
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const l of lines) out.write(`[${name}] ${l}\n`);
      return true;
    },
  };
}

/** `<run log>.<host>.log`: the host's own log, next to the run's. */
export const hostLogPath = (runLog: string, name: string) => runLog.replace(/\.log$/, `.${name}.log`);

/** A session for one host of `parent`'s run: own log and prefixed progress, shared state. */
export function hostSession(parent: Session, name: string): Session {
  const log = new DeployLog(hostLogPath(parent.log.path, name), parent.masker);
  const deps = { ...parent.deps, out: prefixedStream(parent.deps.out, name) };
  return new Session(deps, log, parent.work, parent.state);
}

/**
 * Runs `fn` on every host (bounded), each in its own host session. Resolves to one result per
 * host in input order; it never throws for a host's failure (see `failedHostsError`).
 */
export async function onEachHost<H extends { name: string }>(
  parent: Session,
  hosts: H[],
  fn: (host: H, session: Session) => Promise<void>,
  limit = HOST_CONCURRENCY,
): Promise<HostResult[]> {
  const now = () => parent.deps.now().getTime();
  return mapBounded(hosts, limit, async (h) => {
    const session = hostSession(parent, h.name);
    parent.log.line(`${h.name}: log ${session.log.path}`);
    const started = now();
    try {
      await fn(h, session);
      return { name: h.name, ok: true, log: session.log.path, tookMs: now() - started };
    } catch (e) {
      const failedStep = e instanceof StepError ? e.step : undefined;
      const reason = parent.masker.mask(e instanceof StepError ? e.reason : (e as Error).message);
      parent.log.line(`${h.name}: FAILED${failedStep ? ` at '${failedStep}'` : ''}: ${reason}`);
      const result: HostResult = {
        name: h.name,
        ok: false,
        log: session.log.path,
        tookMs: now() - started,
        reason,
      };
      if (failedStep) result.failedStep = failedStep;
      return result;
    }
  });
}

const took = (ms: number) => {
  const s = Math.round(ms / 1000);
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
};

/** One line per host: name, result, time, log. */
export function formatHostResults(results: HostResult[]): string {
  const width = Math.max(...results.map((r) => r.name.length));
  return results
    .map((r) => {
      const what = r.ok ? 'ok' : `FAILED at '${r.failedStep ?? '?'}': ${r.reason ?? ''}`;
      return `  ${r.name.padEnd(width)}  ${what} (${took(r.tookMs)}); log ${r.log}`;
    })
    .join('\n');
}

/** The error for a run in which some hosts failed: names each, with its log. */
export function failedHostsError(step: string, parentLog: string, results: HostResult[]): StepError | null {
  const failed = results.filter((r) => !r.ok);
  if (failed.length === 0) return null;
  const done = results.length - failed.length;
  const reason =
    `${failed.map((r) => `${r.name} failed at '${r.failedStep ?? '?'}' (${r.reason}; log ${r.log})`).join('; ')}. ` +
    `${done} of ${results.length} hosts completed`;
  return new StepError(step, failed.length === 1 ? failed[0].log : parentLog, reason);
}
