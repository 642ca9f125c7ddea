import { describe, expect, it } from 'vitest';
import { devnetJdView, mineBlocks } from '../../test/support/jd-devnet-view.js';
import type { PayoutLock } from '../ckb/cellbase-lock.js';
import { bytesToHex0x } from '../ckb/hex.js';
import { templateToBlock } from '../ckb/template.js';
import { cellbaseWitnessOf, deserializeTransaction, type Script } from '../ckb/transaction.js';
import { DevChain } from '../devnet/chain.js';
import { hashTypeToJson } from '../devnet/json-decode.js';
import { devnetLock } from '../devnet/lock.js';
import { declareJob } from '../jd/declare.js';
import { JobTokens } from '../jd/tokens.js';
import { blockOf, cellbaseFor, declaration, localJob, transactionsAt } from './local-job.js';

const minersLock = devnetLock(7n);
const poolDevLock = devnetLock(1n);
const poolLock: Script = { codeHash: poolDevLock.codeHash, hashType: 'type', args: poolDevLock.args };
const payoutLock: PayoutLock = {
  codeHash: bytesToHex0x(poolDevLock.codeHash),
  hashType: hashTypeToJson(poolDevLock.hashType) as PayoutLock['hashType'],
  args: bytesToHex0x(poolDevLock.args),
};

/** The miner's node pays the miner; its template commits `transactions` synthetic transactions. */
function minersNode(transactions = 1): DevChain {
  const chain = new DevChain({
    compactTarget: 0x207fffff,
    pow: 'eaglesong',
    lock: minersLock,
    templateTransactions: transactions,
  });
  mineBlocks(chain, 3);
  return chain;
}

describe('a JD client’s local job', () => {
  it('pays the pool lock from the cellbase witness and keeps the chain’s cellbase outputs', () => {
    const template = templateToBlock(minersNode().getBlockTemplate());
    const cellbase = cellbaseFor(template.transactions[0], poolLock);
    expect(cellbaseWitnessOf(cellbase)?.lock).toEqual(poolLock);
    expect(cellbase.outputs).toEqual(template.transactions[0].outputs);
    expect(cellbaseWitnessOf(cellbase)?.message).toEqual(
      cellbaseWitnessOf(template.transactions[0])?.message,
    );
  });

  it('declares exactly the block it mines, so the JDS derives the same pow_hash', async () => {
    const chain = minersNode(0);
    const template = templateToBlock(chain.getBlockTemplate());
    const job = localJob(template, poolLock, { commit: [], propose: [], dao: template.rawHeader.dao });
    expect(bytesToHex0x(job.powHash)).not.toBe(bytesToHex0x(template.powHash)); // the lock changed

    const tokens = new JobTokens();
    const token = tokens.allocate(1, Date.now());
    const msg = declaration(job, token, 5);
    expect(msg.requestId).toBe(5);
    expect(deserializeTransaction(msg.cellbase)).toEqual(job.body.transactions[0]);
    const outcome = await declareJob(msg, {
      view: devnetJdView(chain, { payoutLock: poolDevLock }),
      payoutLock,
      tokens,
      connectionId: 1,
      newToken: () => Uint8Array.of(1),
    });
    expect(outcome.kind).toBe('accepted');
    if (outcome.kind !== 'accepted') return;
    expect(bytesToHex0x(outcome.job.powHash)).toBe(bytesToHex0x(job.powHash));
    expect(blockOf(job, 9n).header.nonce).toBe(9n);
  });

  it('serves the transactions the JDS asks for by position, and nothing out of range', () => {
    const template = templateToBlock(minersNode().getBlockTemplate());
    const job = localJob(template, poolLock, { commit: [], propose: [], dao: template.rawHeader.dao });
    expect(transactionsAt(job, [0])).toHaveLength(1);
    expect(transactionsAt(job, [1])).toBeNull();
    expect(transactionsAt(job, [-1])).toBeNull();
  });
});
