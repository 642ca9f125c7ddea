import { describe, expect, it } from 'vitest';
import { HOST_METRIC } from '../cli/bundle/metrics.js';
import { alertRules } from '../cli/bundle/monitoring.js';
import { exportedNames, forPrometheus, metricNames } from './lib/promql.mjs';

describe('metricNames (the static Grafana check of ci/docker-e2e.mjs)', () => {
  it('finds the metric of a selector and ignores labels, ranges, functions and keywords', () => {
    expect(
      metricNames('sum by (worker) (rate(ckb_pool_shares_total{outcome!~"accepted|block"}[10m]))'),
    ).toEqual(['ckb_pool_shares_total']);
  });

  it('finds every metric of a binary expression', () => {
    expect(
      metricNames('changes(ckb_pool_node_height[20m]) == 0 or changes(ckb_chain_tip[20m]) == 0').sort(),
    ).toEqual(['ckb_chain_tip', 'ckb_pool_node_height']);
  });

  it('skips Grafana variables and number units', () => {
    expect(
      metricNames(
        'histogram_quantile(0.99, sum by (le) (rate(ckb_pool_job_broadcast_seconds_bucket[$__rate_interval]))) * 1e3',
      ),
    ).toEqual(['ckb_pool_job_broadcast_seconds_bucket']);
    expect(metricNames('up{job="$job"} == 0 offset 5m')).toEqual(['up']);
  });

  it('names only ckb metrics, the host exporter metrics the bundle lists, or up in the rendered alert rules', () => {
    const host: string[] = Object.values(HOST_METRIC);
    for (const rule of alertRules()) {
      const names = metricNames(rule.expr);
      expect(names.length).toBeGreaterThan(0);
      for (const n of names) expect(n === 'up' || n.startsWith('ckb_') || host.includes(n), n).toBe(true);
    }
  });
});

describe('exportedNames', () => {
  it('reads TYPE lines and samples, with the series of histograms and summaries', () => {
    const text = [
      '# HELP a_seconds A histogram.',
      '# TYPE a_seconds histogram',
      '# TYPE b_total counter',
      'b_total{x="1"} 3',
      '# TYPE c summary',
      'untyped_metric 1',
    ].join('\n');
    expect([...exportedNames(text)].sort()).toEqual(
      [
        'a_seconds',
        'a_seconds_bucket',
        'a_seconds_count',
        'a_seconds_sum',
        'b_total',
        'c',
        'c_count',
        'c_sum',
        'untyped_metric',
      ].sort(),
    );
  });
});

describe('forPrometheus', () => {
  it('replaces Grafana interval variables with a fixed range', () => {
    // The second form is Grafana's braced ${__interval} (spelled so it is not a JS placeholder).
    expect(forPrometheus(`rate(x[$__rate_interval]) + rate(y[$${'{'}__interval}])`)).toBe(
      'rate(x[5m]) + rate(y[5m])',
    );
  });
});
