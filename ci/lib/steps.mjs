// Step runner for the end-to-end scripts: named steps with timing, SKIP lines that say what
// is missing, and a summary at the end. Plain output (CI logs), one line per event.
import { performance } from 'node:perf_hooks';

const results = [];
const started = performance.now();

const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;

function log(line) {
  process.stdout.write(`${line}\n`);
}

/** Runs one named step; a throw fails the step (and the script, when not caught). */
export async function step(name, fn) {
  log(`\n▶ ${name}`);
  const t0 = performance.now();
  try {
    const value = await fn();
    const ms = performance.now() - t0;
    results.push({ name, status: 'ok', ms });
    log(`✔ ${name} (${seconds(ms)})`);
    return value;
  } catch (err) {
    const ms = performance.now() - t0;
    results.push({ name, status: 'FAILED', ms });
    log(`✖ ${name} FAILED after ${seconds(ms)}: ${err?.message ?? err}`);
    throw err;
  }
}

/** Records a check that could not run here, with the reason (printed now and in the summary). */
export function skip(name, reason) {
  results.push({ name, status: 'SKIP', ms: 0, reason });
  log(`\n⊘ SKIP ${name}: ${reason}`);
}

/** A note that belongs in the summary (something checked differently, or not started). */
export function note(name, text) {
  results.push({ name, status: 'note', ms: 0, reason: text });
  log(`  note: ${text}`);
}

export function info(line) {
  log(`  ${line}`);
}

export function summary(title) {
  log(`\n== ${title}: summary (total ${seconds(performance.now() - started)})`);
  for (const r of results) {
    const time = r.status === 'ok' || r.status === 'FAILED' ? ` ${seconds(r.ms)}` : '';
    log(`  ${r.status.padEnd(6)} ${r.name}${time}${r.reason ? ` — ${r.reason}` : ''}`);
  }
  return results;
}

/**
 * Polls `fn` until it returns a truthy value or `timeoutMs` passes; returns the value or throws.
 * A throw is retried, unless the error has `fatal: true`.
 */
export async function waitFor(what, fn, { timeoutMs = 120_000, intervalMs = 2000 } = {}) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      const value = await fn();
      if (value) return value;
    } catch (err) {
      // An error marked fatal cannot heal by waiting (a container exited): fail at once.
      if (err?.fatal) throw err;
      last = err;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `timed out after ${seconds(timeoutMs)} waiting for ${what}${last ? ` (last error: ${last.message})` : ''}`,
      );
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
