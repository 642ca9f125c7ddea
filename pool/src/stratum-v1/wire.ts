import { targetToBeHex } from '../ckb/target.js';

/**
 * CKB Stratum V1 on the wire (docs/protocol.md §7): newline-delimited JSON-RPC, hex without `0x`.
 * Pure helpers shared by the translator (server side) and the CPU miner (client side).
 */

/** Error codes as CKB miners know them (btcpool `Stratum.h`). */
export const V1Error = {
  other: 20,
  jobNotFound: 21,
  duplicate: 22,
  lowDifficulty: 23,
  unauthorized: 24,
  notSubscribed: 25,
  illegalMethod: 26,
  illegalParams: 27,
} as const;

export type V1Id = number | string | null;

export interface V1Request {
  id: V1Id;
  method: string;
  params: unknown[];
}

export type ParsedLine =
  | { kind: 'request'; req: V1Request }
  | { kind: 'response'; id: V1Id; result: unknown; error: unknown }
  | { kind: 'notification'; method: string; params: unknown[] }
  | { kind: 'invalid'; id: V1Id; message: string };

function isId(x: unknown): x is V1Id {
  return x === null || typeof x === 'number' || typeof x === 'string';
}

/**
 * Parses one line. Requests carry a non-null method and an id (a notification from a pool has
 * `id: null`); anything else that is JSON but not JSON-RPC is 'invalid' with the id if any.
 */
export function parseLine(line: string): ParsedLine {
  let doc: unknown;
  try {
    doc = JSON.parse(line);
  } catch {
    return { kind: 'invalid', id: null, message: 'malformed JSON' };
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    return { kind: 'invalid', id: null, message: 'not a JSON-RPC object' };
  }
  const o = doc as Record<string, unknown>;
  const id = isId(o.id) ? o.id : null;
  if (typeof o.method === 'string') {
    const params = o.params === undefined || o.params === null ? [] : o.params;
    if (!Array.isArray(params)) return { kind: 'invalid', id, message: 'params must be an array' };
    if (o.id === null || o.id === undefined) return { kind: 'notification', method: o.method, params };
    return { kind: 'request', req: { id, method: o.method, params } };
  }
  if ('result' in o || 'error' in o) return { kind: 'response', id, result: o.result, error: o.error };
  return { kind: 'invalid', id, message: 'no method' };
}

export function resultLine(id: V1Id, result: unknown): string {
  return `${JSON.stringify({ id, result, error: null })}\n`;
}

export function errorLine(id: V1Id, code: number, message: string): string {
  return `${JSON.stringify({ id, result: null, error: [code, message, null] })}\n`;
}

/**
 * A rejected `mining.submit`: `result` false, as the CKB miner community documents it
 * (ckb-gominer-demo README) — that miner dereferences `result` as a bool and crashes on null.
 */
export function submitRejectLine(id: V1Id, code: number, message: string): string {
  return `${JSON.stringify({ id, result: false, error: [code, message, null] })}\n`;
}

export function notificationLine(method: string, params: unknown[]): string {
  return `${JSON.stringify({ id: null, method, params })}\n`;
}

export function requestLine(id: number, method: string, params: unknown[]): string {
  return `${JSON.stringify({ id, method, params })}\n`;
}

/** `mining.set_target`: exactly 64 lowercase hex characters, big-endian. */
export function setTargetLine(target: bigint): string {
  return notificationLine('mining.set_target', [targetToBeHex(target)]);
}

export interface V1Job {
  jobId: string;
  powHash: Uint8Array;
  height: bigint;
  parentHash: Uint8Array;
  clean: boolean;
}

/** `mining.notify [job_id, pow_hash, height, parent_hash, clean]`. */
export function notifyLine(job: V1Job): string {
  return notificationLine('mining.notify', [
    job.jobId,
    Buffer.from(job.powHash).toString('hex'),
    // A JSON number: exact up to 2^53, which CKB heights will not reach.
    Number(job.height),
    Buffer.from(job.parentHash).toString('hex'),
    job.clean,
  ]);
}

const HEX = /^[0-9a-fA-F]*$/;

/** Decodes hex of an exact byte length (no `0x`), or null. */
export function hexOfLength(s: unknown, bytes: number): Uint8Array | null {
  if (typeof s !== 'string' || s.length !== bytes * 2 || !HEX.test(s)) return null;
  return new Uint8Array(Buffer.from(s, 'hex'));
}

export class LineTooLongError extends Error {}

/**
 * Splits a byte stream into lines (without the `\n`, `\r` trimmed). A partial line longer than
 * `maxLine` bytes throws: the connection is to be closed rather than buffering without bound.
 */
export class LineSplitter {
  private buf = '';
  constructor(private readonly maxLine: number) {}

  push(chunk: Buffer | string): string[] {
    this.buf += typeof chunk === 'string' ? chunk : chunk.toString('utf8');
    const lines: string[] = [];
    let start = 0;
    for (;;) {
      const nl = this.buf.indexOf('\n', start);
      if (nl < 0) break;
      const line = this.buf.slice(start, nl);
      start = nl + 1;
      if (line.length > this.maxLine) throw new LineTooLongError(`line of ${line.length} bytes`);
      const trimmed = line.endsWith('\r') ? line.slice(0, -1) : line;
      if (trimmed.trim().length > 0) lines.push(trimmed);
    }
    this.buf = this.buf.slice(start);
    if (this.buf.length > this.maxLine)
      throw new LineTooLongError(`unterminated line of ${this.buf.length}+ bytes`);
    return lines;
  }
}
