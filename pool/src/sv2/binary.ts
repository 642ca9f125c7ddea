/**
 * SV2 binary data types (spec chapter 3.1, SRI `binary_sv2`): a growable `Writer` and a bounded
 * `Reader` over Uint8Array. Every integer is little-endian; variable-length types carry their
 * own length prefix and the prefix's limit is enforced on both encode and decode, so a peer
 * can never make us read past a buffer or allocate more than the bytes it actually sent.
 */

/** Why a decode failed; lets callers (framing, connection) react without parsing text. */
export type Sv2DecodeErrorCode =
  | 'truncated' // fewer bytes than the type or its length prefix needs
  | 'length-limit' // a length or count beyond the type's limit (or a configured maximum)
  | 'invalid-value'; // bytes present but not a legal value (e.g. OPTION count > 1)

/** The only error the SV2 decoders throw for malformed input. */
export class Sv2DecodeError extends Error {
  override readonly name = 'Sv2DecodeError';
  constructor(
    readonly code: Sv2DecodeErrorCode,
    message: string,
    /** Byte offset in the buffer being decoded where the problem was found, if known. */
    readonly offset?: number,
  ) {
    super(message);
  }
}

/** Thrown when a value cannot be represented in its SV2 type (a bug on our side, not the peer's). */
export class Sv2EncodeError extends RangeError {
  override readonly name = 'Sv2EncodeError';
}

export const U24_MAX = 0xff_ffff;
export const U64_MAX = 0xffff_ffff_ffff_ffffn;

const utf8Encoder = new TextEncoder();
// Non-fatal: SRI does not validate STR0_255 as UTF-8, so neither do we; invalid sequences
// become U+FFFD instead of failing the whole message.
const utf8Decoder = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });

/**
 * A fresh, unshared Uint8Array copy of `src[start, end)`. Not `src.slice()`: on a Node Buffer
 * (what sockets deliver) `slice` returns a view of the same memory.
 */
export function copyBytes(src: Uint8Array, start = 0, end = src.length): Uint8Array {
  const n = end - start;
  const out = new Uint8Array(n);
  // A byte loop beats creating a subarray view for the small fields of mining messages.
  if (n <= 64) for (let i = 0; i < n; i++) out[i] = src[start + i];
  else out.set(src.subarray(start, end));
  return out;
}

function checkUint(v: number, max: number, type: string): void {
  if (!Number.isInteger(v) || v < 0 || v > max) {
    throw new Sv2EncodeError(`${type} must be an integer in 0..${max}, got ${v}`);
  }
}

/** Appends SV2-encoded values to a buffer that grows as needed. */
export class Writer {
  private buf: Uint8Array;
  private view: DataView;
  private pos = 0;

  constructor(initialCapacity = 64) {
    this.buf = new Uint8Array(Math.max(8, initialCapacity));
    this.view = new DataView(this.buf.buffer);
  }

  /** Bytes written so far. */
  get length(): number {
    return this.pos;
  }

  private ensure(n: number): void {
    const need = this.pos + n;
    if (need <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < need) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  /** Forgets what was written so the buffer can be reused (keeps capacity up to `maxKeep`). */
  reset(maxKeep = 1 << 16): this {
    this.pos = 0;
    if (this.buf.length > maxKeep) {
      this.buf = new Uint8Array(maxKeep);
      this.view = new DataView(this.buf.buffer);
    }
    return this;
  }

  /** A copy of everything written. */
  finish(): Uint8Array {
    return this.buf.slice(0, this.pos);
  }

  /** Overwrites already-written bytes (used to patch a frame header's length). */
  patch(offset: number, bytes: Uint8Array): void {
    if (offset < 0 || offset + bytes.length > this.pos)
      throw new Sv2EncodeError('patch outside written bytes');
    this.buf.set(bytes, offset);
  }

  /** Raw bytes with no length prefix (fixed-size fields, TLV tails). */
  raw(bytes: Uint8Array): this {
    this.ensure(bytes.length);
    this.buf.set(bytes, this.pos);
    this.pos += bytes.length;
    return this;
  }

  bool(v: boolean): this {
    return this.u8(v ? 1 : 0);
  }

  u8(v: number): this {
    checkUint(v, 0xff, 'U8');
    this.ensure(1);
    this.buf[this.pos++] = v;
    return this;
  }

  u16(v: number): this {
    checkUint(v, 0xffff, 'U16');
    this.ensure(2);
    this.view.setUint16(this.pos, v, true);
    this.pos += 2;
    return this;
  }

  u24(v: number): this {
    checkUint(v, U24_MAX, 'U24');
    this.ensure(3);
    this.buf[this.pos] = v & 0xff;
    this.buf[this.pos + 1] = (v >>> 8) & 0xff;
    this.buf[this.pos + 2] = v >>> 16;
    this.pos += 3;
    return this;
  }

  u32(v: number): this {
    checkUint(v, 0xffff_ffff, 'U32');
    this.ensure(4);
    this.view.setUint32(this.pos, v, true);
    this.pos += 4;
    return this;
  }

  u64(v: bigint): this {
    if (typeof v !== 'bigint' || v < 0n || v > U64_MAX) {
      throw new Sv2EncodeError(`U64 must be a bigint in 0..2^64-1, got ${String(v)}`);
    }
    this.ensure(8);
    this.view.setBigUint64(this.pos, v, true);
    this.pos += 8;
    return this;
  }

  /** IEEE-754 binary32; a JS number is rounded to the nearest float32. */
  f32(v: number): this {
    if (typeof v !== 'number') throw new Sv2EncodeError(`F32 must be a number, got ${typeof v}`);
    this.ensure(4);
    this.view.setFloat32(this.pos, v, true);
    this.pos += 4;
    return this;
  }

  private fixed(bytes: Uint8Array, size: number, type: string): this {
    if (!(bytes instanceof Uint8Array) || bytes.length !== size) {
      throw new Sv2EncodeError(`${type} must be exactly ${size} bytes, got ${bytes?.length}`);
    }
    return this.raw(bytes);
  }

  /** 32 raw bytes, written as-is (hashes are never reversed; targets are LE integers). */
  u256(bytes: Uint8Array): this {
    return this.fixed(bytes, 32, 'U256');
  }

  /** BIP340 x-only public key, 32 bytes. */
  pubkey(bytes: Uint8Array): this {
    return this.fixed(bytes, 32, 'PUBKEY');
  }

  /** BIP340 Schnorr signature, 64 bytes. */
  signature(bytes: Uint8Array): this {
    return this.fixed(bytes, 64, 'SIGNATURE');
  }

  /** U8 length + UTF-8 bytes (at most 255 bytes after encoding). */
  str0_255(s: string): this {
    if (typeof s !== 'string') throw new Sv2EncodeError(`STR0_255 must be a string, got ${typeof s}`);
    const bytes = utf8Encoder.encode(s);
    if (bytes.length > 255) throw new Sv2EncodeError(`STR0_255 is ${bytes.length} bytes, limit 255`);
    this.u8(bytes.length);
    return this.raw(bytes);
  }

  private prefixed(bytes: Uint8Array, max: number, prefixSize: 1 | 2 | 3, type: string): this {
    if (!(bytes instanceof Uint8Array)) throw new Sv2EncodeError(`${type} must be a Uint8Array`);
    if (bytes.length > max) throw new Sv2EncodeError(`${type} is ${bytes.length} bytes, limit ${max}`);
    if (prefixSize === 1) this.u8(bytes.length);
    else if (prefixSize === 2) this.u16(bytes.length);
    else this.u24(bytes.length);
    return this.raw(bytes);
  }

  b0_32(bytes: Uint8Array): this {
    return this.prefixed(bytes, 32, 1, 'B0_32');
  }

  b0_255(bytes: Uint8Array): this {
    return this.prefixed(bytes, 255, 1, 'B0_255');
  }

  b0_64k(bytes: Uint8Array): this {
    return this.prefixed(bytes, 0xffff, 2, 'B0_64K');
  }

  b0_16m(bytes: Uint8Array): this {
    return this.prefixed(bytes, U24_MAX, 3, 'B0_16M');
  }

  /** U8 count + elements. */
  seq0_255<T>(items: readonly T[], writeItem: (w: Writer, item: T) => void): this {
    if (items.length > 255) throw new Sv2EncodeError(`SEQ0_255 has ${items.length} elements, limit 255`);
    this.u8(items.length);
    for (const item of items) writeItem(this, item);
    return this;
  }

  /** U16 LE count + elements. */
  seq0_64k<T>(items: readonly T[], writeItem: (w: Writer, item: T) => void): this {
    if (items.length > 0xffff) throw new Sv2EncodeError(`SEQ0_64K has ${items.length} elements, limit 65535`);
    this.u16(items.length);
    for (const item of items) writeItem(this, item);
    return this;
  }

  /** SEQ0_1: `00` for null, `01` + value otherwise. */
  option<T>(value: T | null, writeItem: (w: Writer, item: T) => void): this {
    if (value === null || value === undefined) return this.u8(0);
    this.u8(1);
    writeItem(this, value);
    return this;
  }
}

/** Reads SV2-encoded values from `bytes[offset, end)`; every read is bounds-checked. */
export class Reader {
  // Created on first U64/F32 read only: a DataView per message costs more than the decoding.
  private view: DataView | null = null;
  private pos: number;

  constructor(
    private readonly bytes: Uint8Array,
    offset = 0,
    private readonly end = bytes.length,
  ) {
    this.pos = offset;
  }

  get offset(): number {
    return this.pos;
  }

  private dataView(): DataView {
    this.view ??= new DataView(this.bytes.buffer, this.bytes.byteOffset, this.bytes.byteLength);
    return this.view;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  private need(n: number, type: string): number {
    if (this.end - this.pos < n) {
      throw new Sv2DecodeError(
        'truncated',
        `${type} needs ${n} bytes at offset ${this.pos}, only ${this.end - this.pos} left`,
        this.pos,
      );
    }
    const at = this.pos;
    this.pos += n;
    return at;
  }

  /** Copy of the next `n` bytes. */
  raw(n: number, type = 'BYTES'): Uint8Array {
    const at = this.need(n, type);
    return copyBytes(this.bytes, at, at + n);
  }

  /** Copy of every byte left (trailing TLV fields). */
  rest(): Uint8Array {
    return this.raw(this.remaining);
  }

  /** SRI reads only bit 0 of a BOOL byte. */
  bool(): boolean {
    return (this.bytes[this.need(1, 'BOOL')] & 1) === 1;
  }

  u8(): number {
    return this.bytes[this.need(1, 'U8')];
  }

  u16(): number {
    const at = this.need(2, 'U16');
    return this.bytes[at] | (this.bytes[at + 1] << 8);
  }

  u24(): number {
    const at = this.need(3, 'U24');
    return this.bytes[at] | (this.bytes[at + 1] << 8) | (this.bytes[at + 2] << 16);
  }

  u32(): number {
    const at = this.need(4, 'U32');
    const b = this.bytes;
    return (b[at] | (b[at + 1] << 8) | (b[at + 2] << 16)) + b[at + 3] * 0x100_0000;
  }

  u64(): bigint {
    return this.dataView().getBigUint64(this.need(8, 'U64'), true);
  }

  f32(): number {
    return this.dataView().getFloat32(this.need(4, 'F32'), true);
  }

  u256(): Uint8Array {
    return this.raw(32, 'U256');
  }

  pubkey(): Uint8Array {
    return this.raw(32, 'PUBKEY');
  }

  signature(): Uint8Array {
    return this.raw(64, 'SIGNATURE');
  }

  str0_255(): string {
    const len = this.u8();
    const at = this.need(len, 'STR0_255');
    return utf8Decoder.decode(this.bytes.subarray(at, at + len));
  }

  private prefixed(len: number, max: number, type: string): Uint8Array {
    // The prefix width already caps these, except B0_32 (U8 prefix, limit 32).
    if (len > max) {
      throw new Sv2DecodeError('length-limit', `${type} length ${len} exceeds ${max}`, this.pos);
    }
    return this.raw(len, type);
  }

  b0_32(): Uint8Array {
    return this.prefixed(this.u8(), 32, 'B0_32');
  }

  b0_255(): Uint8Array {
    return this.prefixed(this.u8(), 255, 'B0_255');
  }

  b0_64k(): Uint8Array {
    return this.prefixed(this.u16(), 0xffff, 'B0_64K');
  }

  b0_16m(): Uint8Array {
    return this.prefixed(this.u24(), U24_MAX, 'B0_16M');
  }

  /**
   * Elements are read one by one and each read is bounds-checked, so an untrusted count never
   * sizes an allocation: a lying count runs out of bytes after at most `remaining` elements.
   * `minItemSize` (the smallest encoding of T) rejects impossible counts before reading any.
   */
  private seq<T>(count: number, readItem: (r: Reader) => T, minItemSize: number, type: string): T[] {
    if (count * minItemSize > this.remaining) {
      throw new Sv2DecodeError(
        'truncated',
        `${type} of ${count} elements needs at least ${count * minItemSize} bytes, only ${this.remaining} left`,
        this.pos,
      );
    }
    const items: T[] = [];
    for (let i = 0; i < count; i++) items.push(readItem(this));
    return items;
  }

  seq0_255<T>(readItem: (r: Reader) => T, minItemSize = 1): T[] {
    return this.seq(this.u8(), readItem, minItemSize, 'SEQ0_255');
  }

  seq0_64k<T>(readItem: (r: Reader) => T, minItemSize = 1): T[] {
    return this.seq(this.u16(), readItem, minItemSize, 'SEQ0_64K');
  }

  /** SEQ0_1: count 0 → null, 1 → the value, anything else is an error (as in SRI). */
  option<T>(readItem: (r: Reader) => T): T | null {
    const at = this.pos;
    const count = this.u8();
    if (count === 0) return null;
    if (count === 1) return readItem(this);
    throw new Sv2DecodeError('invalid-value', `OPTION count must be 0 or 1, got ${count}`, at);
  }
}
