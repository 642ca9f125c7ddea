import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { PAYOUT_METRIC } from './metrics.js';
import { alertRules, prometheusAlerts } from './monitoring.js';
import { yamlText } from './render.js';

/** The payout alerts, evaluated by promtool against synthetic series as alerts.test.ts does. */

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

const promtool = hasPromtool();
if (!promtool)
  process.stdout.write(
    'SKIP promtool payout alert tests: promtool is not installed (Debian package prometheus)\n',
  );

const CKB = 100_000_000;

function promtoolTest(tests: unknown[]): void {
  const dir = mkdtempSync(join(tmpdir(), 'payout-alerts-'));
  writeFileSync(join(dir, 'alerts.yml'), yamlText(prometheusAlerts()));
  writeFileSync(
    join(dir, 'test.yml'),
    stringify({ rule_files: ['alerts.yml'], evaluation_interval: '1m', tests }),
  );
  try {
    execFileSync('promtool', ['test', 'rules', 'test.yml'], { cwd: dir, stdio: 'pipe' });
  } catch (e) {
    // promtool names the failing alert and the difference on stdout.
    throw new Error(String((e as { stdout?: Buffer }).stdout ?? e));
  }
}

describe('payout alerts', () => {
  it('are in the bundle’s rules', () => {
    expect(alertRules().map((r) => r.alert)).toEqual(
      expect.arrayContaining(['PayoutWalletLow', 'PayoutTransactionStuck', 'PayoutFailed']),
    );
  });

  it.skipIf(!promtool)(
    'PayoutWalletLow fires after 30 minutes below 1000 CKB, and never in solo mode',
    () => {
      promtoolTest([
        {
          interval: '1m',
          // 5000 CKB for 20 minutes, then 500 CKB.
          input_series: [
            { series: PAYOUT_METRIC.walletShannons, values: `${5000 * CKB}x20 ${500 * CKB}x60` },
          ],
          alert_rule_test: [
            { eval_time: '40m', alertname: 'PayoutWalletLow', exp_alerts: [] },
            { eval_time: '55m', alertname: 'PayoutWalletLow', exp_alerts: [expected('PayoutWalletLow')] },
          ],
        },
        {
          // Solo mode: the pool exports no payout metrics at all.
          interval: '1m',
          input_series: [{ series: 'up{job="ckb-pool"}', values: '1x60' }],
          alert_rule_test: [{ eval_time: '60m', alertname: 'PayoutWalletLow', exp_alerts: [] }],
        },
      ]);
    },
  );

  it.skipIf(!promtool)(
    'PayoutTransactionStuck fires when a batch stays pending past an hour for 10 minutes',
    () => {
      promtoolTest([
        {
          interval: '1m',
          // A batch sent at 0 and never committed: its age grows a minute per minute.
          input_series: [{ series: PAYOUT_METRIC.oldestPendingBatchSeconds, values: '0+60x120' }],
          alert_rule_test: [
            { eval_time: '50m', alertname: 'PayoutTransactionStuck', exp_alerts: [] },
            { eval_time: '65m', alertname: 'PayoutTransactionStuck', exp_alerts: [] },
            {
              eval_time: '75m',
              alertname: 'PayoutTransactionStuck',
              exp_alerts: [expected('PayoutTransactionStuck')],
            },
          ],
        },
        {
          // Batches that confirm within minutes: the age drops back to 0 each time.
          interval: '1m',
          input_series: [
            { series: PAYOUT_METRIC.oldestPendingBatchSeconds, values: '0 60 120 0 0 60 0x100' },
          ],
          alert_rule_test: [{ eval_time: '90m', alertname: 'PayoutTransactionStuck', exp_alerts: [] }],
        },
      ]);
    },
  );

  it.skipIf(!promtool)('PayoutFailed fires on a failed batch for an hour, not on committed ones', () => {
    promtoolTest([
      {
        interval: '1m',
        input_series: [
          { series: `${PAYOUT_METRIC.batches}{outcome="committed"}`, values: '0+1x130' },
          { series: `${PAYOUT_METRIC.batches}{outcome="failed"}`, values: '0x30 1x100' },
        ],
        alert_rule_test: [
          { eval_time: '20m', alertname: 'PayoutFailed', exp_alerts: [] },
          {
            eval_time: '35m',
            alertname: 'PayoutFailed',
            exp_alerts: [expected('PayoutFailed', { outcome: 'failed' })],
          },
          { eval_time: '100m', alertname: 'PayoutFailed', exp_alerts: [] },
        ],
      },
    ]);
  });
});
