import { describe, expect, it } from 'vitest';
import { firing, hasPromtool, promtoolTest } from '../../test/support/promtool.js';
import { alertRules } from './monitoring.js';

const promtool = hasPromtool();
if (!promtool)
  process.stdout.write('SKIP promtool rule tests: promtool is not installed (Debian package prometheus)\n');

describe('alert rules', () => {
  it('cover what an operator must hear about', () => {
    expect(alertRules().map((r) => r.alert)).toEqual(
      expect.arrayContaining([
        'PoolDown',
        'NodeBehindNetwork',
        'NoNewJob',
        'RejectedSharesSpike',
        'TemplatePaysAnotherLock',
        'BlockFound',
        'BlockOrphaned',
        'HashrateDrop',
        'DiskSpaceLow',
        'HostExporterDown',
      ]),
    );
  });

  // promtool evaluates the rules against synthetic series (when it is installed).
  it.skipIf(!promtool)('fire on synthetic series as intended (promtool test rules)', () => {
    promtoolTest([
      {
        interval: '1m',
        input_series: [
          { series: 'up{job="ckb-pool"}', values: '0x10' },
          { series: 'ckb_pool_shares_total{outcome="accepted"}', values: '0+60x30' },
          { series: 'ckb_pool_shares_total{outcome="stale-share"}', values: '0+30x30' },
          { series: 'ckb_pool_jobs_total{kind="clean"}', values: '0+1x10 10x20' },
          { series: 'ckb_pool_jobs_total{kind="update"}', values: '0x30' },
          { series: 'ckb_pool_blocks_total{outcome="found"}', values: '0 0 1 1 1' },
          { series: 'ckb_pool_blocks_total{outcome="orphaned"}', values: '0 0 0 1 1' },
          { series: 'up{job="host"}', values: '0x30' },
          { series: 'ckb_pool_templates_refused_total{reason="payout_lock"}', values: '0x10 1 2 2x20' },
        ],
        alert_rule_test: [
          {
            eval_time: '5m',
            alertname: 'PoolDown',
            exp_alerts: [firing('PoolDown', { job: 'ckb-pool' })],
          },
          {
            eval_time: '25m',
            alertname: 'RejectedSharesSpike',
            exp_alerts: [firing('RejectedSharesSpike')],
          },
          { eval_time: '8m', alertname: 'NoNewJob', exp_alerts: [] },
          { eval_time: '25m', alertname: 'NoNewJob', exp_alerts: [firing('NoNewJob')] },
          {
            eval_time: '3m',
            alertname: 'BlockFound',
            exp_alerts: [firing('BlockFound', { outcome: 'found' })],
          },
          { eval_time: '2m', alertname: 'BlockOrphaned', exp_alerts: [] },
          {
            eval_time: '4m',
            alertname: 'BlockOrphaned',
            exp_alerts: [firing('BlockOrphaned', { outcome: 'orphaned' })],
          },
          { eval_time: '9m', alertname: 'TemplatePaysAnotherLock', exp_alerts: [] },
          {
            eval_time: '12m',
            alertname: 'TemplatePaysAnotherLock',
            exp_alerts: [firing('TemplatePaysAnotherLock', { reason: 'payout_lock' })],
          },
          // Five minutes after the last refusal it resolves.
          { eval_time: '20m', alertname: 'TemplatePaysAnotherLock', exp_alerts: [] },
          { eval_time: '5m', alertname: 'HostExporterDown', exp_alerts: [] },
          {
            eval_time: '12m',
            alertname: 'HostExporterDown',
            exp_alerts: [firing('HostExporterDown', { job: 'host' })],
          },
        ],
      },
      {
        // 2 hours of steady hashrate, then it halves and more (1000 → 300 difficulty/min).
        interval: '1m',
        input_series: [{ series: 'ckb_pool_accepted_difficulty_total', values: '0+1000x120 120000+300x60' }],
        alert_rule_test: [
          { eval_time: '110m', alertname: 'HashrateDrop', exp_alerts: [] },
          { eval_time: '160m', alertname: 'HashrateDrop', exp_alerts: [firing('HashrateDrop')] },
        ],
      },
      {
        // A 100 GiB disk: 50 % free and steady, then a second disk at 5 % free.
        interval: '1m',
        input_series: [
          { series: 'node_filesystem_avail_bytes{fstype="ext4",mountpoint="/"}', values: '50000000000x60' },
          { series: 'node_filesystem_size_bytes{fstype="ext4",mountpoint="/"}', values: '100000000000x60' },
          {
            series: 'node_filesystem_avail_bytes{fstype="ext4",mountpoint="/data"}',
            values: '5000000000x60',
          },
          {
            series: 'node_filesystem_size_bytes{fstype="ext4",mountpoint="/data"}',
            values: '100000000000x60',
          },
          { series: 'node_filesystem_avail_bytes{fstype="tmpfs",mountpoint="/run"}', values: '1x60' },
          { series: 'node_filesystem_size_bytes{fstype="tmpfs",mountpoint="/run"}', values: '100x60' },
        ],
        alert_rule_test: [
          {
            eval_time: '20m',
            alertname: 'DiskSpaceLow',
            exp_alerts: [firing('DiskSpaceLow', { fstype: 'ext4', mountpoint: '/data' })],
          },
        ],
      },
      {
        // Filling at 1 GB a minute with 600 GB free: full within a day, though 60 % is free.
        interval: '1m',
        input_series: [
          {
            series: 'node_filesystem_avail_bytes{fstype="ext4",mountpoint="/"}',
            values: '600000000000-1000000000x400',
          },
          {
            series: 'node_filesystem_size_bytes{fstype="ext4",mountpoint="/"}',
            values: '1000000000000x400',
          },
        ],
        alert_rule_test: [
          {
            eval_time: '380m',
            alertname: 'DiskSpaceLow',
            exp_alerts: [firing('DiskSpaceLow', { fstype: 'ext4', mountpoint: '/' })],
          },
        ],
      },
    ]);
  });
});
