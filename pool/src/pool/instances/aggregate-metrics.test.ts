import { Counter, Gauge, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { aggregatePoolMetrics } from './aggregate-metrics.js';

function registry(shares: number, height: number) {
  const r = new Registry();
  new Counter({ name: 'ckb_pool_shares_total', help: 'h', labelNames: ['outcome'], registers: [r] }).inc(
    { outcome: 'accepted' },
    shares,
  );
  new Gauge({ name: 'ckb_pool_pool_height', help: 'h', registers: [r] }).set(height);
  return r;
}

describe('one /metrics for the pool', () => {
  it('sums the instances’ share counters and takes the pool height from the primary alone', async () => {
    const primary = registry(0, 100);
    const a = registry(3, 100);
    const b = registry(4, 100);
    const merged = aggregatePoolMetrics(await primary.getMetricsAsJSON(), [
      await a.getMetricsAsJSON(),
      await b.getMetricsAsJSON(),
    ]);
    const text = await merged.metrics();
    expect(text).toContain('ckb_pool_shares_total{outcome="accepted"} 7');
    expect(text).toContain('ckb_pool_pool_height 100');
  });
});
