/**
 * The SV2 message layer: one discriminated union `Sv2Message` over every message of the
 * profile, and encode/decode between it and frames. Lookup follows SRI: an extension message
 * is found by (extension id, msg_type); a core message by msg_type alone (core numbers are
 * unique across sub-protocols); the channel bit is ignored on receive and always written
 * from the table on send. Unknown messages decode to `Unknown` (a proxy forwards them).
 */
import { copyBytes, Reader, Sv2DecodeError, Sv2EncodeError, Writer } from '../binary.js';
import {
  decodeFrame,
  encodeFrame,
  FRAME_HEADER_SIZE,
  type Frame,
  MAX_FRAME_PAYLOAD,
  writeHeaderFields,
} from '../frame.js';
import { type CkbMessage, ckbCodecs } from './ckb.js';
import { type CkbJobDeclarationMessage, ckbJobDeclarationCodecs } from './ckb-jd.js';
import { type CkbWorkerMessage, ckbWorkerCodecs } from './ckb-workers.js';
import type { MessageCodec, Sv2MessageBase } from './codec.js';
import { type CommonMessage, commonCodecs } from './common.js';
import { type ExtensionsMessage, extensionsCodecs } from './extensions.js';
import { type JobDeclarationMessage, jobDeclarationCodecs } from './job-declaration.js';
import { type MiningChannelMessage, miningChannelCodecs } from './mining-channels.js';
import { type MiningJobMessage, miningJobCodecs } from './mining-jobs.js';
import { type TemplateDistributionMessage, templateDistributionCodecs } from './template-distribution.js';

export type * from './ckb.js';
export type * from './ckb-jd.js';
export * from './ckb-workers.js';
export type { MessageCodec, Sv2MessageBase } from './codec.js';
export type * from './common.js';
export * from './constants.js';
export type * from './extensions.js';
export type * from './job-declaration.js';
export type * from './mining-channels.js';
export type * from './mining-jobs.js';
export type * from './template-distribution.js';
export * from './tlv.js';

/** A frame whose (extension, msg_type) we do not know: kept whole so it can be forwarded. */
export interface UnknownMessage {
  type: 'Unknown';
  extensionType: number;
  channelMsg: boolean;
  msgType: number;
  payload: Uint8Array;
}

export type KnownMessage =
  | CommonMessage
  | ExtensionsMessage
  | MiningChannelMessage
  | MiningJobMessage
  | CkbMessage
  | JobDeclarationMessage
  | CkbJobDeclarationMessage
  | CkbWorkerMessage
  | TemplateDistributionMessage;

export type Sv2Message = KnownMessage | UnknownMessage;
export type Sv2MessageType = KnownMessage['type'];
export type MessageOf<T extends Sv2MessageType> = Extract<KnownMessage, { type: T }>;

type CodecTable = { [T in Sv2MessageType]: MessageCodec<MessageOf<T>> };

/** Every codec, keyed by message type (the compiler checks the table is complete). */
export const CODECS: CodecTable = {
  ...commonCodecs,
  ...extensionsCodecs,
  ...miningChannelCodecs,
  ...miningJobCodecs,
  ...ckbCodecs,
  ...jobDeclarationCodecs,
  ...ckbJobDeclarationCodecs,
  ...ckbWorkerCodecs,
  ...templateDistributionCodecs,
};

const lookupKey = (extensionType: number, msgType: number): number => extensionType * 256 + msgType;
const BY_WIRE_ID = new Map<number, MessageCodec<Sv2MessageBase>>();
for (const c of Object.values(CODECS) as MessageCodec<Sv2MessageBase>[]) {
  const key = lookupKey(c.extensionType, c.msgType);
  if (BY_WIRE_ID.has(key)) throw new Error(`duplicate SV2 message id for ${c.type}`);
  BY_WIRE_ID.set(key, c);
}

/** The codec for an (extension id, msg_type) pair, if the profile defines one. */
function codecFor(extensionType: number, msgType: number): MessageCodec<Sv2MessageBase> | undefined {
  return BY_WIRE_ID.get(lookupKey(extensionType & 0x7fff, msgType));
}

/** Wire identity of a message type. */
export function messageInfo(type: Sv2MessageType): {
  specName: string;
  extensionType: number;
  msgType: number;
  channelMsg: boolean;
} {
  const { specName, extensionType, msgType, channelMsg } = CODECS[type] as MessageCodec<Sv2MessageBase>;
  return { specName, extensionType, msgType, channelMsg };
}

/** Writes the fields and any TLV tail; returns the codec (for the frame header). */
function writeBody(w: Writer, msg: KnownMessage): MessageCodec<Sv2MessageBase> {
  const c = CODECS[msg.type] as MessageCodec<Sv2MessageBase> | undefined;
  if (!c) throw new TypeError(`not an SV2 message type: ${String((msg as { type: unknown }).type)}`);
  c.encode(w, msg);
  if (msg.tlv && msg.tlv.length > 0) w.raw(msg.tlv);
  return c;
}

// Encoding is synchronous and never re-entrant, so one buffer serves every call; `finish`
// copies the bytes out. Saves an allocation per message on the share hot path.
const SCRATCH = new Writer(256);
const scratch = (): Writer => SCRATCH.reset();

/** The payload bytes of a message (no frame header); a copy of an Unknown message's payload. */
export function encodePayload(msg: Sv2Message): Uint8Array {
  if (msg.type === 'Unknown') return copyBytes(msg.payload);
  const w = scratch();
  writeBody(w, msg);
  return w.finish();
}

/** A whole plaintext frame: 6-byte header + payload. */
export function encodeMessage(msg: Sv2Message): Uint8Array {
  if (msg.type === 'Unknown') return encodeFrame(msg);
  const w = scratch();
  w.raw(PLACEHOLDER_HEADER);
  const c = writeBody(w, msg);
  const out = w.finish();
  const payloadLength = out.length - FRAME_HEADER_SIZE;
  if (payloadLength > MAX_FRAME_PAYLOAD) {
    throw new Sv2EncodeError(`${msg.type} payload of ${payloadLength} bytes does not fit a frame`);
  }
  writeHeaderFields(out, 0, c.extensionType, c.channelMsg, c.msgType, payloadLength);
  return out;
}
const PLACEHOLDER_HEADER = new Uint8Array(FRAME_HEADER_SIZE);

/**
 * Decodes a payload received with the given header identity. Trailing bytes after the last
 * defined field are kept in `tlv`. Malformed payloads of known messages throw
 * `Sv2DecodeError` (the message name is in the text); unknown ids return `Unknown`.
 */
export function decodePayload(
  id: { extensionType: number; channelMsg: boolean; msgType: number },
  payload: Uint8Array,
): Sv2Message {
  const c = codecFor(id.extensionType, id.msgType);
  if (!c) {
    return {
      type: 'Unknown',
      extensionType: id.extensionType & 0x7fff,
      channelMsg: id.channelMsg,
      msgType: id.msgType,
      payload: copyBytes(payload),
    };
  }
  const r = new Reader(payload);
  let msg: Sv2MessageBase;
  try {
    msg = c.decode(r);
  } catch (e) {
    if (e instanceof Sv2DecodeError)
      throw new Sv2DecodeError(e.code, `${c.specName}: ${e.message}`, e.offset);
    throw e;
  }
  if (r.remaining > 0) msg.tlv = r.rest();
  return msg as KnownMessage;
}

/** Decodes a frame from the FrameDecoder, or a buffer holding exactly one whole frame. */
export function decodeMessage(frame: Frame | Uint8Array): Sv2Message {
  const f = frame instanceof Uint8Array ? decodeFrame(frame) : frame;
  return decodePayload(f, f.payload);
}
