/**
 * JSON forms of the Molecule primitives as the node's RPC reads and writes them: `Uint32`,
 * `Uint64`, `Uint128` as minimal lowercase `0x` hex; `Byte32`/`H256` as `0x` + 64 hex digits;
 * `JsonBytes` as `0x` + any even number of hex digits. Every error names the field (`what`).
 */
import { hexToBytes, parseMinimalHex } from './hex.js';

/** Bad JSON input; the message starts with the path of the offending field. */
export class JsonFieldError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
    this.name = 'JsonFieldError';
  }
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'string' ? `"${v.slice(0, 80)}"` : typeof v;
}

export function jsonObject(v: unknown, what: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    throw new JsonFieldError(what, `expected an object, got ${describe(v)}`);
  }
  return v as Record<string, unknown>;
}

export function jsonArray(v: unknown, what: string): unknown[] {
  if (!Array.isArray(v)) throw new JsonFieldError(what, `expected an array, got ${describe(v)}`);
  return v;
}

/** An object with no key outside `known` (the node's JSON types deny unknown fields). */
export function jsonStrictObject(
  v: unknown,
  known: readonly string[],
  what: string,
): Record<string, unknown> {
  const o = jsonObject(v, what);
  for (const k of Object.keys(o)) {
    if (!known.includes(k)) throw new JsonFieldError(`${what}.${k}`, 'unknown field');
  }
  return o;
}

/** An unsigned integer of `bits` bits in minimal `0x` hex. */
export function jsonUint(v: unknown, bits: 32 | 64 | 128, what: string): bigint {
  if (v === undefined) throw new JsonFieldError(what, 'missing');
  let n: bigint;
  try {
    n = parseMinimalHex(v, what);
  } catch (err) {
    throw new JsonFieldError(what, (err as Error).message.replace(`${what}: `, ''));
  }
  if (n >> BigInt(bits) !== 0n) throw new JsonFieldError(what, `${v} does not fit in ${bits} bits`);
  return n;
}

/** A `u32` as a JS number. */
export function jsonU32(v: unknown, what: string): number {
  return Number(jsonUint(v, 32, what));
}

/** `0x`-prefixed hex bytes of any (or, with `size`, an exact) length. */
export function jsonBytes(v: unknown, what: string, size?: number): Uint8Array {
  if (v === undefined) throw new JsonFieldError(what, 'missing');
  if (typeof v !== 'string')
    throw new JsonFieldError(what, `expected a 0x-prefixed hex string, got ${describe(v)}`);
  if (!v.startsWith('0x')) throw new JsonFieldError(what, `missing 0x prefix: ${describe(v)}`);
  let bytes: Uint8Array;
  try {
    bytes = hexToBytes(v);
  } catch (err) {
    throw new JsonFieldError(what, (err as Error).message);
  }
  if (size !== undefined && bytes.length !== size) {
    throw new JsonFieldError(what, `expected ${size} bytes (${2 * size} hex digits), got ${bytes.length}`);
  }
  return bytes;
}

export function jsonByte32(v: unknown, what: string): Uint8Array {
  return jsonBytes(v, what, 32);
}

export function jsonBool(v: unknown, what: string): boolean {
  if (typeof v !== 'boolean') throw new JsonFieldError(what, `expected true or false, got ${describe(v)}`);
  return v;
}
