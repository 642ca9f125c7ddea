/**
 * A dev chain whose block assembler is a test pool wallet, with short epochs and a one-epoch
 * cellbase maturity, and helpers to mine on it and to record the pool's blocks in a ledger as
 * blocks.ts would (found, accepted, on the main chain). For payout tests only.
 */

import { Writable } from 'node:stream';
import { ccc } from '@ckb-ccc/core';
import pino, { type Logger } from 'pino';
import type { ScriptJson } from '../../src/ckb/rpc-types.js';
import type { StoredBlock } from '../../src/devnet/chain.js';
import { type Devnet, startDevnet } from '../../src/devnet/index.js';
import type { Script } from '../../src/devnet/json-decode.js';
import { devnetLock } from '../../src/devnet/lock.js';
import { grindNonce } from '../../src/devnet/pow-check.js';
import type { LedgerStore } from '../../src/ledger/store.js';

/** Test-only pool wallet key (never used outside tests). */
export const WALLET_KEY = `0x${'44'.repeat(32)}`;
export const CKB = 100_000_000n;
/** The dev chain's constant block reward. */
export const DEVNET_REWARD = 1000n * CKB;

export interface PayoutChain {
  devnet: Devnet;
  walletLock: ccc.Script;
  walletLockJson: ScriptJson;
  /** Mines one block on `parent` (default the tip) paying `lock` (default the pool wallet). */
  mineOn(parent?: StoredBlock, lock?: Script): StoredBlock;
  /** Another miner's lock: its blocks' rewards never reach the pool. */
  otherLock: Script;
}

export function startPayoutChain(forks: 'reject' | 'accept' = 'reject'): Promise<PayoutChain> {
  return startPayoutChainAt(0x207fffff, forks);
}

/** The same chain at a chosen difficulty, for a real miner to mine through the pool. */
export async function startPayoutChainAt(
  compactTarget: number,
  forks: 'reject' | 'accept' = 'accept',
): Promise<PayoutChain> {
  const walletLock = (
    await new ccc.SignerCkbPrivateKey(new ccc.ClientPublicTestnet(), WALLET_KEY).getRecommendedAddressObj()
  ).script;
  const walletLockJson = {
    code_hash: walletLock.codeHash,
    hash_type: walletLock.hashType,
    args: walletLock.args,
  };
  const devnet = await startDevnet({
    rpcPort: 0,
    compactTarget,
    lockScript: walletLockJson,
    epochLength: 2,
    cellbaseMaturity: { number: 1n, index: 0, length: 1 },
    forks,
  });
  const chain = devnet.chain;
  return {
    devnet,
    walletLock,
    walletLockJson,
    otherLock: devnetLock(99n),
    mineOn(parent = chain.tip(), lock?: Script) {
      const b = chain.buildBlock(lock, parent);
      const nonce = grindNonce(b.header, 'eaglesong', 0n, 1 << 16);
      if (nonce === null) throw new Error('could not grind a block at the easy target');
      b.header.nonce = nonce;
      return chain.accept(b);
    },
  };
}

/** Records `b` as a block the pool found (split over the ledger's shares), accepted, on the main chain. */
export async function recordFound(
  ledger: LedgerStore,
  b: StoredBlock,
  worker: string,
  window: number,
): Promise<number> {
  const { id } = await ledger.addPendingBlock(
    {
      height: Number(b.block.header.number),
      hash: b.hashHex,
      powHash: `0x${'00'.repeat(32)}`,
      parentHash: b.parent?.hashHex ?? `0x${'00'.repeat(32)}`,
      nonce: '0x0',
      worker,
      foundAtMs: Date.now(),
      networkDifficulty: window,
      shareDifficulty: 1,
      workId: '0',
      blockJson: '{}',
    },
    window,
  );
  await ledger.setBlockVerdict(id, 'accepted', null);
  await ledger.setChainStatus(id, 'main');
  return id;
}

/** A logger whose lines are kept (parsed) for assertions. */
export function capturingLogger(): { log: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      for (const l of String(chunk).split('\n')) if (l.trim()) lines.push(JSON.parse(l));
      done();
    },
  });
  return { log: pino({ level: 'info' }, sink), lines };
}
