/**
 * Extension 0x4CCB "CKB mining" (docs/protocol.md §3 "The CKB extension 0x4CCB"): the two messages a CKB header
 * needs that the Bitcoin job messages cannot express. Both are channel messages, so the
 * header's extension_type word is 0x4CCB | 0x8000 = 0xCCCB (bytes `cb cc`).
 */
import { codec, type Sv2MessageBase } from './codec.js';
import { EXTENSION_CKB } from './constants.js';

export interface NewCkbJob extends Sv2MessageBase {
  type: 'NewCkbJob';
  /** A channel, or a group channel (then the job applies to every member). */
  channelId: number;
  /** Unique among the channel's valid jobs; increasing. */
  jobId: number;
  /** True when the parent changed: every earlier job of the channel is stale. */
  cleanJobs: boolean;
  /** Block number being mined. */
  height: bigint;
  /** ckbhash(RawHeader): the 32 bytes exactly as they enter Eaglesong. */
  powHash: Uint8Array;
  /** Header parent_hash, bytes as in the header. */
  parentHash: Uint8Array;
  /** Network compact target (informational; shares are judged against the channel target). */
  compactTarget: number;
}

export interface SubmitSharesCkb extends Sv2MessageBase {
  type: 'SubmitSharesCkb';
  /** The channel the job was sent on (never a group id). */
  channelId: number;
  /** Increasing per channel. */
  sequenceNumber: number;
  jobId: number;
  /** The nonce bytes after the channel's extranonce_prefix; prefix ‖ suffix = 16 bytes. */
  nonceSuffix: Uint8Array;
}

export type CkbMessage = NewCkbJob | SubmitSharesCkb;

export const CKB_MSG_NEW_CKB_JOB = 0x01;
export const CKB_MSG_SUBMIT_SHARES_CKB = 0x02;

export const ckbCodecs = {
  NewCkbJob: codec<NewCkbJob>({
    type: 'NewCkbJob',
    specName: 'NewCkbJob',
    extensionType: EXTENSION_CKB,
    msgType: CKB_MSG_NEW_CKB_JOB,
    channelMsg: true,
    encode(w, m) {
      w.u32(m.channelId).u32(m.jobId).bool(m.cleanJobs).u64(m.height);
      w.u256(m.powHash).u256(m.parentHash).u32(m.compactTarget);
    },
    decode: (r) => ({
      type: 'NewCkbJob',
      channelId: r.u32(),
      jobId: r.u32(),
      cleanJobs: r.bool(),
      height: r.u64(),
      powHash: r.u256(),
      parentHash: r.u256(),
      compactTarget: r.u32(),
    }),
  }),
  SubmitSharesCkb: codec<SubmitSharesCkb>({
    type: 'SubmitSharesCkb',
    specName: 'SubmitSharesCkb',
    extensionType: EXTENSION_CKB,
    msgType: CKB_MSG_SUBMIT_SHARES_CKB,
    channelMsg: true,
    encode(w, m) {
      w.u32(m.channelId).u32(m.sequenceNumber).u32(m.jobId).b0_32(m.nonceSuffix);
    },
    decode: (r) => ({
      type: 'SubmitSharesCkb',
      channelId: r.u32(),
      sequenceNumber: r.u32(),
      jobId: r.u32(),
      nonceSuffix: r.b0_32(),
    }),
  }),
};
