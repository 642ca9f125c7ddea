/**
 * Hex as CKB's JSON-RPC writes it: `0x`-prefixed, lowercase. Byte strings keep every byte;
 * numbers are minimal (`0x0`, `0x1f`, never `0x01`) because the node rejects padded numbers.
 */

const HEX = /^[0-9a-f]*$/i;

/** Parses hex with or without `0x`; throws on odd length or a non-hex character. */
export function hexToBytes(hex: string): Uint8Array {
  const h = hex.startsWith('0x') || hex.startsWith('0X') ? hex.slice(2) : hex;
  if (h.length % 2 !== 0) throw new Error(`hex has an odd number of digits: ${hex.slice(0, 80)}`);
  if (!HEX.test(h)) throw new Error(`not a hex string: ${hex.slice(0, 80)}`);
  const out = new Uint8Array(h.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(h.slice(i * 2, i * 2 + 2), 16);
  return out;
}

/** Lowercase hex without prefix. */
export function bytesToHex(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += bytes[i].toString(16).padStart(2, '0');
  return s;
}

/** `0x`-prefixed lowercase hex of a byte string (JSON `Byte32`, `Bytes`). */
export function bytesToHex0x(bytes: Uint8Array): string {
  return `0x${bytesToHex(bytes)}`;
}

/** Minimal `0x` hex of a non-negative integer (JSON `Uint32`, `Uint64`, `Uint128`). */
export function toMinimalHex(n: bigint | number): string {
  const v = BigInt(n);
  if (v < 0n) throw new Error(`negative number cannot be hex-encoded: ${v}`);
  return `0x${v.toString(16)}`;
}

/**
 * Parses a JSON hex number strictly as the node does: `0x` prefix, at least one digit, no
 * leading zeros (except `0x0`). `what` names the field in the error.
 */
export function parseMinimalHex(s: unknown, what = 'value'): bigint {
  if (typeof s !== 'string') throw new Error(`${what}: expected a 0x-prefixed hex string, got ${typeof s}`);
  if (!/^0x[0-9a-f]+$/.test(s)) throw new Error(`${what}: not a lowercase 0x-prefixed hex number: ${s}`);
  if (s.length > 3 && s[2] === '0') throw new Error(`${what}: hex number has leading zeros: ${s}`);
  return BigInt(s);
}

/** Little-endian bytes of an unsigned integer, exactly `size` bytes. */
export function uintToLeBytes(n: bigint, size: number): Uint8Array {
  if (n < 0n || n >> BigInt(size * 8) !== 0n) throw new Error(`${n} does not fit in ${size} bytes`);
  const out = new Uint8Array(size);
  let v = n;
  for (let i = 0; i < size; i++) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

/** Unsigned integer from little-endian bytes. */
export function leBytesToUint(bytes: Uint8Array): bigint {
  let v = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[i]);
  return v;
}

/** Unsigned integer from big-endian bytes (how a PoW output is compared with a target). */
export function beBytesToUint(bytes: Uint8Array): bigint {
  let v = 0n;
  for (let i = 0; i < bytes.length; i++) v = (v << 8n) | BigInt(bytes[i]);
  return v;
}
