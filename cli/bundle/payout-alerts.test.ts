import { describe, expect, it } from 'vitest';
import { firing, hasPromtool, promtoolTest } from '../../test/support/promtool.js';
import { PAYOUT_METRIC } from './metrics.js';
import { alertRules } from './monitoring.js';

/** The payout alerts, evaluated by promtool against synthetic series as alerts.test.ts does. */

const promtool = hasPromtool();
if (!promtool)
  process.stdout.write(
    'SKIP promtool payout alert tests: promtool is not installed (Debian package prometheus)\n',
  );

const CKB = 100_000_000;

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
            { eval_time: '55m', alertname: 'PayoutWalletLow', exp_alerts: [firing('PayoutWalletLow')] },
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
              exp_alerts: [firing('PayoutTransactionStuck')],
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
            exp_alerts: [firing('PayoutFailed', { outcome: 'failed' })],
          },
          { eval_time: '100m', alertname: 'PayoutFailed', exp_alerts: [] },
        ],
      },
    ]);
  });
});
