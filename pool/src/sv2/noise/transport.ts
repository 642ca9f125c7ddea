/**
 * SV2 transport encryption of frames. Each frame is (plaintext header 6 B, payload L B):
 *
 *   ENC(header) → 22 bytes; then each ≤ 65,519-byte payload chunk → chunk + 16 bytes;
 *   consecutive nonces; msg_length in the header is always the plaintext length;
 *   an empty payload produces no payload ciphertext.
 *
 * The reader learns L from the decrypted header, refuses L above its limit before buffering
 * anything of the payload, and decrypts each 65,535-byte chunk as soon as it is complete.
 */
import { checkPayloadLength, FRAME_HEADER_SIZE, type Frame, parseFrameHeader } from '../frame.js';
import { MAX_PLAINTEXT_CHUNK, TAG_SIZE } from './aead.js';
import { Sv2ConnectionError } from './errors.js';
import type { CipherState } from './symmetric.js';

export const ENCRYPTED_HEADER_SIZE = FRAME_HEADER_SIZE + TAG_SIZE;

/** Ciphertext length of an L-byte payload (spec pt_len_to_ct_len). */
export function encryptedPayloadLength(plainLength: number): number {
  return plainLength + TAG_SIZE * Math.ceil(plainLength / MAX_PLAINTEXT_CHUNK);
}

/** Bytes on the wire for a whole plaintext frame of `frameLength` bytes (header included). */
export function encryptedFrameLength(frameLength: number): number {
  return ENCRYPTED_HEADER_SIZE + encryptedPayloadLength(frameLength - FRAME_HEADER_SIZE);
}

/**
 * Encrypts a whole plaintext frame (6-byte header ‖ payload, e.g. from `encodeMessage`).
 * The header's msg_length must match the payload that follows.
 */
export function encryptFrame(cs: CipherState, frame: Uint8Array): Uint8Array {
  const out = new Uint8Array(encryptedFrameLength(frameLengthChecked(frame)));
  encryptFrameInto(cs, frame, out, 0);
  return out;
}

/**
 * `encryptFrame` into `out` at `offset` (room for `encryptedFrameLength(frame.length)` bytes is
 * the caller's job); returns the bytes written. Makes no object at all for a one-chunk frame,
 * so a broadcast can seal one shared plaintext frame per connection into a pooled buffer.
 */
export function encryptFrameInto(
  cs: CipherState,
  frame: Uint8Array,
  out: Uint8Array,
  offset: number,
): number {
  const end = frameLengthChecked(frame);
  // Each Noise message is sealed straight into its place in the wire buffer.
  let pos = offset + cs.encryptRangeInto(frame, 0, FRAME_HEADER_SIZE, out, offset);
  for (let i = FRAME_HEADER_SIZE; i < end; i += MAX_PLAINTEXT_CHUNK) {
    pos += cs.encryptRangeInto(frame, i, Math.min(end, i + MAX_PLAINTEXT_CHUNK), out, pos);
  }
  return pos - offset;
}

/** The frame's length, after checking its header announces exactly the payload that follows. */
function frameLengthChecked(frame: Uint8Array): number {
  if (frame.length < FRAME_HEADER_SIZE) throw new RangeError('a frame has at least a 6-byte header');
  const msgLength = frame[3] | (frame[4] << 8) | (frame[5] << 16);
  const payloadLength = frame.length - FRAME_HEADER_SIZE;
  if (msgLength !== payloadLength) {
    throw new RangeError(`frame header says ${msgLength} payload bytes, ${payloadLength} follow`);
  }
  return frame.length;
}

export interface FrameDecryptorOptions {
  /** Largest plaintext payload accepted (checked on the decrypted header). */
  maxPayload: number;
}

/**
 * Streaming decryptor: push ciphertext as it arrives, get whole plaintext frames out.
 * Throws Sv2ConnectionError('aead-failure' | 'frame-too-large'); after that it stays failed.
 *
 * Memory follows the bytes actually received, never the length a header announces: the
 * buffer of the Noise message in progress grows geometrically (from 256 bytes) up to what has
 * arrived, and the chunks of a multi-chunk payload are kept as they decrypt and joined at the
 * end. A peer that announces 64 KiB and sends one byte costs a few hundred bytes.
 */
export class FrameDecryptor {
  private readonly maxPayload: number;
  /** Bytes of the current Noise message (header or one payload chunk) collected so far. */
  private buf = new Uint8Array(ENCRYPTED_HEADER_SIZE);
  private fill = 0;
  /** Ciphertext size of the Noise message being collected. */
  private want = ENCRYPTED_HEADER_SIZE;
  private header: ReturnType<typeof parseFrameHeader> | null = null;
  /** Decrypted chunks of the payload in progress. */
  private parts: Uint8Array[] = [];
  private payloadFill = 0;
  private failure: Sv2ConnectionError | null = null;

  constructor(
    private readonly cs: CipherState,
    options: FrameDecryptorOptions,
  ) {
    this.maxPayload = options.maxPayload;
  }

  /** Bytes received (ciphertext, and plaintext of decrypted chunks) that do not yet form a frame. */
  get bufferedBytes(): number {
    return this.fill + this.payloadFill;
  }

  /** Bytes of buffer this decryptor holds for the frame in progress (its memory cost). */
  get allocatedBytes(): number {
    let n = this.buf.length;
    for (const p of this.parts) n += p.length;
    return n;
  }

  push(chunk: Uint8Array): Frame[] {
    if (this.failure) throw this.failure;
    const frames: Frame[] = [];
    let pos = 0;
    try {
      for (;;) {
        // A zero-length payload completes right after its header, even with no bytes left.
        if (this.header && this.header.msgLength === 0) {
          frames.push(this.finishFrame());
          continue;
        }
        if (pos >= chunk.length) break;
        const take = Math.min(this.want - this.fill, chunk.length - pos);
        this.reserve(this.fill + take);
        this.buf.set(chunk.subarray(pos, pos + take), this.fill);
        this.fill += take;
        pos += take;
        if (this.fill < this.want) break;
        if (!this.header) this.onHeader();
        else if (this.onPayloadChunk()) frames.push(this.finishFrame());
      }
    } catch (e) {
      this.failure =
        e instanceof Sv2ConnectionError ? e : new Sv2ConnectionError('aead-failure', (e as Error).message);
      throw this.failure;
    }
    return frames;
  }

  /** Grows the collection buffer to hold `need` bytes: doubling, never past the message size. */
  private reserve(need: number): void {
    if (this.buf.length >= need) return;
    const next = new Uint8Array(Math.min(this.want, Math.max(need, 2 * this.buf.length, 256)));
    next.set(this.buf.subarray(0, this.fill));
    this.buf = next;
  }

  private open(): Uint8Array {
    const pt = this.cs.decrypt(this.buf.subarray(0, this.fill));
    if (!pt) throw new Sv2ConnectionError('aead-failure', `message #${this.cs.n} failed authentication`);
    return pt;
  }

  private onHeader(): void {
    const header = parseFrameHeader(this.open());
    try {
      checkPayloadLength(header, this.maxPayload);
    } catch (e) {
      throw new Sv2ConnectionError('frame-too-large', (e as Error).message);
    }
    this.header = header;
    this.parts = [];
    this.payloadFill = 0;
    this.nextChunk();
  }

  /** Sets up collection of the next payload chunk (or the next header). */
  private nextChunk(): void {
    this.fill = 0;
    if (!this.header) {
      this.want = ENCRYPTED_HEADER_SIZE;
    } else {
      const left = this.header.msgLength - this.payloadFill;
      this.want = Math.min(left, MAX_PLAINTEXT_CHUNK) + TAG_SIZE;
    }
  }

  /** True when the payload is complete. */
  private onPayloadChunk(): boolean {
    const pt = this.open();
    this.parts.push(pt);
    this.payloadFill += pt.length;
    if (this.payloadFill < (this.header as { msgLength: number }).msgLength) {
      this.nextChunk();
      return false;
    }
    return true;
  }

  private finishFrame(): Frame {
    const h = this.header as ReturnType<typeof parseFrameHeader>;
    // A one-chunk payload (nearly every SV2 message) is the decrypted chunk itself, no copy.
    const payload = this.parts.length === 1 ? this.parts[0] : joinParts(this.parts, this.payloadFill);
    const frame: Frame = {
      extensionType: h.extensionType,
      channelMsg: h.channelMsg,
      msgType: h.msgType,
      payload,
    };
    this.header = null;
    this.parts = [];
    this.payloadFill = 0;
    // Shrink back after a large frame so idle connections hold little memory.
    if (this.buf.length > 4096) this.buf = new Uint8Array(ENCRYPTED_HEADER_SIZE);
    this.nextChunk();
    return frame;
  }
}

function joinParts(parts: Uint8Array[], length: number): Uint8Array {
  const out = new Uint8Array(length);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
