import { describe, expect, it } from 'vitest';
import { devnetJdView, jdcDeclaration, mineBlocks } from '../../test/support/jd-devnet-view.js';
import { type Block, blockToJson } from '../ckb/block.js';
import type { PayoutLock } from '../ckb/cellbase-lock.js';
import { nonceToBytes } from '../ckb/header.js';
import { bytesToHex0x } from '../ckb/hex.js';
import { serializeScript } from '../ckb/transaction.js';
import { DevChain } from '../devnet/chain.js';
import { decodeBlock, hashTypeToJson } from '../devnet/json-decode.js';
import { devnetLock } from '../devnet/lock.js';
import { grindNonce } from '../devnet/pow-check.js';
import {
  decodeMessage,
  encodeMessage,
  JdErrorCodes,
  type MessageOf,
  type Sv2Message,
  type Sv2MessageType,
} from '../sv2/messages/index.js';
import type { DeclaredJob } from './declare.js';
import { DeclaredJobs } from './declared-jobs.js';
import { JdsSession } from './session.js';
import { JobTokens } from './tokens.js';

const poolLock = devnetLock(1n);
const payoutLock: PayoutLock = {
  codeHash: bytesToHex0x(poolLock.codeHash),
  hashType: hashTypeToJson(poolLock.hashType) as PayoutLock['hashType'],
  args: bytesToHex0x(poolLock.args),
};

function harness() {
  const chain = new DevChain({
    compactTarget: 0x207fffff,
    pow: 'eaglesong',
    lock: poolLock,
    templateTransactions: 0,
  });
  mineBlocks(chain, 2);
  const jobs = new DeclaredJobs();
  const submitted: Array<{ block: Block; job: DeclaredJob }> = [];
  let now = BigInt(Date.now());
  let next = 0;
  const session = new JdsSession(1, {
    view: { ...devnetJdView(chain, { payoutLock: poolLock }), nowMs: () => now },
    payoutLock,
    tokens: new JobTokens(),
    newToken: () => new Uint8Array([0xd0, ++next]),
    jobs,
    submitBlock: (block, job) => submitted.push({ block, job }),
    missingTxTimeoutMs: 1000,
  });
  /** Sends a message through the wire codec, returns the replies as decoded from the wire. */
  const send = async (msg: Sv2Message) => {
    const result = await session.handle(decodeMessage(encodeMessage(msg)));
    return { ...result, replies: result.replies.map((r) => decodeMessage(encodeMessage(r))) };
  };
  const advance = (ms: bigint) => {
    now += ms;
  };
  return { chain, jobs, submitted, session, send, advance, nowMs: () => now };
}

function only<T extends Sv2MessageType>(replies: Sv2Message[], type: T): MessageOf<T> {
  expect(replies.map((r) => r.type)).toEqual([type]);
  return replies[0] as MessageOf<T>;
}

const SETUP = {
  type: 'SetupConnection',
  protocol: 1,
  minVersion: 2,
  maxVersion: 2,
  flags: 1,
  endpointHost: 'pool.example',
  endpointPort: 3337,
  vendor: 'test',
  hardwareVersion: '',
  firmware: '',
  deviceId: '',
} as const;

async function negotiated(h: ReturnType<typeof harness>): Promise<Uint8Array> {
  only((await h.send(SETUP)).replies, 'SetupConnectionSuccess');
  only(
    (await h.send({ type: 'RequestExtensions', requestId: 1, requestedExtensions: [0x4ccb] })).replies,
    'RequestExtensionsSuccess',
  );
  const alloc = only(
    (await h.send({ type: 'AllocateMiningJobToken', userIdentifier: 'alice', requestId: 2 })).replies,
    'AllocateMiningJobTokenSuccess',
  );
  return alloc.miningJobToken;
}

describe('a JD connection', () => {
  it('requires DECLARE_TX_DATA and the job declaration protocol in SetupConnection', async () => {
    const refused = await harness().send({ ...SETUP, flags: 0 });
    expect(only(refused.replies, 'SetupConnectionError')).toMatchObject({
      flags: 1,
      errorCode: 'declare-tx-data-required',
    });
    expect(refused.close).toBeDefined();
    const mining = await harness().send({ ...SETUP, protocol: 0 });
    expect(only(mining.replies, 'SetupConnectionError').errorCode).toBe('unsupported-protocol');
  });

  it('hands out tokens with the payout lock only after 0x4CCB is negotiated', async () => {
    const h = harness();
    await h.send(SETUP);
    const early = await h.send({ type: 'AllocateMiningJobToken', userIdentifier: 'alice', requestId: 1 });
    expect(early.close).toMatch(/0x4CCB/);
    const h2 = harness();
    await negotiated(h2);
    const alloc = await h2.send({ type: 'AllocateMiningJobToken', userIdentifier: 'alice', requestId: 3 });
    const success = only(alloc.replies, 'AllocateMiningJobTokenSuccess');
    expect(success.miningJobToken).toHaveLength(8);
    expect(bytesToHex0x(success.coinbaseTxOutputs)).toBe(
      bytesToHex0x(serializeScript({ codeHash: poolLock.codeHash, hashType: 'type', args: poolLock.args })),
    );
  });

  it('accepts a declaration, matches SetCustomCkbMiningJob against it, and submits a pushed solution', async () => {
    const h = harness();
    const token = await negotiated(h);
    const declared = only(
      (await h.send(jdcDeclaration(h.chain, poolLock, token, []))).replies,
      'DeclareMiningJobSuccess',
    );
    const job = h.jobs.get(declared.newMiningJobToken)!;
    expect(job.number).toBe(3n);

    const custom = {
      type: 'SetCustomCkbMiningJob',
      channelId: 1,
      requestId: 9,
      miningJobToken: declared.newMiningJobToken,
      powHash: job.powHash,
      parentHash: job.parentHash,
      number: job.number,
      compactTarget: job.compactTarget,
    } as const;
    const tip = () => h.chain.tip().hashHex;
    expect(h.jobs.checkCustomJob(custom, tip())).toEqual({ ok: true, job });
    expect(h.jobs.checkCustomJob({ ...custom, powHash: new Uint8Array(32) }, tip())).toEqual({
      ok: false,
      errorCode: 'invalid-job-param-value-pow_hash',
    });
    expect(h.jobs.checkCustomJob({ ...custom, miningJobToken: new Uint8Array(8) }, tip())).toEqual({
      ok: false,
      errorCode: JdErrorCodes.invalidMiningJobToken,
    });

    const nonce = grindNonce(job.rawHeader, 'eaglesong', 0n, 1 << 16)!;
    expect(
      (
        await h.send({
          type: 'PushCkbSolution',
          miningJobToken: declared.newMiningJobToken,
          nonce: nonceToBytes(nonce),
        })
      ).replies,
    ).toEqual([]);
    expect(h.submitted).toHaveLength(1);
    const stored = h.chain.accept(decodeBlock(blockToJson(h.submitted[0].block)));
    expect(h.chain.tip()).toBe(stored);

    // The tip moved: the job can only give stale shares now, and goes at the next prune.
    expect(h.jobs.checkCustomJob(custom, tip())).toEqual({ ok: false, errorCode: JdErrorCodes.staleParent });
    h.jobs.keepParent(tip());
    expect(h.jobs.size).toBe(0);
  });

  it('asks for unknown transactions and refuses the declaration when they do not come in time', async () => {
    const h = harness();
    const token = await negotiated(h);
    const m = jdcDeclaration(h.chain, poolLock, token, []);
    const unknown = {
      ...m,
      requestId: 5,
      txHashList: [new Uint8Array(32).fill(1)],
      witnessHashList: [new Uint8Array(32).fill(2)],
    };
    const ask = only((await h.send(unknown)).replies, 'ProvideMissingTransactions');
    expect(ask).toMatchObject({ requestId: 5, unknownTxPositionList: [0] });
    h.advance(999n);
    expect(h.session.expire(h.nowMs())).toEqual([]);
    h.advance(1n);
    const [expired] = h.session.expire(h.nowMs());
    expect(expired).toMatchObject({
      type: 'DeclareMiningJobError',
      requestId: 5,
      errorCode: 'missing-transactions',
    });
    // A late answer completes nothing.
    expect(
      (await h.send({ type: 'ProvideMissingTransactionsSuccess', requestId: 5, transactionList: [] }))
        .replies,
    ).toEqual([]);
  });

  it('answers a Bitcoin DeclareMiningJob with unsupported-job-format', async () => {
    const h = harness();
    const token = await negotiated(h);
    const reply = await h.send({
      type: 'DeclareMiningJob',
      requestId: 4,
      miningJobToken: token,
      version: 0x20000000,
      coinbaseTxPrefix: new Uint8Array(4),
      coinbaseTxSuffix: new Uint8Array(4),
      wtxidList: [],
      excessData: new Uint8Array(0),
    });
    expect(only(reply.replies, 'DeclareMiningJobError')).toMatchObject({
      requestId: 4,
      errorCode: 'unsupported-job-format',
    });
  });
});
