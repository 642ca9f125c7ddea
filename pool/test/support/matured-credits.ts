import type { Ledger } from '../../src/ledger/ledger.js';
import type { NewCredit } from '../../src/ledger/payout-types.js';

/**
 * Gives a ledger one found block whose reward has matured with these credits, so a test can
 * start from balances that are payable without mining a chain for them.
 */
export function creditMaturedBlock(ledger: Ledger, credits: NewCredit[]): void {
  ledger.recordShare({ worker: 'x', difficulty: 1, timeMs: 0, height: 1 });
  const { id } = ledger.addPendingBlock(
    {
      height: 1,
      hash: '0x01',
      powHash: '0x',
      parentHash: '0x',
      nonce: '0x0',
      worker: 'x',
      foundAtMs: 0,
      networkDifficulty: 1,
      shareDifficulty: 1,
      workId: '0',
      blockJson: '{}',
    },
    1,
  );
  ledger.recordReward(
    { blockId: id, shannons: 0n, rewardBlockNumber: 12, rewardBlockHash: '0x', rewardEpoch: '0x0' },
    credits,
  );
  ledger.settleReward(id, 'matured', null);
}
