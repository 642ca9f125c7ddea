/**
 * SV2 plaintext framing: a 6-byte header `extension_type U16 LE (bit 15 = channel_msg) |
 * msg_type U8 | msg_length U24 LE` followed by `msg_length` payload bytes. The Noise layer
 * encrypts header and payload separately, so it reuses `parseFrameHeader` on the decrypted
 * 6 bytes and `checkPayloadLength` before reading the payload ciphertext.
 */
import { copyBytes, Sv2DecodeError, Sv2EncodeError, U24_MAX } from './binary.js';

export const FRAME_HEADER_SIZE = 6;
/** Bit 15 of the LE `extension_type` word: the top bit of the header's second byte. */
export const CHANNEL_MSG_BIT = 0x8000;
/** Largest payload the U24 length can express. */
export const MAX_FRAME_PAYLOAD = U24_MAX;
/**
 * Default limit for payloads we accept: every Common, Mining and CKB message is far below
 * 64 KiB (the largest, NewExtendedMiningJob, is bounded by its coinbase parts, which CKB does
 * not use). Template/Job Declaration peers that need more pass their own limit.
 */
export const DEFAULT_MAX_PAYLOAD = 0xffff;

export interface FrameHeader {
  /** The 15-bit extension id (0 = core protocols); the channel bit is reported separately. */
  extensionType: number;
  channelMsg: boolean;
  msgType: number;
  /** Payload length in bytes (always the plaintext length, also under Noise). */
  msgLength: number;
}

export interface Frame {
  extensionType: number;
  channelMsg: boolean;
  msgType: number;
  payload: Uint8Array;
}

/** Decodes a 6-byte header found at `bytes[offset]`. Throws `Sv2DecodeError` if short. */
export function parseFrameHeader(bytes: Uint8Array, offset = 0): FrameHeader {
  if (bytes.length - offset < FRAME_HEADER_SIZE) {
    throw new Sv2DecodeError(
      'truncated',
      `frame header needs ${FRAME_HEADER_SIZE} bytes, got ${Math.max(0, bytes.length - offset)}`,
      offset,
    );
  }
  const ext = bytes[offset] | (bytes[offset + 1] << 8);
  return {
    extensionType: ext & 0x7fff,
    channelMsg: (ext & CHANNEL_MSG_BIT) !== 0,
    msgType: bytes[offset + 2],
    msgLength: bytes[offset + 3] | (bytes[offset + 4] << 8) | (bytes[offset + 5] << 16),
  };
}

/** Throws `Sv2DecodeError('length-limit')` when a header announces more than `maxPayload`. */
export function checkPayloadLength(header: FrameHeader, maxPayload: number): void {
  if (header.msgLength > maxPayload) {
    throw new Sv2DecodeError(
      'length-limit',
      `frame (extension 0x${header.extensionType.toString(16)}, msg_type 0x${header.msgType.toString(16)}) ` +
        `announces a ${header.msgLength}-byte payload, limit ${maxPayload}`,
    );
  }
}

/** Writes a 6-byte header into `out[offset..offset+6)`. */
export function writeFrameHeader(header: FrameHeader, out: Uint8Array, offset = 0): void {
  writeHeaderFields(out, offset, header.extensionType, header.channelMsg, header.msgType, header.msgLength);
}

/** `writeFrameHeader` without the header object (the message encoder's hot path). */
export function writeHeaderFields(
  out: Uint8Array,
  offset: number,
  extensionType: number,
  channelMsg: boolean,
  msgType: number,
  msgLength: number,
): void {
  if (!(extensionType >= 0 && extensionType <= 0x7fff && Number.isInteger(extensionType))) {
    throw new Sv2EncodeError(
      `extension_type must be in 0..0x7fff (channel bit separate), got ${extensionType}`,
    );
  }
  if (!(msgType >= 0 && msgType <= 0xff && Number.isInteger(msgType))) {
    throw new Sv2EncodeError(`msg_type must be a U8, got ${msgType}`);
  }
  if (!(msgLength >= 0 && msgLength <= MAX_FRAME_PAYLOAD && Number.isInteger(msgLength))) {
    throw new Sv2EncodeError(`msg_length must be a U24, got ${msgLength}`);
  }
  const ext = extensionType | (channelMsg ? CHANNEL_MSG_BIT : 0);
  out[offset] = ext & 0xff;
  out[offset + 1] = ext >>> 8;
  out[offset + 2] = msgType;
  out[offset + 3] = msgLength & 0xff;
  out[offset + 4] = (msgLength >>> 8) & 0xff;
  out[offset + 5] = msgLength >>> 16;
}

export function encodeFrameHeader(header: FrameHeader): Uint8Array {
  const out = new Uint8Array(FRAME_HEADER_SIZE);
  writeFrameHeader(header, out);
  return out;
}

/** Header + payload as one buffer. */
export function encodeFrame(frame: Frame): Uint8Array {
  const out = new Uint8Array(FRAME_HEADER_SIZE + frame.payload.length);
  writeFrameHeader({ ...frame, msgLength: frame.payload.length }, out);
  out.set(frame.payload, FRAME_HEADER_SIZE);
  return out;
}

/**
 * Parses exactly one frame from a buffer holding nothing else (a whole frame from a datagram,
 * a test vector, a decrypted Noise frame). Length mismatches are errors.
 */
export function decodeFrame(bytes: Uint8Array, maxPayload = MAX_FRAME_PAYLOAD): Frame {
  const h = parseFrameHeader(bytes);
  checkPayloadLength(h, maxPayload);
  const have = bytes.length - FRAME_HEADER_SIZE;
  if (have !== h.msgLength) {
    throw new Sv2DecodeError(
      have < h.msgLength ? 'truncated' : 'length-limit',
      `frame announces ${h.msgLength} payload bytes but ${have} follow the header`,
    );
  }
  return {
    extensionType: h.extensionType,
    channelMsg: h.channelMsg,
    msgType: h.msgType,
    payload: copyBytes(bytes, FRAME_HEADER_SIZE),
  };
}

export interface FrameDecoderOptions {
  /** Largest payload accepted; a bigger announced length fails before any of it is buffered. */
  maxPayload?: number;
}

/**
 * Streaming decoder for a plaintext SV2 byte stream (TCP chunks in, whole frames out). Handles
 * frames split across chunks and several frames in one chunk. The payload buffer of the frame
 * in progress grows by doubling from 256 bytes and is capped at the announced length, so it
 * stays within twice the bytes actually received: a peer announcing a large length and
 * trickling bytes cannot make us allocate it.
 * After an error the stream is out of sync: the decoder stays failed and rethrows, and frames
 * completed earlier in the same chunk are dropped with it (the connection must close anyway).
 */
export class FrameDecoder {
  readonly maxPayload: number;
  private readonly headerBuf = new Uint8Array(FRAME_HEADER_SIZE);
  private headerFill = 0;
  private header: FrameHeader | null = null;
  private payloadBuf: Uint8Array | null = null;
  private payloadFill = 0;
  private failure: Sv2DecodeError | null = null;

  constructor(options: FrameDecoderOptions = {}) {
    const max = options.maxPayload ?? DEFAULT_MAX_PAYLOAD;
    if (!Number.isInteger(max) || max < 0 || max > MAX_FRAME_PAYLOAD) {
      throw new RangeError(`maxPayload must be an integer in 0..${MAX_FRAME_PAYLOAD}, got ${max}`);
    }
    this.maxPayload = max;
  }

  /** Bytes received that do not yet form a whole frame. */
  get bufferedBytes(): number {
    return this.header ? FRAME_HEADER_SIZE + this.payloadFill : this.headerFill;
  }

  /** Feeds bytes; returns the frames they complete (possibly none). Throws `Sv2DecodeError`. */
  push(chunk: Uint8Array): Frame[] {
    if (this.failure) throw this.failure;
    const frames: Frame[] = [];
    let pos = 0;
    // A zero-length frame completes in the same iteration that parses its header.
    while (pos < chunk.length) {
      if (!this.header) {
        let header: FrameHeader;
        if (this.headerFill === 0 && chunk.length - pos >= FRAME_HEADER_SIZE) {
          header = parseFrameHeader(chunk, pos);
          pos += FRAME_HEADER_SIZE;
        } else {
          while (this.headerFill < FRAME_HEADER_SIZE && pos < chunk.length) {
            this.headerBuf[this.headerFill++] = chunk[pos++];
          }
          if (this.headerFill < FRAME_HEADER_SIZE) break;
          header = parseFrameHeader(this.headerBuf);
          this.headerFill = 0;
        }
        if (header.msgLength > this.maxPayload) {
          try {
            checkPayloadLength(header, this.maxPayload);
          } catch (e) {
            this.failure = e as Sv2DecodeError;
            throw e;
          }
        }
        // Fast path: the whole payload is in this chunk and nothing is pending.
        if (chunk.length - pos >= header.msgLength) {
          frames.push({
            extensionType: header.extensionType,
            channelMsg: header.channelMsg,
            msgType: header.msgType,
            payload: copyBytes(chunk, pos, pos + header.msgLength),
          });
          pos += header.msgLength;
          continue;
        }
        this.header = header;
        this.payloadFill = 0;
      }
      const h = this.header;
      const take = Math.min(h.msgLength - this.payloadFill, chunk.length - pos);
      if (take > 0) {
        this.appendPayload(chunk, pos, pos + take, h.msgLength);
        pos += take;
      }
      if (this.payloadFill < h.msgLength) break;
      frames.push({
        extensionType: h.extensionType,
        channelMsg: h.channelMsg,
        msgType: h.msgType,
        payload: this.takePayload(),
      });
      this.header = null;
    }
    return frames;
  }

  /** Appends payload bytes, growing the buffer geometrically but never past the frame's length. */
  private appendPayload(chunk: Uint8Array, start: number, end: number, msgLength: number): void {
    const need = this.payloadFill + (end - start);
    if (!this.payloadBuf || this.payloadBuf.length < need) {
      const cap = Math.min(msgLength, Math.max(need, 2 * (this.payloadBuf?.length ?? 0), 256));
      const next = new Uint8Array(cap);
      if (this.payloadBuf) next.set(this.payloadBuf.subarray(0, this.payloadFill));
      this.payloadBuf = next;
    }
    this.payloadBuf.set(chunk.subarray(start, end), this.payloadFill);
    this.payloadFill = need;
  }

  /** The completed payload: capacity is capped at the frame length, so it is exactly full. */
  private takePayload(): Uint8Array {
    const out = this.payloadBuf ?? new Uint8Array(0);
    this.payloadBuf = null;
    this.payloadFill = 0;
    return out;
  }
}
