/**
 * The pool wallet of the JD tests and a CCC-signed transfer from it: a transaction the dev
 * chain's node accepts but its own template leaves out until it is sent there, which is what a
 * miner declares to prove it chose its own transactions.
 */
import { ccc } from '@ckb-ccc/core';
import { cccA } from '@ckb-ccc/core/advanced';
import type { PayoutLock } from '../../src/ckb/cellbase-lock.js';
import { bytesToHex0x } from '../../src/ckb/hex.js';
import { type Transaction, transactionFromJson, txHash } from '../../src/ckb/transaction.js';
import type { DevChain } from '../../src/devnet/chain.js';
import { decodeScript, type Script } from '../../src/devnet/json-decode.js';
import { asLike } from './ccc-like.js';
import { toCkbTransaction } from './jd-devnet-view.js';

/** Test-only pool wallet key (never used outside tests); its lock is the pool's payout lock. */
const POOL_KEY = `0x${'44'.repeat(32)}`;
export const CKB = 100_000_000n;
/** The dev chain's constant block reward. */
export const REWARD = 1000n * CKB;

export interface PoolWallet {
  signer: ccc.SignerCkbPrivateKey;
  lock: ccc.Script;
  /** As the dev chain takes it. */
  script: Script;
  payoutLock: PayoutLock;
}

export async function poolWallet(): Promise<PoolWallet> {
  const signer = new ccc.SignerCkbPrivateKey(new ccc.ClientPublicTestnet(), POOL_KEY);
  const lock = (await signer.getRecommendedAddressObj()).script;
  const script = decodeScript(
    { code_hash: lock.codeHash, hash_type: lock.hashType, args: lock.args },
    'lock',
  );
  return { signer, lock, script, payoutLock: { codeHash: lock.codeHash, hashType: 'type', args: lock.args } };
}

/** A spend of block `height`'s cellbase (paying block height − 11's miner, the pool) into `outputs`. */
export async function signedSpend(
  w: PoolWallet,
  chain: DevChain,
  outputs: bigint[],
  height = 12n,
): Promise<Transaction> {
  const stored = chain.blockByNumber(height);
  if (!stored) throw new Error(`no block ${height}`);
  const cellbase = toCkbTransaction(stored.block.transactions[0]);
  const tx = ccc.Transaction.from({
    inputs: [
      {
        previousOutput: { txHash: bytesToHex0x(txHash(cellbase)), index: 0 },
        cellOutput: { capacity: REWARD, lock: w.lock },
        outputData: '0x',
      },
    ],
    outputs: outputs.map((capacity) => ({ capacity, lock: w.lock })),
    outputsData: outputs.map(() => '0x'),
  });
  const signed = await w.signer.signTransaction(asLike(tx));
  return transactionFromJson(cccA.JsonRpcTransformers.transactionFrom(asLike(signed)));
}
