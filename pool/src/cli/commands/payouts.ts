import pino from 'pino';
import { Registry } from 'prom-client';
import { selectPayouts } from '../../payouts/selection.js';
import { MAX_BATCH_OUTPUTS } from '../../payouts/service.js';
import { openPayouts } from '../../pool/payouts.js';
import { type Command, UsageError } from '../command.js';
import { loadConfigOption, parseLedgerCommand, withLedger } from '../ledger-command.js';

const help = `Usage: ckb-pool payouts list|preview|run --config FILE

Miner payouts from the pool wallet (docs/pool-config.md, "Payouts"). Amounts in shannons.

  list      Balances per account (balance, immature, paid) and the latest payout batches.
  preview   The outputs the next batch would pay (nothing is written or sent).
  run       One payout cycle now, as serve runs them: record and mature rewards, settle
            written batches, write and send at most one new batch. Needs payouts.enabled.
            Refused while a pool host on the same ledger holds the payout runner lock.

Options:
  --config FILE   pool.yaml (required): the ledger, the node and the payouts section.
  -h, --help      Show this help.

Output is JSON on stdout.
`;

const json = (v: unknown) =>
  `${JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? x.toString() : x), 2)}\n`;

const command: Command = {
  help,
  async run(argv) {
    const { action, args: rest, configFile } = parseLedgerCommand(argv);
    if (!action || !['list', 'preview', 'run'].includes(action) || rest.length > 0)
      throw new UsageError('expected one of: list, preview, run');
    const config = loadConfigOption(configFile);
    if (action === 'list') {
      const out = await withLedger(config, async (l) => ({
        balances: await l.accountBalances(),
        batches: (await l.payoutBatches(undefined, 20)).map(({ txJson: _tx, ...b }) => b),
      }));
      process.stdout.write(json(out));
      return 0;
    }
    if (action === 'preview') {
      const outputs = await withLedger(config, async (l) =>
        selectPayouts(await l.accountBalances(), {
          chain: config.chain,
          thresholdShannons: BigInt(Math.round(config.payouts.threshold * 1e8)),
          maxOutputs: MAX_BATCH_OUTPUTS,
        }),
      );
      process.stdout.write(json({ outputs: outputs.map(({ address, amount }) => ({ address, amount })) }));
      return 0;
    }
    if (!config.payouts.enabled) throw new UsageError('payouts.enabled is false (solo mode): nothing to run');
    const log = pino({ level: config.log.level }, process.stderr);
    const run = await withLedger(config, async (l) => {
      // A serving pool host holds the runner lock: one cycle at a time in the cluster.
      if (!(await l.holdPayoutRunner()))
        throw new Error(
          'a pool host is running payout cycles now (it holds the payout runner lock); try again later',
        );
      return (await openPayouts(config, l, new Registry(), log)).cycle();
    });
    process.stdout.write(json(run));
    return 0;
  },
};
export default command;
