import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  calcExtraHash,
  calcProposalsHash,
  calcTransactionsRootParts,
  calcUnclesHash,
  deserializeUncleBlockVec,
} from '../../src/ckb/block.js';
import { powMidstate } from '../../src/ckb/eaglesong.js';
import { powHash, type RawHeader } from '../../src/ckb/header.js';
import { bytesToHex0x } from '../../src/ckb/hex.js';
import {
  compactToTarget,
  MAX_U256,
  meetsTarget,
  targetToU256Le,
  u256LeToTarget,
} from '../../src/ckb/target.js';
import {
  deserializeTransaction,
  serializeTransaction,
  type Transaction,
  txHash,
} from '../../src/ckb/transaction.js';
import { type Devnet, startDevnet } from '../../src/devnet/index.js';
import { devnetLock } from '../../src/devnet/lock.js';
import { grindNonce } from '../../src/devnet/pow-check.js';
import { powOutput } from '../../src/pool/jobs.js';
import type { RunningPool } from '../../src/pool/server.js';
import type { Sv2Connection } from '../../src/sv2/connection.js';
import { MAX_FRAME_PAYLOAD } from '../../src/sv2/frame.js';
import { connectSv2 } from '../../src/sv2/handshake-io.js';
import {
  type DeclareCkbMiningJob,
  EXTENSION_CKB,
  JD_SETUP_DECLARE_TX_DATA,
  PROTOCOL_JOB_DECLARATION,
  PROTOCOL_MINING,
  SETUP_REQUIRES_WORK_SELECTION,
  type Sv2Message,
} from '../../src/sv2/messages/index.js';
import { jdcDeclaration, toCkbTransaction } from '../support/jd-devnet-view.js';
import { CKB, type PoolWallet, poolWallet, signedSpend } from '../support/jd-spend.js';
import { E2E_NET_COMPACT, getJson, startTestPool, tempDir, until } from './harness.js';

/**
 * Job Declaration end to end (issue 18, docs/job-declaration-ckb.md): a dev chain as the pool's
 * node, a real pool with `jd.listen`, and a JD client scripted over the real wire (Noise with
 * the pool's authority key, our codecs). The client declares a block with a transaction the
 * pool's node does not have, provides it when asked, mines the declared job on an extended
 * channel of its mining connection, and the block lands on the chain paying the pool's lock;
 * invalid declarations are refused with their codes while the same client keeps mining pool jobs.
 */

type Of<T extends Sv2Message['type']> = Extract<Sv2Message, { type: T }>;

/** A connection that keeps what it received, so a test can wait for a message of a type. */
class Wire {
  readonly inbox: Sv2Message[] = [];
  constructor(readonly conn: Sv2Connection) {
    conn.on('message', (m) => this.inbox.push(m));
  }
  send(m: Sv2Message): void {
    this.conn.send(m);
  }
  /** The next message matching, removed from the inbox. */
  async next<T extends Sv2Message['type']>(
    types: T[],
    match: (m: Of<T>) => boolean = () => true,
    timeoutMs = 10_000,
  ): Promise<Of<T>> {
    let found: Of<T> | undefined;
    await until(
      () => {
        const i = this.inbox.findIndex((m) => (types as string[]).includes(m.type) && match(m as Of<T>));
        if (i < 0) return false;
        found = this.inbox.splice(i, 1)[0] as Of<T>;
        return true;
      },
      timeoutMs,
      types.join(' | '),
    );
    return found as Of<T>;
  }
}

let wallet: PoolWallet;
let devnet: Devnet;
let pool: RunningPool;
let jd: Wire;
let mining: Wire;
let channel: Of<'OpenExtendedMiningChannelSuccess'>;
const dir = tempDir();
let nextRequest = 100;
let nextSequence = 1;

async function dial(address: string): Promise<Wire> {
  const [host, port] = [address.slice(0, address.lastIndexOf(':')), Number(address.split(':').at(-1))];
  const conn = await connectSv2({
    host,
    port,
    authorityPubkey: pool.authorityPubkey,
    maxPayload: MAX_FRAME_PAYLOAD,
  });
  return new Wire(conn);
}

function setupConnection(protocol: number, flags: number): Sv2Message {
  return {
    type: 'SetupConnection',
    protocol,
    minVersion: 2,
    maxVersion: 2,
    flags,
    endpointHost: '127.0.0.1',
    endpointPort: 0,
    vendor: 'jd-e2e',
    hardwareVersion: '',
    firmware: '',
    deviceId: '',
  };
}

async function token(): Promise<Uint8Array> {
  const requestId = nextRequest++;
  jd.send({ type: 'AllocateMiningJobToken', userIdentifier: 'carol', requestId });
  return (await jd.next(['AllocateMiningJobTokenSuccess'], (m) => m.requestId === requestId)).miningJobToken;
}

/** Sends a declaration; answers ProvideMissingTransactions with `provide` (or not at all). */
async function declare(
  m: DeclareCkbMiningJob,
  provide?: (positions: number[]) => Uint8Array[],
): Promise<Of<'DeclareMiningJobSuccess' | 'DeclareMiningJobError' | 'ProvideMissingTransactions'>> {
  const requestId = nextRequest++;
  jd.send({ ...m, requestId });
  const types = ['DeclareMiningJobSuccess', 'DeclareMiningJobError', 'ProvideMissingTransactions'] as const;
  const first = await jd.next([...types], (r) => r.requestId === requestId);
  if (first.type !== 'ProvideMissingTransactions' || !provide) return first;
  jd.send({
    type: 'ProvideMissingTransactionsSuccess',
    requestId,
    transactionList: provide(first.unknownTxPositionList),
  });
  return jd.next(['DeclareMiningJobSuccess', 'DeclareMiningJobError'], (r) => r.requestId === requestId);
}

const errorCode = (r: { type: string; errorCode?: string }) =>
  r.type === 'DeclareMiningJobError' ? r.errorCode : `no error: ${r.type}`;

/** The header the JDC computes for its own declaration (what the JDS must agree on). */
function declaredPowHash(m: DeclareCkbMiningJob, txs: Transaction[]): Uint8Array {
  const cellbase = deserializeTransaction(m.cellbase);
  const proposals: Uint8Array[] = [];
  for (let i = 0; i < m.proposals.length; i += 10) proposals.push(m.proposals.slice(i, i + 10));
  const raw: RawHeader = {
    version: m.version,
    compactTarget: m.compactTarget,
    timestamp: m.timestamp,
    number: m.number,
    epoch: m.epoch,
    parentHash: m.parentHash,
    transactionsRoot: calcTransactionsRootParts([cellbase, ...txs]).transactionsRoot,
    proposalsHash: calcProposalsHash(proposals),
    extraHash: calcExtraHash(
      calcUnclesHash(deserializeUncleBlockVec(m.uncles)),
      m.extension.length ? m.extension : null,
    ),
    dao: m.dao,
  };
  return powHash(raw);
}

/** Grinds nonce suffixes on `pow` until one meets the network target; submits every share on the way. */
async function mineUntilBlock(
  jobId: number,
  pow: Uint8Array,
): Promise<{ nonce16: Uint8Array; shares: number }> {
  const job = { midstate: powMidstate(pow) };
  const shareTarget = u256LeToTarget(channel.target);
  const networkTarget = compactToTarget(E2E_NET_COMPACT);
  let shares = 0;
  for (let i = 0; ; i++) {
    const suffix = new Uint8Array(12);
    new DataView(suffix.buffer).setUint32(8, i);
    const nonce16 = new Uint8Array(16);
    nonce16.set(channel.extranoncePrefix);
    nonce16.set(suffix, channel.extranoncePrefix.length);
    const out = powOutput('dev', job, nonce16);
    if (!meetsTarget(out, shareTarget)) continue;
    mining.send({
      type: 'SubmitSharesCkb',
      channelId: channel.channelId,
      sequenceNumber: nextSequence++,
      jobId,
      nonceSuffix: suffix,
    });
    shares += 1;
    if (meetsTarget(out, networkTarget)) return { nonce16, shares };
    if (i % 4096 === 0) await new Promise((r) => setImmediate(r));
  }
}

/** Blocks of the pool's own lock, mined straight on the chain (their cellbases fund the wallet). */
function premine(count: number): void {
  for (let i = 0; i < count; i++) {
    const b = devnet.chain.buildBlock();
    for (let start = 0n; ; start += 1n << 20n) {
      const n = grindNonce(b.header, 'eaglesong', start, 1 << 20);
      if (n === null) continue;
      b.header.nonce = n;
      break;
    }
    devnet.chain.accept(b);
  }
}

beforeAll(async () => {
  wallet = await poolWallet();
  const lockJson = { code_hash: wallet.lock.codeHash, hash_type: 'type', args: wallet.lock.args };
  devnet = await startDevnet({
    rpcPort: 0,
    compactTarget: E2E_NET_COMPACT,
    lockScript: lockJson,
    epochLength: 2,
    cellbaseMaturity: { number: 1n, index: 0, length: 1 },
    templateTransactions: 0,
  });
  premine(14);
  pool = await startTestPool(devnet, `${dir.dir}/ledger.sqlite`, {
    extra: {
      node: {
        rpcUrl: devnet.rpcUrl,
        subscribeAddress: devnet.subscribeAddress,
        pollIntervalMs: 200,
        payoutLock: wallet.payoutLock,
      },
      jd: { listen: '127.0.0.1:0', missingTxTimeoutMs: 300, parentWaitMs: 300 },
    },
  });
  if (!pool.jdAddress) throw new Error('the pool runs no JDS');
  jd = await dial(pool.jdAddress);
  jd.send(setupConnection(PROTOCOL_JOB_DECLARATION, JD_SETUP_DECLARE_TX_DATA));
  await jd.next(['SetupConnectionSuccess']);
  jd.send({ type: 'RequestExtensions', requestId: 1, requestedExtensions: [EXTENSION_CKB] });
  await jd.next(['RequestExtensionsSuccess']);

  mining = await dial(pool.sv2Address);
  mining.send(setupConnection(PROTOCOL_MINING, SETUP_REQUIRES_WORK_SELECTION));
  await mining.next(['SetupConnectionSuccess']);
  mining.send({ type: 'RequestExtensions', requestId: 1, requestedExtensions: [EXTENSION_CKB] });
  await mining.next(['RequestExtensionsSuccess']);
  mining.send({
    type: 'OpenExtendedMiningChannel',
    requestId: 2,
    userIdentity: 'carol.jdc',
    nominalHashRate: 0,
    maxTarget: targetToU256Le(MAX_U256),
    minExtranonceSize: 12,
  });
  channel = await mining.next(['OpenExtendedMiningChannelSuccess']);
}, 60_000);

afterAll(async () => {
  jd?.conn.close();
  mining?.conn.close();
  await pool?.close();
  await devnet?.close();
  dir.remove();
});

describe('Job Declaration on the dev chain, over the wire', () => {
  it('hands out tokens with the pool’s payout lock as the lock to pay', async () => {
    const requestId = nextRequest++;
    jd.send({ type: 'AllocateMiningJobToken', userIdentifier: 'carol', requestId });
    const ok = await jd.next(['AllocateMiningJobTokenSuccess'], (m) => m.requestId === requestId);
    expect(ok.miningJobToken).toHaveLength(8);
    expect(ok.coinbaseTxOutputs).toHaveLength(73); // Molecule Script of secp256k1-blake160
  });

  it('refuses invalid declarations with their codes while the connection keeps mining pool jobs', async () => {
    const chain = devnet.chain;
    expect(errorCode(await declare(jdcDeclaration(chain, devnetLock(99n), await token(), [])))).toBe(
      'invalid-cellbase-lock',
    );
    const below = chain.blockByNumber(chain.tip().block.header.number - 1n);
    expect(
      errorCode(await declare(jdcDeclaration(chain, wallet.script, await token(), [], below ?? undefined))),
    ).toBe('stale-parent');
    const m = jdcDeclaration(chain, wallet.script, await token(), []);
    const dao = m.dao.slice();
    dao[31] ^= 1;
    expect(errorCode(await declare({ ...m, dao }))).toBe('invalid-dao');
    // A transaction the node lacks, never provided: refused once the round times out.
    const unknown = await signedSpend(wallet, chain, [500n * CKB, 499n * CKB], 13n);
    const asked = await declare(jdcDeclaration(chain, wallet.script, await token(), [unknown]));
    expect(asked).toMatchObject({ type: 'ProvideMissingTransactions', unknownTxPositionList: [0] });
    const timedOut = await jd.next(['DeclareMiningJobError'], (r) => r.requestId === asked.requestId);
    expect(timedOut.errorCode).toBe('missing-transactions');
    // The Bitcoin DeclareMiningJob is not a CKB job.
    expect(
      errorCode(
        await declare({
          type: 'DeclareMiningJob',
          requestId: 0,
          miningJobToken: await token(),
          version: 0,
          coinbaseTxPrefix: new Uint8Array(0),
          coinbaseTxSuffix: new Uint8Array(0),
          wtxidList: [],
          excessData: new Uint8Array(0),
        } as unknown as DeclareCkbMiningJob),
      ),
    ).toBe('unsupported-job-format');

    // The same client mines the pool's job meanwhile, and its shares are credited.
    const first = await mining.next(['NewCkbJob']);
    // The latest job: template updates may have retired the first.
    await new Promise((r) => setTimeout(r, 100));
    const jobs = mining.inbox.filter((j): j is Of<'NewCkbJob'> => j.type === 'NewCkbJob');
    const poolJob = jobs.at(-1) ?? first;
    const before = nextSequence;
    await mineShares(poolJob.jobId, poolJob.powHash, 3);
    const acked = await mining.next(['SubmitSharesSuccess'], (r) => r.lastSequenceNumber >= before);
    expect(acked.channelId).toBe(channel.channelId);
  }, 60_000);

  it('declares a transaction the pool’s template leaves out, mines it, and the chain takes the block paying the pool', async () => {
    const chain = devnet.chain;
    const tx = await signedSpend(wallet, chain, [600n * CKB, 399n * CKB]);
    const hash = bytesToHex0x(txHash(tx));
    const poolTemplate = chain.getBlockTemplate();
    expect(poolTemplate.transactions.map((t) => t.hash)).not.toContain(hash);

    const m = jdcDeclaration(chain, wallet.script, await token(), [tx]);
    const accepted = await declare(m, (positions) => {
      expect(positions).toEqual([0]);
      return [serializeTransaction(tx)];
    });
    if (accepted.type !== 'DeclareMiningJobSuccess')
      throw new Error(`declaration refused: ${JSON.stringify(accepted)}`);

    const pow = declaredPowHash(m, [tx]);
    const wrongId = nextRequest++;
    mining.send({
      type: 'SetCustomCkbMiningJob',
      channelId: channel.channelId,
      requestId: wrongId,
      miningJobToken: accepted.newMiningJobToken,
      powHash: new Uint8Array(32),
      parentHash: m.parentHash,
      number: m.number,
      compactTarget: m.compactTarget,
    });
    const wrong = await mining.next(['SetCustomMiningJobError'], (r) => r.requestId === wrongId);
    expect(wrong.errorCode).toBe('invalid-job-param-value-pow_hash');
    const requestId = nextRequest++;
    mining.send({
      type: 'SetCustomCkbMiningJob',
      channelId: channel.channelId,
      requestId,
      miningJobToken: accepted.newMiningJobToken,
      powHash: pow,
      parentHash: m.parentHash,
      number: m.number,
      compactTarget: m.compactTarget,
    });
    const set = await mining.next(
      ['SetCustomMiningJobSuccess', 'SetCustomMiningJobError'],
      (r) => r.requestId === requestId,
    );
    if (set.type !== 'SetCustomMiningJobSuccess') throw new Error(`custom job refused: ${set.errorCode}`);

    const found = await mineUntilBlock(set.jobId, pow);
    // The JDC pushes the solution too: the pool must not record or submit the block twice.
    jd.send({ type: 'PushCkbSolution', miningJobToken: accepted.newMiningJobToken, nonce: found.nonce16 });
    await until(
      () => chain.tip().block.header.number === m.number,
      15_000,
      'the declared block on the chain',
    );

    const block = chain.tip();
    const hashes = block.block.transactions.map((t) => bytesToHex0x(txHash(toCkbTransaction(t))));
    expect(hashes).toContain(hash);
    expect(block.witnessLock).toEqual(wallet.script);

    type Blocks = { blocks: { hash: string; jobSource: string; worker: string }[] };
    await until(async () => {
      const listed = (await getJson<Blocks>(`${pool.apiUrl}/api/v1/blocks`)).blocks;
      return listed.some((b) => b.hash === block.hashHex);
    });
    const listed = (await getJson<Blocks>(`${pool.apiUrl}/api/v1/blocks`)).blocks;
    const ours = listed.filter((b) => b.hash === block.hashHex);
    expect(ours).toHaveLength(1);
    expect(ours[0]).toMatchObject({ jobSource: 'declared', worker: 'carol.jdc' });
    expect(listed.filter((b) => b.hash !== block.hashHex).every((b) => b.jobSource === 'pool')).toBe(true);

    // Found by the share and pushed by the JDC: one block recorded, none contending with itself.
    const metrics = await (await fetch(`${pool.apiUrl}/metrics`)).text();
    expect(metrics).toMatch(/ckb_pool_blocks_total\{outcome="found"\} [1-9]/);
    expect(metrics).not.toMatch(/ckb_pool_blocks_total\{outcome="contending"\} [1-9]/);

    type Worker = { acceptedShares: number };
    await until(
      async () =>
        (await getJson<Worker>(`${pool.apiUrl}/api/v1/workers/carol.jdc`)).acceptedShares >= found.shares,
    );
  }, 60_000);

  it('submits a declared block the JDC only pushes, once', async () => {
    const chain = devnet.chain;
    const m = jdcDeclaration(chain, wallet.script, await token(), []);
    const accepted = await declare(m);
    if (accepted.type !== 'DeclareMiningJobSuccess')
      throw new Error(`declaration refused: ${JSON.stringify(accepted)}`);
    const job = { midstate: powMidstate(declaredPowHash(m, [])) };
    const networkTarget = compactToTarget(m.compactTarget);
    const nonce16 = new Uint8Array(16);
    for (let i = 0; !meetsTarget(powOutput('dev', job, nonce16), networkTarget); i++)
      new DataView(nonce16.buffer).setUint32(12, i);
    // A nonce that is no block is ignored; the real one lands on the chain.
    jd.send({
      type: 'PushCkbSolution',
      miningJobToken: accepted.newMiningJobToken,
      nonce: new Uint8Array(16).fill(0xee),
    });
    jd.send({ type: 'PushCkbSolution', miningJobToken: accepted.newMiningJobToken, nonce: nonce16 });
    jd.send({ type: 'PushCkbSolution', miningJobToken: accepted.newMiningJobToken, nonce: nonce16 });
    await until(() => chain.tip().block.header.number === m.number, 15_000, 'the pushed block on the chain');
    type Blocks = { blocks: { hash: string; height: number; jobSource: string }[] };
    await until(async () =>
      (await getJson<Blocks>(`${pool.apiUrl}/api/v1/blocks`)).blocks.some(
        (b) => b.hash === chain.tip().hashHex,
      ),
    );
    const atHeight = (await getJson<Blocks>(`${pool.apiUrl}/api/v1/blocks`)).blocks.filter(
      (b) => b.height === Number(m.number),
    );
    expect(atHeight).toEqual([expect.objectContaining({ hash: chain.tip().hashHex, jobSource: 'declared' })]);
  }, 60_000);
});

/** `count` shares on a job, whatever their difficulty above the channel's. */
async function mineShares(jobId: number, pow: Uint8Array, count: number): Promise<void> {
  const job = { midstate: powMidstate(pow) };
  const shareTarget = u256LeToTarget(channel.target);
  for (let i = 1_000_000, sent = 0; sent < count; i++) {
    const suffix = new Uint8Array(12);
    new DataView(suffix.buffer).setUint32(8, i);
    const nonce16 = new Uint8Array(16);
    nonce16.set(channel.extranoncePrefix);
    nonce16.set(suffix, channel.extranoncePrefix.length);
    if (!meetsTarget(powOutput('dev', job, nonce16), shareTarget)) continue;
    mining.send({
      type: 'SubmitSharesCkb',
      channelId: channel.channelId,
      sequenceNumber: nextSequence++,
      jobId,
      nonceSuffix: suffix,
    });
    sent += 1;
  }
}
