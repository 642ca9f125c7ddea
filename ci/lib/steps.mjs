// Step runner for the end-to-end scripts: named steps with timing, SKIP lines that say what
// is missing, and a summary at the end. Plain output (CI logs), one line per event.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

const results = [];
const scratchDirs = [];
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
 * A new temporary folder for this script. `finish` removes it after a passing run: a run writes
 * image archives and installed packages (up to 1.5 GB), and CI machines run these scripts again
 * and again on the same disk.
 */
export function scratch(prefix) {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  scratchDirs.push(dir);
  return dir;
}

/**
 * The summary, then the scratch folders: removed after a pass, kept after a failure (their logs
 * are the evidence) or when asked to keep, then exits 1 on failure, else 0.
 */
export function finish(title, failed, { keep = process.env.CKB_POOL_E2E_KEEP === '1' } = {}) {
  summary(title);
  for (const dir of scratchDirs.splice(0)) {
    if (failed || keep) {
      log(`  kept ${dir} (${failed ? 'the run failed' : 'asked to keep'})`);
      continue;
    }
    try {
      rmSync(dir, { recursive: true, force: true });
    } catch (err) {
      log(`  could not remove ${dir}: ${err.message}`);
    }
  }
  process.exit(failed ? 1 : 0);
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
