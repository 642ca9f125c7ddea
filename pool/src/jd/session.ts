/**
 * One JD connection as a message-in, messages-out state machine (docs/job-declaration-ckb.md
 * §2.2, §3): SetupConnection with DECLARE_TX_DATA, 0x4CCB negotiation, token allocation,
 * declarations with their missing-transaction round, and pushed solutions. No sockets: the
 * listener (Noise, framing, timers) feeds it decoded messages and writes what it returns.
 */
import type { Block } from '../ckb/block.js';
import type { PayoutLock } from '../ckb/cellbase-lock.js';
import { nonceFromBytes } from '../ckb/header.js';
import { hexToBytes } from '../ckb/hex.js';
import { serializeScript } from '../ckb/transaction.js';
import {
  ErrorCodes,
  EXTENSION_CKB,
  JD_SETUP_DECLARE_TX_DATA,
  JdErrorCodes,
  PROTOCOL_JOB_DECLARATION,
  SV2_VERSION,
} from '../sv2/messages/constants.js';
import type { Sv2Message } from '../sv2/messages/index.js';
import {
  blockWithNonce,
  type DeclaredJob,
  type DeclareEnv,
  type DeclareOutcome,
  declareJob,
  type PendingDeclaration,
  provideMissing,
} from './declare.js';
import type { DeclaredJobs } from './declared-jobs.js';

export interface JdsSessionEnv extends Omit<DeclareEnv, 'connectionId'> {
  jobs: DeclaredJobs;
  /** A PushCkbSolution completed a declared block: submit it to the pool's node. */
  submitBlock(block: Block, job: DeclaredJob): void;
  /** How long a ProvideMissingTransactions may stay unanswered (default 10 s). */
  missingTxTimeoutMs?: number;
}

/** What the listener should do besides writing replies. */
export interface SessionResult {
  replies: Sv2Message[];
  /** A protocol violation: close the connection after writing the replies. */
  close?: string;
}

const payoutScriptBytes = (l: PayoutLock): Uint8Array =>
  serializeScript({ codeHash: hexToBytes(l.codeHash), hashType: l.hashType, args: hexToBytes(l.args) });

export class JdsSession {
  private setUp = false;
  private negotiated = false;
  private readonly pending = new Map<number, { declaration: PendingDeclaration; deadline: bigint }>();

  constructor(
    private readonly connectionId: number,
    private readonly env: JdsSessionEnv,
  ) {}

  async handle(msg: Sv2Message): Promise<SessionResult> {
    if (msg.type === 'SetupConnection')
      return this.setup(msg.protocol, msg.minVersion, msg.maxVersion, msg.flags);
    if (!this.setUp) return { replies: [], close: `${msg.type} before SetupConnection` };
    switch (msg.type) {
      case 'RequestExtensions': {
        this.negotiated = msg.requestedExtensions.includes(EXTENSION_CKB);
        const reply: Sv2Message = this.negotiated
          ? {
              type: 'RequestExtensionsSuccess',
              requestId: msg.requestId,
              supportedExtensions: [EXTENSION_CKB],
            }
          : {
              type: 'RequestExtensionsError',
              requestId: msg.requestId,
              unsupportedExtensions: msg.requestedExtensions,
              requiredExtensions: [EXTENSION_CKB],
            };
        return { replies: [reply] };
      }
      case 'AllocateMiningJobToken':
        if (!this.negotiated)
          return { replies: [], close: 'AllocateMiningJobToken before negotiating 0x4CCB' };
        return {
          replies: [
            {
              type: 'AllocateMiningJobTokenSuccess',
              requestId: msg.requestId,
              miningJobToken: this.env.tokens.allocate(this.connectionId, Number(this.env.view.nowMs())),
              coinbaseTxOutputs: payoutScriptBytes(this.env.payoutLock),
            },
          ],
        };
      case 'DeclareMiningJob':
        return {
          replies: [
            declareError(
              msg.requestId,
              JdErrorCodes.unsupportedJobFormat,
              'a CKB JDS takes DeclareCkbMiningJob (0x4CCB/0x57)',
            ),
          ],
        };
      case 'DeclareCkbMiningJob':
        if (!this.negotiated)
          return {
            replies: [declareError(msg.requestId, ErrorCodes.ckbExtensionRequired, 'negotiate 0x4CCB first')],
          };
        return this.outcome(msg.requestId, await declareJob(msg, this.declareEnv()));
      case 'ProvideMissingTransactionsSuccess': {
        const p = this.pending.get(msg.requestId);
        if (!p) return { replies: [] }; // late or unrequested: nothing to complete
        this.pending.delete(msg.requestId);
        return this.outcome(
          msg.requestId,
          await provideMissing(p.declaration, msg.transactionList, this.declareEnv()),
        );
      }
      case 'PushCkbSolution': {
        const job = this.env.jobs.get(msg.miningJobToken);
        if (job) this.env.submitBlock(blockWithNonce(job, nonceFromBytes(msg.nonce)), job);
        return { replies: [] };
      }
      default:
        return { replies: [] };
    }
  }

  /** Declarations whose missing transactions did not arrive in time: their errors. */
  expire(nowMs: bigint): Sv2Message[] {
    const out: Sv2Message[] = [];
    for (const [requestId, p] of this.pending) {
      if (nowMs < p.deadline) continue;
      this.pending.delete(requestId);
      out.push(
        declareError(
          requestId,
          JdErrorCodes.missingTransactions,
          'ProvideMissingTransactions was not answered in time',
        ),
      );
    }
    return out;
  }

  close(): void {
    this.env.tokens.dropConnection(this.connectionId);
    this.pending.clear();
  }

  private setup(protocol: number, minVersion: number, maxVersion: number, flags: number): SessionResult {
    const error = (code: string, errFlags = 0): SessionResult => ({
      replies: [{ type: 'SetupConnectionError', flags: errFlags, errorCode: code }],
      close: code,
    });
    if (this.setUp) return { replies: [], close: 'SetupConnection sent twice' };
    if (protocol !== PROTOCOL_JOB_DECLARATION) return error(ErrorCodes.unsupportedProtocol);
    if (minVersion > SV2_VERSION || maxVersion < SV2_VERSION)
      return error(ErrorCodes.protocolVersionMismatch);
    if ((flags & JD_SETUP_DECLARE_TX_DATA) === 0)
      return error(JdErrorCodes.declareTxDataRequired, JD_SETUP_DECLARE_TX_DATA);
    this.setUp = true;
    return { replies: [{ type: 'SetupConnectionSuccess', usedVersion: SV2_VERSION, flags: 0 }] };
  }

  private declareEnv(): DeclareEnv {
    return { ...this.env, connectionId: this.connectionId };
  }

  private outcome(requestId: number, o: DeclareOutcome): SessionResult {
    if (o.kind === 'refused')
      return { replies: [declareError(requestId, o.refusal.code, o.refusal.details)] };
    if (o.kind === 'missing') {
      const deadline = this.env.view.nowMs() + BigInt(this.env.missingTxTimeoutMs ?? 10_000);
      this.pending.set(requestId, { declaration: o.pending, deadline });
      return {
        replies: [{ type: 'ProvideMissingTransactions', requestId, unknownTxPositionList: o.positions }],
      };
    }
    this.env.jobs.add(o.job);
    return { replies: [{ type: 'DeclareMiningJobSuccess', requestId, newMiningJobToken: o.job.token }] };
  }
}

function declareError(requestId: number, errorCode: string, details: string): Sv2Message {
  return {
    type: 'DeclareMiningJobError',
    requestId,
    errorCode,
    errorDetails: new TextEncoder().encode(details),
  };
}
