import { describe, expect, it } from 'vitest';
import { StepError } from './context.js';
import { failedHostsError, formatHostResults, mapBounded, prefixedStream } from './parallel-hosts.js';

describe('mapBounded', () => {
  it('never runs more than the limit at once and keeps the results in input order', async () => {
    let running = 0;
    let most = 0;
    const results = await mapBounded([5, 1, 4, 2, 3, 0], 2, async (n) => {
      running++;
      most = Math.max(most, running);
      await new Promise((r) => setTimeout(r, n * 5));
      running--;
      return n * 10;
    });
    expect(most).toBe(2);
    expect(results).toEqual([50, 10, 40, 20, 30, 0]);
  });
});

describe('prefixedStream', () => {
  it('puts the host name before every whole line, even when a line arrives in pieces', () => {
    const written: string[] = [];
    const out = prefixedStream({ write: (t: string) => written.push(t) }, 'pool-1');
    out.write('==> wait for SSH');
    out.write(' (pool-1)\n    ok (1s)\n');
    expect(written).toEqual(['[pool-1] ==> wait for SSH (pool-1)\n', '[pool-1]     ok (1s)\n']);
  });
});

describe('failedHostsError', () => {
  const ok = { name: 'pool-0', ok: true, log: '/l/up.pool-0.log', tookMs: 61_000 };
  const bad = {
    name: 'pool-1',
    ok: false,
    log: '/l/up.pool-1.log',
    tookMs: 2_000,
    failedStep: 'ansible-playbook (pool-1)',
    reason: 'ansible-playbook exited with code 2',
  };

  it('is null when every host completed', () => {
    expect(failedHostsError('configure pool hosts', '/l/up.log', [ok])).toBeNull();
  });

  it("names the failed host, its step and its log, and points at that host's log", () => {
    const e = failedHostsError('configure pool hosts', '/l/up.log', [ok, bad]);
    expect(e).toBeInstanceOf(StepError);
    expect(e?.logPath).toBe('/l/up.pool-1.log');
    expect(e?.reason).toBe(
      "pool-1 failed at 'ansible-playbook (pool-1)' (ansible-playbook exited with code 2; log /l/up.pool-1.log). 1 of 2 hosts completed",
    );
  });

  it('points at the run log when several hosts failed', () => {
    const e = failedHostsError('configure pool hosts', '/l/up.log', [bad, { ...bad, name: 'pool-2' }]);
    expect(e?.logPath).toBe('/l/up.log');
  });

  it('lists each host with its result, time and log', () => {
    expect(formatHostResults([ok, bad]).split('\n')).toEqual([
      '  pool-0  ok (1m01s); log /l/up.pool-0.log',
      "  pool-1  FAILED at 'ansible-playbook (pool-1)': ansible-playbook exited with code 2 (2s); log /l/up.pool-1.log",
    ]);
  });
});
