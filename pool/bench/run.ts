/**
 * Runs every pool/bench/*.bench.ts (or those named on the command line, e.g. `eaglesong`)
 * one after another, each in its own process (`node --import tsx <file>`) so they do not share
 * a JIT or a heap. Each must print exactly one JSON object line on stdout; run.ts prints those
 * lines in order and exits non-zero when a benchmark fails or prints no JSON object.
 */
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const benchDir = fileURLToPath(new URL('./', import.meta.url));
const poolDir = fileURLToPath(new URL('../', import.meta.url));

/** The benchmark files, optionally only those whose name (without .bench.ts) is in `only`. */
export function benchFiles(only: string[] = []): string[] {
  return readdirSync(benchDir)
    .filter((f) => f.endsWith('.bench.ts'))
    .filter((f) => only.length === 0 || only.includes(f.slice(0, -'.bench.ts'.length)))
    .sort();
}

/** The single JSON object a benchmark printed, or an error describing what it printed instead. */
export function parseBenchOutput(stdout: string): Record<string, unknown> {
  const lines = stdout.split('\n').filter((l) => l.trim() !== '');
  const objects = lines.flatMap((l) => {
    try {
      const v = JSON.parse(l) as unknown;
      return v !== null && typeof v === 'object' && !Array.isArray(v) ? [v as Record<string, unknown>] : [];
    } catch {
      return [];
    }
  });
  if (objects.length !== 1) throw new Error(`expected one JSON object line, got ${objects.length}`);
  return objects[0];
}

function runOne(file: string): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', `${benchDir}${file}`], {
      cwd: poolDir,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let stdout = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (d: string) => {
      stdout += d;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout }));
  });
}

async function main(): Promise<number> {
  const only = process.argv.slice(2);
  const files = benchFiles(only);
  if (files.length === 0) {
    process.stderr.write(`no benchmarks${only.length ? ` named ${only.join(', ')}` : ''} in ${benchDir}\n`);
    return 1;
  }
  let failed = 0;
  for (const file of files) {
    const { code, stdout } = await runOne(file);
    try {
      if (code !== 0) throw new Error(`exited with code ${code}`);
      process.stdout.write(`${JSON.stringify(parseBenchOutput(stdout))}\n`);
    } catch (err) {
      failed++;
      process.stderr.write(`bench ${file} failed: ${(err as Error).message}\n${stdout}`);
    }
  }
  return failed === 0 ? 0 : 1;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.exitCode = await main();
}
