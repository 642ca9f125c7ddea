/** Common protocol messages (spec 3.6; extension_type 0, msg_type 0x00–0x04). */
import { codec, type Sv2MessageBase } from './codec.js';

export interface SetupConnection extends Sv2MessageBase {
  type: 'SetupConnection';
  /** 0 mining, 1 job declaration, 2 template distribution. */
  protocol: number;
  minVersion: number;
  maxVersion: number;
  flags: number;
  endpointHost: string;
  endpointPort: number;
  vendor: string;
  hardwareVersion: string;
  firmware: string;
  deviceId: string;
}

export interface SetupConnectionSuccess extends Sv2MessageBase {
  type: 'SetupConnectionSuccess';
  usedVersion: number;
  flags: number;
}

export interface SetupConnectionError extends Sv2MessageBase {
  type: 'SetupConnectionError';
  /** The flags the server does not support (0 when the error has another cause). */
  flags: number;
  errorCode: string;
}

export interface ChannelEndpointChanged extends Sv2MessageBase {
  type: 'ChannelEndpointChanged';
  channelId: number;
}

export interface Reconnect extends Sv2MessageBase {
  type: 'Reconnect';
  /** Empty = same host. */
  newHost: string;
  /** 0 = same port. */
  newPort: number;
}

export type CommonMessage =
  | SetupConnection
  | SetupConnectionSuccess
  | SetupConnectionError
  | ChannelEndpointChanged
  | Reconnect;

export const commonCodecs = {
  SetupConnection: codec<SetupConnection>({
    type: 'SetupConnection',
    specName: 'SetupConnection',
    extensionType: 0,
    msgType: 0x00,
    channelMsg: false,
    encode(w, m) {
      w.u8(m.protocol).u16(m.minVersion).u16(m.maxVersion).u32(m.flags);
      w.str0_255(m.endpointHost).u16(m.endpointPort);
      w.str0_255(m.vendor).str0_255(m.hardwareVersion).str0_255(m.firmware).str0_255(m.deviceId);
    },
    decode: (r) => ({
      type: 'SetupConnection',
      protocol: r.u8(),
      minVersion: r.u16(),
      maxVersion: r.u16(),
      flags: r.u32(),
      endpointHost: r.str0_255(),
      endpointPort: r.u16(),
      vendor: r.str0_255(),
      hardwareVersion: r.str0_255(),
      firmware: r.str0_255(),
      deviceId: r.str0_255(),
    }),
  }),
  SetupConnectionSuccess: codec<SetupConnectionSuccess>({
    type: 'SetupConnectionSuccess',
    specName: 'SetupConnection.Success',
    extensionType: 0,
    msgType: 0x01,
    channelMsg: false,
    encode(w, m) {
      w.u16(m.usedVersion).u32(m.flags);
    },
    decode: (r) => ({ type: 'SetupConnectionSuccess', usedVersion: r.u16(), flags: r.u32() }),
  }),
  SetupConnectionError: codec<SetupConnectionError>({
    type: 'SetupConnectionError',
    specName: 'SetupConnection.Error',
    extensionType: 0,
    msgType: 0x02,
    channelMsg: false,
    encode(w, m) {
      w.u32(m.flags).str0_255(m.errorCode);
    },
    decode: (r) => ({ type: 'SetupConnectionError', flags: r.u32(), errorCode: r.str0_255() }),
  }),
  ChannelEndpointChanged: codec<ChannelEndpointChanged>({
    type: 'ChannelEndpointChanged',
    specName: 'ChannelEndpointChanged',
    extensionType: 0,
    msgType: 0x03,
    channelMsg: true,
    encode(w, m) {
      w.u32(m.channelId);
    },
    decode: (r) => ({ type: 'ChannelEndpointChanged', channelId: r.u32() }),
  }),
  Reconnect: codec<Reconnect>({
    type: 'Reconnect',
    specName: 'Reconnect',
    extensionType: 0,
    msgType: 0x04,
    channelMsg: false,
    encode(w, m) {
      w.str0_255(m.newHost).u16(m.newPort);
    },
    decode: (r) => ({ type: 'Reconnect', newHost: r.str0_255(), newPort: r.u16() }),
  }),
};
