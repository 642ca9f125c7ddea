/**
 * Molecule, CKB's serialization format, reduced to the primitives the chain types need.
 * Every number is little-endian; `struct`/`array` are plain concatenations of fixed-size
 * parts; `fixvec` = item count (u32) ‖ items; `dynvec` and `table` = total size (u32) ‖
 * one u32 offset per item ‖ items; `option` = nothing or the inner value.
 * Decoders verify sizes and offsets the way the node's readers do and name what failed.
 */

/** A malformed Molecule value; the message names the type (and field) that failed. */
export class MoleculeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MoleculeError';
  }
}

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  let size = 0;
  for (const p of parts) size += p.length;
  const out = new Uint8Array(size);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export function u32le(n: number): Uint8Array {
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new RangeError(`not a u32: ${n}`);
  const out = new Uint8Array(4);
  writeU32(out, 0, n);
  return out;
}

export function u64le(n: bigint): Uint8Array {
  if (n < 0n || n > 0xffffffffffffffffn) throw new RangeError(`not a u64: ${n}`);
  const out = new Uint8Array(8);
  writeU32(out, 0, Number(n & 0xffffffffn));
  writeU32(out, 4, Number(n >> 32n));
  return out;
}

/** Writes a u32 little-endian at `at` (byte stores: cheaper than a DataView per number). */
function writeU32(out: Uint8Array, at: number, n: number): void {
  out[at] = n & 0xff;
  out[at + 1] = (n >>> 8) & 0xff;
  out[at + 2] = (n >>> 16) & 0xff;
  out[at + 3] = (n >>> 24) & 0xff;
}

export function u128le(n: bigint): Uint8Array {
  if (n < 0n || n >> 128n !== 0n) throw new RangeError(`not a u128: ${n}`);
  return concatBytes(u64le(n & 0xffffffffffffffffn), u64le(n >> 64n));
}

export function readU32(buf: Uint8Array, at = 0): number {
  return new DataView(buf.buffer, buf.byteOffset, buf.byteLength).getUint32(at, true);
}

export function readU64(buf: Uint8Array, at = 0): bigint {
  return new DataView(buf.buffer, buf.byteOffset, buf.byteLength).getBigUint64(at, true);
}

export function readU128(buf: Uint8Array, at = 0): bigint {
  return readU64(buf, at) | (readU64(buf, at + 8) << 64n);
}

/** Checks a fixed-size value (array/struct) and returns it. */
export function expectSize(buf: Uint8Array, size: number, what: string): Uint8Array {
  if (buf.length !== size) throw new MoleculeError(`${what}: expected ${size} bytes, got ${buf.length}`);
  return buf;
}

// ---- encoders ----

/** fixvec of fixed-size items (the caller guarantees equal item sizes). */
export function fixvec(items: Uint8Array[]): Uint8Array {
  let size = 4;
  for (const it of items) size += it.length;
  const out = new Uint8Array(size);
  writeU32(out, 0, items.length);
  let at = 4;
  for (const it of items) {
    out.set(it, at);
    at += it.length;
  }
  return out;
}

/** `Bytes` = fixvec<byte>. */
export function bytesVec(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + data.length);
  writeU32(out, 0, data.length);
  out.set(data, 4);
  return out;
}

/** Offset-headed layout shared by `dynvec` and `table`, written into one allocation. */
function offsetHeaded(items: Uint8Array[]): Uint8Array {
  const headerSize = 4 * (items.length + 1);
  let total = headerSize;
  for (const it of items) total += it.length;
  const out = new Uint8Array(total);
  writeU32(out, 0, total);
  let offset = headerSize;
  for (let i = 0; i < items.length; i++) {
    writeU32(out, 4 + 4 * i, offset);
    out.set(items[i], offset);
    offset += items[i].length;
  }
  return out;
}

/** dynvec of variable-size items; the empty vector is just its 4-byte size. */
export function dynvec(items: Uint8Array[]): Uint8Array {
  return items.length === 0 ? u32le(4) : offsetHeaded(items);
}

/** table with its fields in schema order. */
export function table(fields: Uint8Array[]): Uint8Array {
  return offsetHeaded(fields);
}

/** option: absent → no bytes. */
export function option(inner: Uint8Array | null | undefined): Uint8Array {
  return inner ?? new Uint8Array(0);
}

// ---- decoders ----

/** Item slices of an offset-headed value (dynvec or table); `what` names it in errors. */
function readOffsets(buf: Uint8Array, what: string): Uint8Array[] {
  if (buf.length < 4) throw new MoleculeError(`${what}: ${buf.length} bytes is shorter than the size header`);
  const total = readU32(buf);
  if (total !== buf.length)
    throw new MoleculeError(`${what}: size header says ${total} bytes, got ${buf.length}`);
  if (total === 4) return [];
  if (total < 8) throw new MoleculeError(`${what}: ${total} bytes cannot hold an offset`);
  const first = readU32(buf, 4);
  if (first % 4 !== 0 || first < 8) throw new MoleculeError(`${what}: bad first offset ${first}`);
  if (first > total) throw new MoleculeError(`${what}: first offset ${first} beyond size ${total}`);
  const count = first / 4 - 1;
  const offsets: number[] = [];
  for (let i = 0; i < count; i++) offsets.push(readU32(buf, 4 + 4 * i));
  offsets.push(total);
  const items: Uint8Array[] = [];
  for (let i = 0; i < count; i++) {
    if (offsets[i] > offsets[i + 1]) throw new MoleculeError(`${what}: offsets out of order at item ${i}`);
    items.push(buf.subarray(offsets[i], offsets[i + 1]));
  }
  return items;
}

/** Items of a dynvec. */
export function readDynvec(buf: Uint8Array, what: string): Uint8Array[] {
  return readOffsets(buf, what);
}

/**
 * Fields of a table with `fieldCount` fields. `compatible` accepts extra trailing fields, as
 * the node's readers do in compatible mode (a BlockV1 read as a Block); strict otherwise.
 */
export function readTable(
  buf: Uint8Array,
  fieldCount: number,
  what: string,
  compatible = false,
): Uint8Array[] {
  const fields = readOffsets(buf, what);
  if (fields.length < fieldCount || (!compatible && fields.length > fieldCount)) {
    throw new MoleculeError(`${what}: expected ${fieldCount} fields, got ${fields.length}`);
  }
  return fields;
}

/** Items of a fixvec whose items are `itemSize` bytes. */
export function readFixvec(buf: Uint8Array, itemSize: number, what: string): Uint8Array[] {
  if (buf.length < 4)
    throw new MoleculeError(`${what}: ${buf.length} bytes is shorter than the count header`);
  const count = readU32(buf);
  if (buf.length !== 4 + count * itemSize) {
    throw new MoleculeError(
      `${what}: ${count} items of ${itemSize} bytes need ${4 + count * itemSize} bytes, got ${buf.length}`,
    );
  }
  const items: Uint8Array[] = [];
  for (let i = 0; i < count; i++) items.push(buf.subarray(4 + i * itemSize, 4 + (i + 1) * itemSize));
  return items;
}

/** Content of a `Bytes` value. */
export function readBytes(buf: Uint8Array, what: string): Uint8Array {
  if (buf.length < 4)
    throw new MoleculeError(`${what}: ${buf.length} bytes is shorter than the length header`);
  const len = readU32(buf);
  if (buf.length !== 4 + len)
    throw new MoleculeError(`${what}: length header says ${len} bytes, got ${buf.length - 4}`);
  return buf.subarray(4);
}

/** An option: empty → null, else the inner bytes. */
export function readOption(buf: Uint8Array): Uint8Array | null {
  return buf.length === 0 ? null : buf;
}
