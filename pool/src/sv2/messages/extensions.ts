/**
 * Extension 0x0001 "Extensions Negotiation" (sv2-spec extensions/0x0001): sent right after
 * SetupConnection.Success. Not channel messages; extension_type 0x0001 on the wire.
 */
import { codec, readU16, type Sv2MessageBase, writeU16 } from './codec.js';
import { EXTENSION_NEGOTIATION } from './constants.js';

export interface RequestExtensions extends Sv2MessageBase {
  type: 'RequestExtensions';
  requestId: number;
  requestedExtensions: number[];
}

export interface RequestExtensionsSuccess extends Sv2MessageBase {
  type: 'RequestExtensionsSuccess';
  requestId: number;
  supportedExtensions: number[];
}

export interface RequestExtensionsError extends Sv2MessageBase {
  type: 'RequestExtensionsError';
  requestId: number;
  unsupportedExtensions: number[];
  /** Extensions the server requires that the client did not request. */
  requiredExtensions: number[];
}

export type ExtensionsMessage = RequestExtensions | RequestExtensionsSuccess | RequestExtensionsError;

export const extensionsCodecs = {
  RequestExtensions: codec<RequestExtensions>({
    type: 'RequestExtensions',
    specName: 'RequestExtensions',
    extensionType: EXTENSION_NEGOTIATION,
    msgType: 0x00,
    channelMsg: false,
    encode(w, m) {
      w.u16(m.requestId).seq0_64k(m.requestedExtensions, writeU16);
    },
    decode: (r) => ({
      type: 'RequestExtensions',
      requestId: r.u16(),
      requestedExtensions: r.seq0_64k(readU16, 2),
    }),
  }),
  RequestExtensionsSuccess: codec<RequestExtensionsSuccess>({
    type: 'RequestExtensionsSuccess',
    specName: 'RequestExtensions.Success',
    extensionType: EXTENSION_NEGOTIATION,
    msgType: 0x01,
    channelMsg: false,
    encode(w, m) {
      w.u16(m.requestId).seq0_64k(m.supportedExtensions, writeU16);
    },
    decode: (r) => ({
      type: 'RequestExtensionsSuccess',
      requestId: r.u16(),
      supportedExtensions: r.seq0_64k(readU16, 2),
    }),
  }),
  RequestExtensionsError: codec<RequestExtensionsError>({
    type: 'RequestExtensionsError',
    specName: 'RequestExtensions.Error',
    extensionType: EXTENSION_NEGOTIATION,
    msgType: 0x02,
    channelMsg: false,
    encode(w, m) {
      w.u16(m.requestId).seq0_64k(m.unsupportedExtensions, writeU16).seq0_64k(m.requiredExtensions, writeU16);
    },
    decode: (r) => ({
      type: 'RequestExtensionsError',
      requestId: r.u16(),
      unsupportedExtensions: r.seq0_64k(readU16, 2),
      requiredExtensions: r.seq0_64k(readU16, 2),
    }),
  }),
};
