/**
 * Job Declaration protocol (sv2-spec chapter 6, msg_type 0x50–0x60, never channel messages),
 * the standard messages. CKB replaces the Bitcoin-shaped DeclareMiningJob and PushSolution with
 * 0x4CCB messages (ckb-jd.ts, docs/job-declaration-ckb.md); their standard forms are decoded
 * so a Bitcoin JDC gets a clear DeclareMiningJob.Error instead of silence.
 */
import type { Writer } from '../binary.js';
import { codec, readU16, readU256, type Sv2MessageBase, writeU16, writeU256 } from './codec.js';

export interface AllocateMiningJobToken extends Sv2MessageBase {
  type: 'AllocateMiningJobToken';
  userIdentifier: string;
  requestId: number;
}

export interface AllocateMiningJobTokenSuccess extends Sv2MessageBase {
  type: 'AllocateMiningJobTokenSuccess';
  requestId: number;
  miningJobToken: Uint8Array;
  /** Bitcoin: outputs the pool adds. CKB: the Molecule Script of the pool's payout lock. */
  coinbaseTxOutputs: Uint8Array;
}

export interface ProvideMissingTransactions extends Sv2MessageBase {
  type: 'ProvideMissingTransactions';
  requestId: number;
  /** 0-based positions in the declaration's transaction list (cellbase excluded). */
  unknownTxPositionList: number[];
}

export interface ProvideMissingTransactionsSuccess extends Sv2MessageBase {
  type: 'ProvideMissingTransactionsSuccess';
  requestId: number;
  /** Serialized transactions (CKB: Molecule Transaction), in the requested order. */
  transactionList: Uint8Array[];
}

/** The Bitcoin declaration; a CKB JDS answers it with `unsupported-job-format`. */
export interface DeclareMiningJob extends Sv2MessageBase {
  type: 'DeclareMiningJob';
  requestId: number;
  miningJobToken: Uint8Array;
  version: number;
  coinbaseTxPrefix: Uint8Array;
  coinbaseTxSuffix: Uint8Array;
  wtxidList: Uint8Array[];
  excessData: Uint8Array;
}

export interface DeclareMiningJobSuccess extends Sv2MessageBase {
  type: 'DeclareMiningJobSuccess';
  requestId: number;
  newMiningJobToken: Uint8Array;
}

export interface DeclareMiningJobError extends Sv2MessageBase {
  type: 'DeclareMiningJobError';
  requestId: number;
  errorCode: string;
  /** Free-form; our JDS puts a UTF-8 sentence naming the field and both values. */
  errorDetails: Uint8Array;
}

/** The Bitcoin solution message. Field order is SRI's (ntime before nonce; the spec table differs). */
export interface PushSolution extends Sv2MessageBase {
  type: 'PushSolution';
  extranonce: Uint8Array;
  prevHash: Uint8Array;
  ntime: number;
  nonce: number;
  nbits: number;
  version: number;
}

export type JobDeclarationMessage =
  | AllocateMiningJobToken
  | AllocateMiningJobTokenSuccess
  | ProvideMissingTransactions
  | ProvideMissingTransactionsSuccess
  | DeclareMiningJob
  | DeclareMiningJobSuccess
  | DeclareMiningJobError
  | PushSolution;

const writeB0_16m = (w: Writer, v: Uint8Array): void => {
  w.b0_16m(v);
};

export const jobDeclarationCodecs = {
  AllocateMiningJobToken: codec<AllocateMiningJobToken>({
    type: 'AllocateMiningJobToken',
    specName: 'AllocateMiningJobToken',
    extensionType: 0,
    msgType: 0x50,
    channelMsg: false,
    encode(w, m) {
      w.str0_255(m.userIdentifier).u32(m.requestId);
    },
    decode: (r) => ({ type: 'AllocateMiningJobToken', userIdentifier: r.str0_255(), requestId: r.u32() }),
  }),
  AllocateMiningJobTokenSuccess: codec<AllocateMiningJobTokenSuccess>({
    type: 'AllocateMiningJobTokenSuccess',
    specName: 'AllocateMiningJobToken.Success',
    extensionType: 0,
    msgType: 0x51,
    channelMsg: false,
    encode(w, m) {
      w.u32(m.requestId).b0_255(m.miningJobToken).b0_64k(m.coinbaseTxOutputs);
    },
    decode: (r) => ({
      type: 'AllocateMiningJobTokenSuccess',
      requestId: r.u32(),
      miningJobToken: r.b0_255(),
      coinbaseTxOutputs: r.b0_64k(),
    }),
  }),
  ProvideMissingTransactions: codec<ProvideMissingTransactions>({
    type: 'ProvideMissingTransactions',
    specName: 'ProvideMissingTransactions',
    extensionType: 0,
    msgType: 0x55,
    channelMsg: false,
    encode(w, m) {
      w.u32(m.requestId).seq0_64k(m.unknownTxPositionList, writeU16);
    },
    decode: (r) => ({
      type: 'ProvideMissingTransactions',
      requestId: r.u32(),
      unknownTxPositionList: r.seq0_64k(readU16, 2),
    }),
  }),
  ProvideMissingTransactionsSuccess: codec<ProvideMissingTransactionsSuccess>({
    type: 'ProvideMissingTransactionsSuccess',
    specName: 'ProvideMissingTransactions.Success',
    extensionType: 0,
    msgType: 0x56,
    channelMsg: false,
    encode(w, m) {
      w.u32(m.requestId).seq0_64k(m.transactionList, writeB0_16m);
    },
    decode: (r) => ({
      type: 'ProvideMissingTransactionsSuccess',
      requestId: r.u32(),
      transactionList: r.seq0_64k((x) => x.b0_16m(), 3),
    }),
  }),
  DeclareMiningJob: codec<DeclareMiningJob>({
    type: 'DeclareMiningJob',
    specName: 'DeclareMiningJob',
    extensionType: 0,
    msgType: 0x57,
    channelMsg: false,
    encode(w, m) {
      w.u32(m.requestId).b0_255(m.miningJobToken).u32(m.version);
      w.b0_64k(m.coinbaseTxPrefix).b0_64k(m.coinbaseTxSuffix);
      w.seq0_64k(m.wtxidList, writeU256).b0_64k(m.excessData);
    },
    decode: (r) => ({
      type: 'DeclareMiningJob',
      requestId: r.u32(),
      miningJobToken: r.b0_255(),
      version: r.u32(),
      coinbaseTxPrefix: r.b0_64k(),
      coinbaseTxSuffix: r.b0_64k(),
      wtxidList: r.seq0_64k(readU256, 32),
      excessData: r.b0_64k(),
    }),
  }),
  DeclareMiningJobSuccess: codec<DeclareMiningJobSuccess>({
    type: 'DeclareMiningJobSuccess',
    specName: 'DeclareMiningJob.Success',
    extensionType: 0,
    msgType: 0x58,
    channelMsg: false,
    encode(w, m) {
      w.u32(m.requestId).b0_255(m.newMiningJobToken);
    },
    decode: (r) => ({ type: 'DeclareMiningJobSuccess', requestId: r.u32(), newMiningJobToken: r.b0_255() }),
  }),
  DeclareMiningJobError: codec<DeclareMiningJobError>({
    type: 'DeclareMiningJobError',
    specName: 'DeclareMiningJob.Error',
    extensionType: 0,
    msgType: 0x59,
    channelMsg: false,
    encode(w, m) {
      w.u32(m.requestId).str0_255(m.errorCode).b0_64k(m.errorDetails);
    },
    decode: (r) => ({
      type: 'DeclareMiningJobError',
      requestId: r.u32(),
      errorCode: r.str0_255(),
      errorDetails: r.b0_64k(),
    }),
  }),
  PushSolution: codec<PushSolution>({
    type: 'PushSolution',
    specName: 'PushSolution',
    extensionType: 0,
    msgType: 0x60,
    channelMsg: false,
    encode(w, m) {
      w.b0_32(m.extranonce).u256(m.prevHash).u32(m.ntime).u32(m.nonce).u32(m.nbits).u32(m.version);
    },
    decode: (r) => ({
      type: 'PushSolution',
      extranonce: r.b0_32(),
      prevHash: r.u256(),
      ntime: r.u32(),
      nonce: r.u32(),
      nbits: r.u32(),
      version: r.u32(),
    }),
  }),
};
