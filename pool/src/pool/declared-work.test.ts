import { describe, expect, it } from 'vitest';
import { ckbhash } from '../ckb/hash.js';
import { compactToTarget, MAX_U256, meetsTarget, targetToCompact } from '../ckb/target.js';
import type { DeclaredJob } from '../jd/declare.js';
import { DeclaredWork } from './declared-work.js';
import { powOutput } from './jobs.js';

const COMPACT = targetToCompact(MAX_U256 >> 8n);
const parent = (seed: number) => new Uint8Array(32).fill(seed);

function declared(seed: number, parentSeed = 1): DeclaredJob {
  return {
    token: Uint8Array.of(seed, 1, 2, 3, 4, 5, 6, 7),
    parentHash: parent(parentSeed),
    number: 10n,
    compactTarget: COMPACT,
    rawHeader: {
      version: 0,
      compactTarget: COMPACT,
      timestamp: 1n,
      number: 10n,
      epoch: 1n,
      parentHash: parent(parentSeed),
      transactionsRoot: new Uint8Array(32),
      proposalsHash: new Uint8Array(32),
      extraHash: new Uint8Array(32),
      dao: new Uint8Array(32),
    },
    powHash: ckbhash(Uint8Array.of(seed)),
    body: { uncles: [], transactions: [], proposals: [] },
  };
}

/** A nonce whose PoW on `job` does (or does not) meet the network target. */
function nonce(work: DeclaredWork, d: DeclaredJob, block: boolean): Uint8Array {
  const job = work.jobOf(d);
  const n = new Uint8Array(16);
  for (let i = 0; ; i++) {
    new DataView(n.buffer).setUint32(12, i);
    if (meetsTarget(powOutput('dev', job, n), compactToTarget(COMPACT)) === block) return n;
  }
}

describe('declared work as the mining side sees it', () => {
  it('makes one pool job per declaration, marked declared', () => {
    let id = 0;
    const work = new DeclaredWork(() => ++id, 100);
    const d = declared(1);
    const job = work.jobOf(d);
    expect(work.jobOf(d)).toBe(job);
    expect(job).toMatchObject({ id: 1, source: 'declared', height: 10n, compactTarget: COMPACT });
  });

  it('takes a pushed solution once, and only when it is a block', () => {
    const work = new DeclaredWork(() => 1, 100);
    const d = declared(2);
    expect(work.pushed(d, nonce(work, d, false), 'dev')).toBe('the nonce does not meet the network target');
    const block = nonce(work, d, true);
    expect(work.pushed(d, block, 'dev')).toMatchObject({ worker: 'jd-client' });
    expect(work.pushed(d, block, 'dev')).toBe('this block was already found');
  });

  it('does not take a pushed block that a share on the same job already found', () => {
    const work = new DeclaredWork(() => 1, 100);
    const d = declared(3);
    const block = nonce(work, d, true);
    expect(work.jobOf(d).nonces.checkAndAdd(block)).toBe('new');
    expect(work.pushed(d, block, 'dev')).toBe('this block was already found');
  });

  it('forgets declarations on another parent when the tip moves', () => {
    const work = new DeclaredWork(() => 1, 100);
    const [kept, dropped] = [declared(4, 5), declared(6, 7)];
    work.declared.add(kept);
    work.declared.add(dropped);
    work.keepParent(`0x${'05'.repeat(32)}`);
    expect(work.declared.get(kept.token)).toBe(kept);
    expect(work.declared.get(dropped.token)).toBeNull();
  });
});
