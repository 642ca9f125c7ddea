import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { alertRules, prometheusAlerts } from './monitoring.js';
import { yamlText } from './render.js';

function hasPromtool(): boolean {
  try {
    execFileSync('promtool', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const rule = (name: string) => {
  const r = alertRules().find((x) => x.alert === name);
  if (!r) throw new Error(`no rule ${name}`);
  return r;
};
const expected = (name: string, labels: Record<string, string> = {}) => ({
  exp_labels: { ...rule(name).labels, ...labels },
  exp_annotations: rule(name).annotations,
});

describe('alert rules', () => {
  it('cover what an operator must hear about', () => {
    expect(alertRules().map((r) => r.alert)).toEqual(
      expect.arrayContaining([
        'PoolDown',
        'NodeBehindNetwork',
        'NoNewJob',
        'RejectedSharesSpike',
        'BlockFound',
      ]),
    );
  });

  // promtool evaluates the rules against synthetic series (when it is installed).
  it('fire on synthetic series as intended (promtool test rules)', () => {
    if (!hasPromtool()) {
      process.stdout.write(
        'SKIP promtool rule tests: promtool is not installed (Debian package prometheus)\n',
      );
      return;
    }
    const dir = mkdtempSync(join(tmpdir(), 'alerts-'));
    writeFileSync(join(dir, 'alerts.yml'), yamlText(prometheusAlerts()));
    const tests = {
      rule_files: ['alerts.yml'],
      evaluation_interval: '1m',
      tests: [
        {
          interval: '1m',
          input_series: [
            { series: 'up{job="ckb-pool"}', values: '0x10' },
            { series: 'ckb_pool_shares_total{outcome="accepted"}', values: '0+60x30' },
            { series: 'ckb_pool_shares_total{outcome="stale-share"}', values: '0+30x30' },
            { series: 'ckb_pool_jobs_total{kind="clean"}', values: '0+1x10 10x20' },
            { series: 'ckb_pool_jobs_total{kind="update"}', values: '0x30' },
            { series: 'ckb_pool_blocks_total{outcome="found"}', values: '0 0 1 1 1' },
          ],
          alert_rule_test: [
            {
              eval_time: '5m',
              alertname: 'PoolDown',
              exp_alerts: [expected('PoolDown', { job: 'ckb-pool' })],
            },
            {
              eval_time: '25m',
              alertname: 'RejectedSharesSpike',
              exp_alerts: [expected('RejectedSharesSpike')],
            },
            { eval_time: '8m', alertname: 'NoNewJob', exp_alerts: [] },
            { eval_time: '25m', alertname: 'NoNewJob', exp_alerts: [expected('NoNewJob')] },
            {
              eval_time: '3m',
              alertname: 'BlockFound',
              exp_alerts: [expected('BlockFound', { outcome: 'found' })],
            },
          ],
        },
      ],
    };
    writeFileSync(join(dir, 'test.yml'), stringify(tests));
    execFileSync('promtool', ['test', 'rules', 'test.yml'], { cwd: dir, stdio: 'pipe' });
  });
});
