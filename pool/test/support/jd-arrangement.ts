/**
 * The pool's side of job declaration for JD client tests, until the pool itself runs a JDS
 * (`jd.listen`): the JDS core (pool/src/jd/session.ts) behind a real Noise listener with the
 * JD frame limit, and a small mining pool that speaks exactly docs/job-declaration-ckb.md §6
 * (REQUIRES_WORK_SELECTION, SetCustomCkbMiningJob checked against the same DeclaredJobs, shares
 * and blocks on declared and pool jobs). Both play against a dev chain as the pool's node.
 */
import { createServer, type Server } from 'node:net';
import type { Block } from '../../src/ckb/block.js';
import { blockToJson } from '../../src/ckb/block.js';
import type { PayoutLock } from '../../src/ckb/cellbase-lock.js';
import { nonceFromBytes, powHash } from '../../src/ckb/header.js';
import { bytesToHex0x } from '../../src/ckb/hex.js';
import { concatBytes } from '../../src/ckb/molecule.js';
import { powOutput } from '../../src/ckb/pow.js';
import { compactToTarget, meetsTarget, targetToU256Le } from '../../src/ckb/target.js';
import { type Transaction, txHash } from '../../src/ckb/transaction.js';
import type { DevChain } from '../../src/devnet/chain.js';
import { type Block as DevBlock, decodeBlock, type Script } from '../../src/devnet/json-decode.js';
import { blockWithNonce, type DeclaredJob } from '../../src/jd/declare.js';
import { DeclaredJobs } from '../../src/jd/declared-jobs.js';
import type { JdNodeView } from '../../src/jd/node-view.js';
import { JdsSession } from '../../src/jd/session.js';
import { JobTokens } from '../../src/jd/tokens.js';
import type { JdcNode } from '../../src/jd-client/node.js';
import type { Sv2Connection } from '../../src/sv2/connection.js';
import { MAX_FRAME_PAYLOAD } from '../../src/sv2/frame.js';
import { acceptSv2 } from '../../src/sv2/handshake-io.js';
import {
  EXTENSION_CKB,
  SETUP_REQUIRES_WORK_SELECTION,
  type Sv2Message,
} from '../../src/sv2/messages/index.js';
import { ServerIdentity } from '../../src/sv2/noise/identity.js';
import {
  authorityPublicFromSecret,
  formatPoolUrl,
  generateAuthorityKeypair,
} from '../../src/sv2/noise/keys.js';
import { devnetJdView } from './jd-devnet-view.js';

interface Listening {
  url: string;
  close(): Promise<void>;
}

/** A Noise listener on 127.0.0.1 with one handler per accepted connection. */
async function listen(
  secret: Uint8Array,
  maxPayload: number,
  onConn: (conn: Sv2Connection) => void,
): Promise<Listening> {
  const identity = new ServerIdentity({ authoritySecret: secret, validitySeconds: 3600 });
  const conns = new Set<Sv2Connection>();
  const server: Server = createServer((socket) => {
    acceptSv2(socket, { identity, maxPayload }).then(
      (conn) => {
        conns.add(conn);
        conn.on('close', () => conns.delete(conn));
        onConn(conn);
      },
      () => {},
    );
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return {
    url: formatPoolUrl({ host: '127.0.0.1', port, authorityPubkey: authorityPublicFromSecret(secret) }),
    close: () =>
      new Promise<void>((r) => {
        for (const c of conns) c.close('local-close', 'test done');
        server.close(() => r());
      }),
  };
}

export interface PoolSide {
  jdsUrl: string;
  poolUrl: string;
  jobs: DeclaredJobs;
  /** Blocks the JDS rebuilt from PushCkbSolution (it submits them to the chain too). */
  pushed: Block[];
  /** Shares the mining side accepted, by the source of their job. */
  shares: Array<{ source: 'pool' | 'declared'; block: boolean }>;
  /** SetCustomCkbMiningJob answers given (error codes, or 'ok'). */
  customJobAnswers: string[];
  close(): Promise<void>;
}

export interface PoolSideOptions {
  chain: DevChain;
  poolLock: Script;
  payoutLock: PayoutLock;
  /** The JDS's view (default: devnetJdView of the chain). */
  view?: JdNodeView;
  /** The channel's share target (default 2^252: one hash in 16). */
  shareTarget?: bigint;
}

/** The JDS core and a mining pool over one dev chain, sharing one authority key. */
export async function poolSide(o: PoolSideOptions): Promise<PoolSide> {
  const secret = generateAuthorityKeypair().secret;
  const jobs = new DeclaredJobs();
  const tokens = new JobTokens();
  const pushed: Block[] = [];
  const shares: PoolSide['shares'] = [];
  const customJobAnswers: string[] = [];
  const view = o.view ?? devnetJdView(o.chain, { payoutLock: o.poolLock });
  const accept = (b: Block) => {
    try {
      o.chain.accept(decodeBlock(blockToJson(b)));
    } catch {
      // the other party's copy got there first, or the block is stale: the chain decides
    }
  };
  let nextConn = 0;
  let nextToken = 0;
  const jds = await listen(secret, MAX_FRAME_PAYLOAD, (conn) => {
    const session = new JdsSession(++nextConn, {
      view,
      payoutLock: o.payoutLock,
      tokens,
      newToken: () => Uint8Array.of(0xd0, 0, 0, 0, 0, 0, 0, ++nextToken),
      jobs,
      submitBlock: (block) => {
        pushed.push(block);
        accept(block);
      },
    });
    conn.on('message', (m) => {
      void session.handle(m).then((r) => {
        for (const reply of r.replies) conn.send(reply);
        if (r.close) conn.close('local-close', r.close);
      });
    });
    conn.on('close', () => session.close());
  });
  const mining = await listen(secret, 65_535, (conn) =>
    miningConnection(conn, { ...o, jobs, shares, customJobAnswers, accept }),
  );
  return {
    jdsUrl: jds.url,
    poolUrl: mining.url,
    jobs,
    pushed,
    shares,
    customJobAnswers,
    close: async () => {
      await jds.close();
      await mining.close();
    },
  };
}

interface MiningEnv extends PoolSideOptions {
  jobs: DeclaredJobs;
  shares: PoolSide['shares'];
  customJobAnswers: string[];
  accept: (b: Block) => void;
}

type PoolJobEntry = { source: 'pool'; block: DevBlock } | { source: 'declared'; job: DeclaredJob };

/** One mining connection: one extended channel, pool jobs on every tip, custom jobs on request. */
function miningConnection(conn: Sv2Connection, e: MiningEnv): void {
  const prefix = Uint8Array.of(0, 0, 0, 9);
  const target = e.shareTarget ?? 1n << 252n;
  const entries = new Map<number, PoolJobEntry>();
  let nextJobId = 1;
  let channelId = 0;
  let workSelection = false;
  const sendPoolJob = () => {
    if (!channelId) return;
    const block = e.chain.buildBlock(e.poolLock);
    const jobId = nextJobId++;
    entries.set(jobId, { source: 'pool', block });
    conn.send({
      type: 'NewCkbJob',
      channelId,
      jobId,
      cleanJobs: true,
      height: block.header.number,
      powHash: powHash(block.header),
      parentHash: block.header.parentHash,
      compactTarget: block.header.compactTarget,
    });
  };
  const off = e.chain.onTip((tip) => {
    e.jobs.keepParent(tip.hashHex);
    sendPoolJob();
  });
  conn.on('close', off);
  conn.on('message', (m: Sv2Message) => {
    switch (m.type) {
      case 'SetupConnection':
        workSelection = (m.flags & SETUP_REQUIRES_WORK_SELECTION) !== 0;
        conn.send({ type: 'SetupConnectionSuccess', usedVersion: 2, flags: 0 });
        return;
      case 'RequestExtensions':
        conn.send({
          type: 'RequestExtensionsSuccess',
          requestId: m.requestId,
          supportedExtensions: [EXTENSION_CKB],
        });
        return;
      case 'OpenExtendedMiningChannel':
        channelId = 1;
        conn.send({
          type: 'OpenExtendedMiningChannelSuccess',
          requestId: m.requestId,
          channelId,
          target: targetToU256Le(target),
          extranonceSize: 12,
          extranoncePrefix: prefix,
          groupChannelId: 0,
        });
        sendPoolJob();
        return;
      case 'SetCustomCkbMiningJob': {
        const check = workSelection
          ? e.jobs.checkCustomJob(m, e.chain.tip().hashHex)
          : ({ ok: false, errorCode: 'work-selection-not-negotiated' } as const);
        e.customJobAnswers.push(check.ok ? 'ok' : check.errorCode);
        if (!check.ok) {
          conn.send({
            type: 'SetCustomMiningJobError',
            channelId: m.channelId,
            requestId: m.requestId,
            errorCode: check.errorCode,
          });
          return;
        }
        const jobId = nextJobId++;
        entries.set(jobId, { source: 'declared', job: check.job });
        conn.send({
          type: 'SetCustomMiningJobSuccess',
          channelId: m.channelId,
          requestId: m.requestId,
          jobId,
        });
        return;
      }
      case 'SubmitSharesCkb': {
        const entry = entries.get(m.jobId);
        const nonce16 = concatBytes(prefix, m.nonceSuffix);
        const header = entry?.source === 'pool' ? entry.block.header : entry?.job.rawHeader;
        const out = header && powOutput('dev', powHash(header), nonce16);
        if (!entry || !header || !out || !meetsTarget(out, target)) {
          conn.send({
            type: 'SubmitSharesError',
            channelId: m.channelId,
            sequenceNumber: m.sequenceNumber,
            errorCode: 'invalid-share',
          });
          return;
        }
        const isBlock = meetsTarget(out, compactToTarget(header.compactTarget));
        e.shares.push({ source: entry.source, block: isBlock });
        const nonce = nonceFromBytes(nonce16);
        if (isBlock && entry.source === 'pool')
          acceptDev(e.chain, { ...entry.block, header: { ...entry.block.header, nonce } });
        if (isBlock && entry.source === 'declared') e.accept(blockWithNonce(entry.job, nonce));
        conn.send({
          type: 'SubmitSharesSuccess',
          channelId: m.channelId,
          lastSequenceNumber: m.sequenceNumber,
          newSubmitsAcceptedCount: 1,
          newSharesSum: 1n,
        });
        return;
      }
      default:
        return;
    }
  });
}

function acceptDev(chain: DevChain, block: DevBlock): void {
  try {
    chain.accept(block);
  } catch {
    // stale by now: the chain decides
  }
}

/**
 * The miner's own node: the dev chain's RPC, plus transactions only this node holds (its own
 * mempool, never relayed to the pool's node): the case where the miner's block differs.
 */
export function withLocalTransactions(node: JdcNode, local: Transaction[]): JdcNode {
  const byHash = new Map(local.map((tx) => [bytesToHex0x(txHash(tx)), tx]));
  return {
    ...node,
    async transaction(hash) {
      const tx = byHash.get(hash.toLowerCase());
      return tx ? { tx, status: 'pending' } : node.transaction(hash);
    },
  };
}
