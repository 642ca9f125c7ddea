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

describe('the payouts benchmark', () => {
  it('prints batch build time and size and ledger split and balance times', () => {
    const bench = fileURLToPath(new URL('./payouts.bench.ts', import.meta.url));
    const r = spawnSync(process.execPath, ['--import', 'tsx', bench], {
      encoding: 'utf8',
      env: { ...process.env, BENCH_SHARES: '2000', BENCH_OUTPUTS: '20' },
    });
    expect(r.status, r.stderr).toBe(0);
    const result = parseBenchOutput(r.stdout);
    expect(result).toMatchObject({
      bench: 'payouts',
      batch_outputs: 20,
      ledger_shares: 2000,
      ledger_accounts: 1001,
    });
    // 20 outputs of ~61 bytes each at least, plus inputs, change and the witness.
    expect(result.batch_tx_bytes as number).toBeGreaterThan(20 * 61);
    for (const key of ['batch_build_sign_ms', 'ledger_pplns_split_ms', 'ledger_balances_ms'])
      expect(result[key] as number, key).toBeGreaterThan(0);
  }, 120_000);
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

describe('the pool benchmark', () => {
  it('measures accepted shares, the broadcast against its floor, and both instance trees at a tiny size', () => {
    const bench = fileURLToPath(new URL('./pool.bench.ts', import.meta.url));
    const r = spawnSync(process.execPath, ['--import', 'tsx', bench], {
      encoding: 'utf8',
      env: {
        ...process.env,
        BENCH_CONNECTIONS: '20',
        BENCH_BROADCAST_CONNECTIONS: '60',
        BENCH_SCALE_CONNECTIONS: '30',
        BENCH_PROXY_CONNECTIONS: '3',
        BENCH_SECONDS: '0.5',
        BENCH_PACED_RATE: '200',
        BENCH_LEDGER_SHARES: '2000',
        BENCH_SCALE_ROUNDS: '2',
        BENCH_BROADCAST_REPEATS: '2',
      },
    });
    expect(r.status, r.stderr).toBe(0);
    const result = parseBenchOutput(r.stdout) as {
      shares: { acceptedPerSecond: number; acceptedPerCpuSecond: number };
      broadcast: {
        perConnection: {
          connections: number;
          cpuVsBareWrite: number;
          clientCpuMs: number;
          bareWrite: { sockets: number; cpuMsRuns: number[] };
        };
      };
      scale: {
        instances: number;
        perInstanceShareRatio: number;
        roundRatios: number[];
        broadcastP99Ms: number;
        broadcastCpuBoundMs: number;
        broadcastFloorP99Ms: number;
        shardedShareRatio: number;
        ledgerSharesPerSecond: { sqlite: number };
        serve: {
          one: { acceptedShares: number };
          two: { acceptedShares: number; processes: number };
          floor: { processes: number; sockets: number; runs: number[] };
          sharded: { roundRatios: number[] };
        };
      };
    };
    expect(result.shares.acceptedPerSecond).toBeGreaterThan(0);
    expect(result.shares.acceptedPerCpuSecond).toBeGreaterThan(0);
    const b = result.broadcast.perConnection;
    expect(b.connections).toBe(60);
    // One floor write right before each tip, on as many plain sockets.
    expect(b.bareWrite).toMatchObject({ sockets: 60 });
    expect(b.bareWrite.cpuMsRuns).toHaveLength(2);
    expect(b.cpuVsBareWrite).toBeGreaterThan(0);
    expect(b.clientCpuMs).toBeGreaterThan(0);
    const s = result.scale;
    expect(s.instances).toBe(2);
    expect(s.roundRatios).toHaveLength(2);
    expect(s.perInstanceShareRatio).toBeGreaterThan(0);
    expect(s.serve.one.acceptedShares).toBeGreaterThan(0);
    expect(s.serve.two.acceptedShares).toBeGreaterThan(0);
    // The primary and its two instances at least, each tree's CPU read from /proc.
    expect(s.serve.two.processes).toBeGreaterThanOrEqual(3);
    expect(s.broadcastP99Ms).toBeGreaterThan(0);
    expect(s.broadcastCpuBoundMs).toBeGreaterThanOrEqual(0);
    // Bare writes from as many processes as the tree has instances, to as many sockets.
    expect(s.serve.floor).toMatchObject({ processes: 2, sockets: 30 });
    expect(s.serve.floor.runs).toHaveLength(2);
    expect(s.broadcastFloorP99Ms).toBeGreaterThan(0);
    // Two one-instance pools side by side, one ratio per round.
    expect(s.serve.sharded.roundRatios).toHaveLength(2);
    expect(s.shardedShareRatio).toBeGreaterThan(0);
    expect(s.ledgerSharesPerSecond.sqlite).toBeGreaterThan(0);
  }, 180_000);
});
