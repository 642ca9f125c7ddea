/**
 * Mining protocol (spec 5.3), channel management: opening, updating, closing channels, targets,
 * extranonce prefixes and groups. extension_type 0. In this profile `nominalHashRate` is
 * Eaglesong hashes per second and targets are U256 little-endian integers (raw 32 bytes).
 */
import { codec, readU32, type Sv2MessageBase, writeU32 } from './codec.js';

export interface OpenStandardMiningChannel extends Sv2MessageBase {
  type: 'OpenStandardMiningChannel';
  requestId: number;
  userIdentity: string;
  /** F32, hashes per second. */
  nominalHashRate: number;
  maxTarget: Uint8Array;
}

export interface OpenStandardMiningChannelSuccess extends Sv2MessageBase {
  type: 'OpenStandardMiningChannelSuccess';
  requestId: number;
  channelId: number;
  target: Uint8Array;
  extranoncePrefix: Uint8Array;
  groupChannelId: number;
}

export interface OpenMiningChannelError extends Sv2MessageBase {
  type: 'OpenMiningChannelError';
  requestId: number;
  errorCode: string;
}

export interface OpenExtendedMiningChannel extends Sv2MessageBase {
  type: 'OpenExtendedMiningChannel';
  requestId: number;
  userIdentity: string;
  nominalHashRate: number;
  maxTarget: Uint8Array;
  minExtranonceSize: number;
}

export interface OpenExtendedMiningChannelSuccess extends Sv2MessageBase {
  type: 'OpenExtendedMiningChannelSuccess';
  requestId: number;
  channelId: number;
  target: Uint8Array;
  extranonceSize: number;
  extranoncePrefix: Uint8Array;
  groupChannelId: number;
}

export interface UpdateChannel extends Sv2MessageBase {
  type: 'UpdateChannel';
  channelId: number;
  nominalHashRate: number;
  maximumTarget: Uint8Array;
}

export interface UpdateChannelError extends Sv2MessageBase {
  type: 'UpdateChannelError';
  channelId: number;
  errorCode: string;
}

export interface CloseChannel extends Sv2MessageBase {
  type: 'CloseChannel';
  channelId: number;
  reasonCode: string;
}

export interface SetExtranoncePrefix extends Sv2MessageBase {
  type: 'SetExtranoncePrefix';
  channelId: number;
  extranoncePrefix: Uint8Array;
}

export interface SetTarget extends Sv2MessageBase {
  type: 'SetTarget';
  channelId: number;
  maximumTarget: Uint8Array;
}

export interface SetGroupChannel extends Sv2MessageBase {
  type: 'SetGroupChannel';
  groupChannelId: number;
  channelIds: number[];
}

export type MiningChannelMessage =
  | OpenStandardMiningChannel
  | OpenStandardMiningChannelSuccess
  | OpenMiningChannelError
  | OpenExtendedMiningChannel
  | OpenExtendedMiningChannelSuccess
  | UpdateChannel
  | UpdateChannelError
  | CloseChannel
  | SetExtranoncePrefix
  | SetTarget
  | SetGroupChannel;

export const miningChannelCodecs = {
  OpenStandardMiningChannel: codec<OpenStandardMiningChannel>({
    type: 'OpenStandardMiningChannel',
    specName: 'OpenStandardMiningChannel',
    extensionType: 0,
    msgType: 0x10,
    channelMsg: false,
    encode(w, m) {
      w.u32(m.requestId).str0_255(m.userIdentity).f32(m.nominalHashRate).u256(m.maxTarget);
    },
    decode: (r) => ({
      type: 'OpenStandardMiningChannel',
      requestId: r.u32(),
      userIdentity: r.str0_255(),
      nominalHashRate: r.f32(),
      maxTarget: r.u256(),
    }),
  }),
  OpenStandardMiningChannelSuccess: codec<OpenStandardMiningChannelSuccess>({
    type: 'OpenStandardMiningChannelSuccess',
    specName: 'OpenStandardMiningChannel.Success',
    extensionType: 0,
    msgType: 0x11,
    channelMsg: false,
    encode(w, m) {
      w.u32(m.requestId).u32(m.channelId).u256(m.target).b0_32(m.extranoncePrefix).u32(m.groupChannelId);
    },
    decode: (r) => ({
      type: 'OpenStandardMiningChannelSuccess',
      requestId: r.u32(),
      channelId: r.u32(),
      target: r.u256(),
      extranoncePrefix: r.b0_32(),
      groupChannelId: r.u32(),
    }),
  }),
  OpenMiningChannelError: codec<OpenMiningChannelError>({
    type: 'OpenMiningChannelError',
    specName: 'OpenMiningChannel.Error',
    extensionType: 0,
    msgType: 0x12,
    channelMsg: false,
    encode(w, m) {
      w.u32(m.requestId).str0_255(m.errorCode);
    },
    decode: (r) => ({ type: 'OpenMiningChannelError', requestId: r.u32(), errorCode: r.str0_255() }),
  }),
  OpenExtendedMiningChannel: codec<OpenExtendedMiningChannel>({
    type: 'OpenExtendedMiningChannel',
    specName: 'OpenExtendedMiningChannel',
    extensionType: 0,
    msgType: 0x13,
    channelMsg: false,
    encode(w, m) {
      w.u32(m.requestId).str0_255(m.userIdentity).f32(m.nominalHashRate).u256(m.maxTarget);
      w.u16(m.minExtranonceSize);
    },
    decode: (r) => ({
      type: 'OpenExtendedMiningChannel',
      requestId: r.u32(),
      userIdentity: r.str0_255(),
      nominalHashRate: r.f32(),
      maxTarget: r.u256(),
      minExtranonceSize: r.u16(),
    }),
  }),
  OpenExtendedMiningChannelSuccess: codec<OpenExtendedMiningChannelSuccess>({
    type: 'OpenExtendedMiningChannelSuccess',
    specName: 'OpenExtendedMiningChannel.Success',
    extensionType: 0,
    msgType: 0x14,
    channelMsg: false,
    encode(w, m) {
      w.u32(m.requestId).u32(m.channelId).u256(m.target).u16(m.extranonceSize);
      w.b0_32(m.extranoncePrefix).u32(m.groupChannelId);
    },
    decode: (r) => ({
      type: 'OpenExtendedMiningChannelSuccess',
      requestId: r.u32(),
      channelId: r.u32(),
      target: r.u256(),
      extranonceSize: r.u16(),
      extranoncePrefix: r.b0_32(),
      groupChannelId: r.u32(),
    }),
  }),
  UpdateChannel: codec<UpdateChannel>({
    type: 'UpdateChannel',
    specName: 'UpdateChannel',
    extensionType: 0,
    msgType: 0x16,
    channelMsg: true,
    encode(w, m) {
      w.u32(m.channelId).f32(m.nominalHashRate).u256(m.maximumTarget);
    },
    decode: (r) => ({
      type: 'UpdateChannel',
      channelId: r.u32(),
      nominalHashRate: r.f32(),
      maximumTarget: r.u256(),
    }),
  }),
  UpdateChannelError: codec<UpdateChannelError>({
    type: 'UpdateChannelError',
    specName: 'UpdateChannel.Error',
    extensionType: 0,
    msgType: 0x17,
    channelMsg: true,
    encode(w, m) {
      w.u32(m.channelId).str0_255(m.errorCode);
    },
    decode: (r) => ({ type: 'UpdateChannelError', channelId: r.u32(), errorCode: r.str0_255() }),
  }),
  CloseChannel: codec<CloseChannel>({
    type: 'CloseChannel',
    specName: 'CloseChannel',
    extensionType: 0,
    msgType: 0x18,
    channelMsg: true,
    encode(w, m) {
      w.u32(m.channelId).str0_255(m.reasonCode);
    },
    decode: (r) => ({ type: 'CloseChannel', channelId: r.u32(), reasonCode: r.str0_255() }),
  }),
  SetExtranoncePrefix: codec<SetExtranoncePrefix>({
    type: 'SetExtranoncePrefix',
    specName: 'SetExtranoncePrefix',
    extensionType: 0,
    msgType: 0x19,
    channelMsg: true,
    encode(w, m) {
      w.u32(m.channelId).b0_32(m.extranoncePrefix);
    },
    decode: (r) => ({ type: 'SetExtranoncePrefix', channelId: r.u32(), extranoncePrefix: r.b0_32() }),
  }),
  SetTarget: codec<SetTarget>({
    type: 'SetTarget',
    specName: 'SetTarget',
    extensionType: 0,
    msgType: 0x21,
    channelMsg: true,
    encode(w, m) {
      w.u32(m.channelId).u256(m.maximumTarget);
    },
    decode: (r) => ({ type: 'SetTarget', channelId: r.u32(), maximumTarget: r.u256() }),
  }),
  // Not a channel message: it addresses a group, and its first field is not a channel_id.
  SetGroupChannel: codec<SetGroupChannel>({
    type: 'SetGroupChannel',
    specName: 'SetGroupChannel',
    extensionType: 0,
    msgType: 0x25,
    channelMsg: false,
    encode(w, m) {
      w.u32(m.groupChannelId).seq0_64k(m.channelIds, writeU32);
    },
    decode: (r) => ({ type: 'SetGroupChannel', groupChannelId: r.u32(), channelIds: r.seq0_64k(readU32, 4) }),
  }),
};
