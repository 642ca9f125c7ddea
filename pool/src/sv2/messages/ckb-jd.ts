/**
 * Extension 0x4CCB, Job Declaration part (docs/job-declaration-ckb.md §8): the three messages
 * that replace the Bitcoin-shaped SetCustomMiningJob, DeclareMiningJob and PushSolution. Each
 * takes the msg_type of the core message it replaces, under extension 0x4CCB.
 */
import { Sv2EncodeError } from '../binary.js';
import { codec, readU256, type Sv2MessageBase, writeU256 } from './codec.js';
import { EXTENSION_CKB } from './constants.js';

export const CKB_MSG_SET_CUSTOM_CKB_MINING_JOB = 0x22;
export const CKB_MSG_DECLARE_CKB_MINING_JOB = 0x57;
export const CKB_MSG_PUSH_CKB_SOLUTION = 0x60;
/** Bytes of a CKB header nonce; U128 on the wire is these bytes as-is. */
const NONCE_BYTES = 16;

/** JDC → pool on the mining connection: mine the declared job on this extended channel. */
export interface SetCustomCkbMiningJob extends Sv2MessageBase {
  type: 'SetCustomCkbMiningJob';
  channelId: number;
  requestId: number;
  /** DeclareMiningJob.Success.new_mining_job_token. */
  miningJobToken: Uint8Array;
  powHash: Uint8Array;
  parentHash: Uint8Array;
  number: bigint;
  compactTarget: number;
}

/** JDC → JDS: a whole CKB block except the nonce and the header fields the JDS derives. */
export interface DeclareCkbMiningJob extends Sv2MessageBase {
  type: 'DeclareCkbMiningJob';
  requestId: number;
  miningJobToken: Uint8Array;
  version: number;
  compactTarget: number;
  timestamp: bigint;
  number: bigint;
  epoch: bigint;
  parentHash: Uint8Array;
  dao: Uint8Array;
  /** Molecule Transaction. */
  cellbase: Uint8Array;
  /** Committed transactions in block order, cellbase excluded. */
  txHashList: Uint8Array[];
  /** Their witness hashes (what transactions_root commits to), same order and length. */
  witnessHashList: Uint8Array[];
  /** Concatenated 10-byte proposal short ids. */
  proposals: Uint8Array;
  /** Molecule UncleBlockVec. */
  uncles: Uint8Array;
  /** Block extension; empty = none. */
  extension: Uint8Array;
}

/** JDC → JDS: a nonce that solves the declared job; the JDS submits the block too. */
export interface PushCkbSolution extends Sv2MessageBase {
  type: 'PushCkbSolution';
  miningJobToken: Uint8Array;
  /** The 16-byte nonce as Eaglesong absorbs it (= the header nonce in Molecule order). */
  nonce: Uint8Array;
}

export type CkbJobDeclarationMessage = SetCustomCkbMiningJob | DeclareCkbMiningJob | PushCkbSolution;

function nonceBytes(n: Uint8Array): Uint8Array {
  if (n.length !== NONCE_BYTES) throw new Sv2EncodeError(`U128 nonce has ${n.length} bytes, not 16`);
  return n;
}

export const ckbJobDeclarationCodecs = {
  SetCustomCkbMiningJob: codec<SetCustomCkbMiningJob>({
    type: 'SetCustomCkbMiningJob',
    specName: 'SetCustomCkbMiningJob',
    extensionType: EXTENSION_CKB,
    msgType: CKB_MSG_SET_CUSTOM_CKB_MINING_JOB,
    channelMsg: true,
    encode(w, m) {
      w.u32(m.channelId).u32(m.requestId).b0_255(m.miningJobToken);
      w.u256(m.powHash).u256(m.parentHash).u64(m.number).u32(m.compactTarget);
    },
    decode: (r) => ({
      type: 'SetCustomCkbMiningJob',
      channelId: r.u32(),
      requestId: r.u32(),
      miningJobToken: r.b0_255(),
      powHash: r.u256(),
      parentHash: r.u256(),
      number: r.u64(),
      compactTarget: r.u32(),
    }),
  }),
  DeclareCkbMiningJob: codec<DeclareCkbMiningJob>({
    type: 'DeclareCkbMiningJob',
    specName: 'DeclareCkbMiningJob',
    extensionType: EXTENSION_CKB,
    msgType: CKB_MSG_DECLARE_CKB_MINING_JOB,
    channelMsg: false,
    encode(w, m) {
      w.u32(m.requestId).b0_255(m.miningJobToken).u32(m.version).u32(m.compactTarget);
      w.u64(m.timestamp).u64(m.number).u64(m.epoch).u256(m.parentHash).u256(m.dao);
      w.b0_64k(m.cellbase).seq0_64k(m.txHashList, writeU256).seq0_64k(m.witnessHashList, writeU256);
      w.b0_64k(m.proposals).b0_64k(m.uncles).b0_255(m.extension);
    },
    decode: (r) => ({
      type: 'DeclareCkbMiningJob',
      requestId: r.u32(),
      miningJobToken: r.b0_255(),
      version: r.u32(),
      compactTarget: r.u32(),
      timestamp: r.u64(),
      number: r.u64(),
      epoch: r.u64(),
      parentHash: r.u256(),
      dao: r.u256(),
      cellbase: r.b0_64k(),
      txHashList: r.seq0_64k(readU256, 32),
      witnessHashList: r.seq0_64k(readU256, 32),
      proposals: r.b0_64k(),
      uncles: r.b0_64k(),
      extension: r.b0_255(),
    }),
  }),
  PushCkbSolution: codec<PushCkbSolution>({
    type: 'PushCkbSolution',
    specName: 'PushCkbSolution',
    extensionType: EXTENSION_CKB,
    msgType: CKB_MSG_PUSH_CKB_SOLUTION,
    channelMsg: false,
    encode(w, m) {
      w.b0_255(m.miningJobToken).raw(nonceBytes(m.nonce));
    },
    decode: (r) => ({
      type: 'PushCkbSolution',
      miningJobToken: r.b0_255(),
      nonce: r.raw(NONCE_BYTES, 'U128'),
    }),
  }),
};
