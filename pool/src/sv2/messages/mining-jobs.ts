/**
 * Mining protocol (spec 5.3), jobs and shares: the Bitcoin job messages (kept so that SV2
 * tooling can talk to us and get a clear answer), custom jobs, and the share answers that
 * this profile reuses for CKB. Every message here is a channel message (channel_msg = 1).
 */
import { codec, readU32, readU256, type Sv2MessageBase, writeU32, writeU256 } from './codec.js';

export interface NewMiningJob extends Sv2MessageBase {
  type: 'NewMiningJob';
  channelId: number;
  jobId: number;
  /** null = future job (activated by SetNewPrevHash). */
  minNtime: number | null;
  version: number;
  merkleRoot: Uint8Array;
}

export interface SubmitSharesStandard extends Sv2MessageBase {
  type: 'SubmitSharesStandard';
  channelId: number;
  sequenceNumber: number;
  jobId: number;
  nonce: number;
  ntime: number;
  version: number;
}

export interface SubmitSharesExtended extends Sv2MessageBase {
  type: 'SubmitSharesExtended';
  channelId: number;
  sequenceNumber: number;
  jobId: number;
  nonce: number;
  ntime: number;
  version: number;
  extranonce: Uint8Array;
}

export interface SubmitSharesSuccess extends Sv2MessageBase {
  type: 'SubmitSharesSuccess';
  channelId: number;
  lastSequenceNumber: number;
  newSubmitsAcceptedCount: number;
  /** Sum of the accepted shares' difficulties (in this profile: CKB difficulty 2^256/target). */
  newSharesSum: bigint;
}

export interface SubmitSharesError extends Sv2MessageBase {
  type: 'SubmitSharesError';
  channelId: number;
  sequenceNumber: number;
  errorCode: string;
}

export interface NewExtendedMiningJob extends Sv2MessageBase {
  type: 'NewExtendedMiningJob';
  channelId: number;
  jobId: number;
  minNtime: number | null;
  version: number;
  versionRollingAllowed: boolean;
  merklePath: Uint8Array[];
  coinbaseTxPrefix: Uint8Array;
  coinbaseTxSuffix: Uint8Array;
}

export interface SetNewPrevHash extends Sv2MessageBase {
  type: 'SetNewPrevHash';
  channelId: number;
  jobId: number;
  prevHash: Uint8Array;
  minNtime: number;
  nbits: number;
}

export interface SetCustomMiningJob extends Sv2MessageBase {
  type: 'SetCustomMiningJob';
  channelId: number;
  requestId: number;
  miningJobToken: Uint8Array;
  version: number;
  prevHash: Uint8Array;
  minNtime: number;
  nbits: number;
  coinbaseTxVersion: number;
  coinbasePrefix: Uint8Array;
  coinbaseTxInputNSequence: number;
  coinbaseTxOutputs: Uint8Array;
  coinbaseTxLocktime: number;
  merklePath: Uint8Array[];
}

export interface SetCustomMiningJobSuccess extends Sv2MessageBase {
  type: 'SetCustomMiningJobSuccess';
  channelId: number;
  requestId: number;
  jobId: number;
}

export interface SetCustomMiningJobError extends Sv2MessageBase {
  type: 'SetCustomMiningJobError';
  channelId: number;
  requestId: number;
  errorCode: string;
}

export type MiningJobMessage =
  | NewMiningJob
  | SubmitSharesStandard
  | SubmitSharesExtended
  | SubmitSharesSuccess
  | SubmitSharesError
  | NewExtendedMiningJob
  | SetNewPrevHash
  | SetCustomMiningJob
  | SetCustomMiningJobSuccess
  | SetCustomMiningJobError;

export const miningJobCodecs = {
  NewMiningJob: codec<NewMiningJob>({
    type: 'NewMiningJob',
    specName: 'NewMiningJob',
    extensionType: 0,
    msgType: 0x15,
    channelMsg: true,
    encode(w, m) {
      w.u32(m.channelId).u32(m.jobId).option(m.minNtime, writeU32).u32(m.version).u256(m.merkleRoot);
    },
    decode: (r) => ({
      type: 'NewMiningJob',
      channelId: r.u32(),
      jobId: r.u32(),
      minNtime: r.option(readU32),
      version: r.u32(),
      merkleRoot: r.u256(),
    }),
  }),
  SubmitSharesStandard: codec<SubmitSharesStandard>({
    type: 'SubmitSharesStandard',
    specName: 'SubmitSharesStandard',
    extensionType: 0,
    msgType: 0x1a,
    channelMsg: true,
    encode(w, m) {
      w.u32(m.channelId).u32(m.sequenceNumber).u32(m.jobId).u32(m.nonce).u32(m.ntime).u32(m.version);
    },
    decode: (r) => ({
      type: 'SubmitSharesStandard',
      channelId: r.u32(),
      sequenceNumber: r.u32(),
      jobId: r.u32(),
      nonce: r.u32(),
      ntime: r.u32(),
      version: r.u32(),
    }),
  }),
  SubmitSharesExtended: codec<SubmitSharesExtended>({
    type: 'SubmitSharesExtended',
    specName: 'SubmitSharesExtended',
    extensionType: 0,
    msgType: 0x1b,
    channelMsg: true,
    encode(w, m) {
      w.u32(m.channelId).u32(m.sequenceNumber).u32(m.jobId).u32(m.nonce).u32(m.ntime).u32(m.version);
      w.b0_32(m.extranonce);
    },
    decode: (r) => ({
      type: 'SubmitSharesExtended',
      channelId: r.u32(),
      sequenceNumber: r.u32(),
      jobId: r.u32(),
      nonce: r.u32(),
      ntime: r.u32(),
      version: r.u32(),
      extranonce: r.b0_32(),
    }),
  }),
  SubmitSharesSuccess: codec<SubmitSharesSuccess>({
    type: 'SubmitSharesSuccess',
    specName: 'SubmitShares.Success',
    extensionType: 0,
    msgType: 0x1c,
    channelMsg: true,
    encode(w, m) {
      w.u32(m.channelId).u32(m.lastSequenceNumber).u32(m.newSubmitsAcceptedCount).u64(m.newSharesSum);
    },
    decode: (r) => ({
      type: 'SubmitSharesSuccess',
      channelId: r.u32(),
      lastSequenceNumber: r.u32(),
      newSubmitsAcceptedCount: r.u32(),
      newSharesSum: r.u64(),
    }),
  }),
  SubmitSharesError: codec<SubmitSharesError>({
    type: 'SubmitSharesError',
    specName: 'SubmitShares.Error',
    extensionType: 0,
    msgType: 0x1d,
    channelMsg: true,
    encode(w, m) {
      w.u32(m.channelId).u32(m.sequenceNumber).str0_255(m.errorCode);
    },
    decode: (r) => ({
      type: 'SubmitSharesError',
      channelId: r.u32(),
      sequenceNumber: r.u32(),
      errorCode: r.str0_255(),
    }),
  }),
  NewExtendedMiningJob: codec<NewExtendedMiningJob>({
    type: 'NewExtendedMiningJob',
    specName: 'NewExtendedMiningJob',
    extensionType: 0,
    msgType: 0x1f,
    channelMsg: true,
    encode(w, m) {
      w.u32(m.channelId).u32(m.jobId).option(m.minNtime, writeU32).u32(m.version);
      w.bool(m.versionRollingAllowed).seq0_255(m.merklePath, writeU256);
      w.b0_64k(m.coinbaseTxPrefix).b0_64k(m.coinbaseTxSuffix);
    },
    decode: (r) => ({
      type: 'NewExtendedMiningJob',
      channelId: r.u32(),
      jobId: r.u32(),
      minNtime: r.option(readU32),
      version: r.u32(),
      versionRollingAllowed: r.bool(),
      merklePath: r.seq0_255(readU256, 32),
      coinbaseTxPrefix: r.b0_64k(),
      coinbaseTxSuffix: r.b0_64k(),
    }),
  }),
  SetNewPrevHash: codec<SetNewPrevHash>({
    type: 'SetNewPrevHash',
    specName: 'SetNewPrevHash',
    extensionType: 0,
    msgType: 0x20,
    channelMsg: true,
    encode(w, m) {
      w.u32(m.channelId).u32(m.jobId).u256(m.prevHash).u32(m.minNtime).u32(m.nbits);
    },
    decode: (r) => ({
      type: 'SetNewPrevHash',
      channelId: r.u32(),
      jobId: r.u32(),
      prevHash: r.u256(),
      minNtime: r.u32(),
      nbits: r.u32(),
    }),
  }),
  SetCustomMiningJob: codec<SetCustomMiningJob>({
    type: 'SetCustomMiningJob',
    specName: 'SetCustomMiningJob',
    extensionType: 0,
    msgType: 0x22,
    channelMsg: true,
    encode(w, m) {
      w.u32(m.channelId).u32(m.requestId).b0_255(m.miningJobToken).u32(m.version).u256(m.prevHash);
      w.u32(m.minNtime).u32(m.nbits).u32(m.coinbaseTxVersion).b0_255(m.coinbasePrefix);
      w.u32(m.coinbaseTxInputNSequence).b0_64k(m.coinbaseTxOutputs).u32(m.coinbaseTxLocktime);
      w.seq0_255(m.merklePath, writeU256);
    },
    decode: (r) => ({
      type: 'SetCustomMiningJob',
      channelId: r.u32(),
      requestId: r.u32(),
      miningJobToken: r.b0_255(),
      version: r.u32(),
      prevHash: r.u256(),
      minNtime: r.u32(),
      nbits: r.u32(),
      coinbaseTxVersion: r.u32(),
      coinbasePrefix: r.b0_255(),
      coinbaseTxInputNSequence: r.u32(),
      coinbaseTxOutputs: r.b0_64k(),
      coinbaseTxLocktime: r.u32(),
      merklePath: r.seq0_255(readU256, 32),
    }),
  }),
  SetCustomMiningJobSuccess: codec<SetCustomMiningJobSuccess>({
    type: 'SetCustomMiningJobSuccess',
    specName: 'SetCustomMiningJob.Success',
    extensionType: 0,
    msgType: 0x23,
    channelMsg: true,
    encode(w, m) {
      w.u32(m.channelId).u32(m.requestId).u32(m.jobId);
    },
    decode: (r) => ({
      type: 'SetCustomMiningJobSuccess',
      channelId: r.u32(),
      requestId: r.u32(),
      jobId: r.u32(),
    }),
  }),
  SetCustomMiningJobError: codec<SetCustomMiningJobError>({
    type: 'SetCustomMiningJobError',
    specName: 'SetCustomMiningJob.Error',
    extensionType: 0,
    msgType: 0x24,
    channelMsg: true,
    encode(w, m) {
      w.u32(m.channelId).u32(m.requestId).str0_255(m.errorCode);
    },
    decode: (r) => ({
      type: 'SetCustomMiningJobError',
      channelId: r.u32(),
      requestId: r.u32(),
      errorCode: r.str0_255(),
    }),
  }),
};
