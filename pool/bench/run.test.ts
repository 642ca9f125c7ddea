import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { benchFiles, parseBenchOutput } from './run.js';

const eaglesongBench = fileURLToPath(new URL('./eaglesong.bench.ts', import.meta.url));

describe('the eaglesong benchmark', () => {
  it('prints one JSON object with the fast path rate and the baselines of the same run', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', eaglesongBench], {
      encoding: 'utf8',
      env: { ...process.env, BENCH_SECONDS: '0.3' },
    });
    expect(r.status, r.stderr).toBe(0);
    const result = parseBenchOutput(r.stdout);
    for (const key of [
      'hashes_per_second',
      'hashes_per_second_scalar',
      'hashes_per_second_scan',
      'hashes_per_second_generic',
      'hashes_per_second_reference',
      'ratio_vs_generic',
    ]) {
      expect(typeof result[key], key).toBe('number');
      expect(result[key] as number, key).toBeGreaterThan(0);
    }
    expect(result.bench).toBe('eaglesong');
    expect(['wasm-simd-x4', 'js-scalar']).toContain(result.fast_path);
    expect(typeof result.meets_goal).toBe('boolean');
  });
});

describe('the benchmark runner (pool/bench/run.ts)', () => {
  it('finds the eaglesong benchmark and can select benchmarks by name', () => {
    expect(benchFiles()).toContain('eaglesong.bench.ts');
    expect(benchFiles(['eaglesong'])).toEqual(['eaglesong.bench.ts']);
    expect(benchFiles(['no-such-bench'])).toEqual([]);
  });

  it('takes exactly one JSON object line from a benchmark’s output', () => {
    expect(parseBenchOutput('warming up\n{"bench":"x","v":1}\n')).toEqual({ bench: 'x', v: 1 });
    expect(() => parseBenchOutput('nothing useful\n')).toThrow(/got 0/);
    expect(() => parseBenchOutput('{"a":1}\n{"b":2}\n')).toThrow(/got 2/);
    expect(() => parseBenchOutput('[1,2]\n')).toThrow(/got 0/);
  });
});
