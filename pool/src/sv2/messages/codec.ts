/**
 * What every message codec provides: its wire identity (extension, msg_type, channel bit) and
 * a field-by-field encoder/decoder over the binary layer. The field order in each codec is the
 * wire order; nothing else (names, camelCase) appears on the wire.
 */
import type { Reader, Writer } from '../binary.js';

export interface Sv2MessageBase {
  type: string;
  /**
   * Bytes after the last defined field, kept undecoded: TLV fields of negotiated extensions
   * (spec 3.4.2). Present only when non-empty; encoders append it verbatim.
   */
  tlv?: Uint8Array;
}

export interface MessageCodec<M extends Sv2MessageBase> {
  readonly type: M['type'];
  /** Name as the spec writes it, e.g. 'SetupConnection.Success' (logs and docs). */
  readonly specName: string;
  /** 15-bit extension id: 0 for core messages. */
  readonly extensionType: number;
  readonly msgType: number;
  readonly channelMsg: boolean;
  encode(w: Writer, m: M): void;
  /** Reads the defined fields; trailing bytes are left for the caller (TLVs). */
  decode(r: Reader): M;
}

/** Identity helper so each codec object is checked against its message interface. */
export function codec<M extends Sv2MessageBase>(def: MessageCodec<M>): MessageCodec<M> {
  return def;
}

/** Element helpers for sequences of fixed-size types. */
export const writeU16 = (w: Writer, v: number): void => {
  w.u16(v);
};
export const readU16 = (r: Reader): number => r.u16();
export const writeU32 = (w: Writer, v: number): void => {
  w.u32(v);
};
export const readU32 = (r: Reader): number => r.u32();
export const writeU256 = (w: Writer, v: Uint8Array): void => {
  w.u256(v);
};
export const readU256 = (r: Reader): Uint8Array => r.u256();
