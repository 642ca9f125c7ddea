import type { MetricObjectWithValues, MetricValue } from 'prom-client';
import type { Sv2ClientInfo } from '../../api/sri-monitoring.js';
import type { TemplateBlock } from '../../ckb/template.js';
import type { ShareColumns } from './share-batch.js';

/**
 * The messages between the primary (node subscription, ledger, block submission, API) and its
 * instances (SV2 acceptors), over the cluster IPC channel with `serialization: 'advanced'`
 * (structured clone: bigint and Uint8Array arrive as such). Every message carries `ckbPool: 1`
 * so the channel can be shared with Node's own cluster messages; `decode*` checks the shape of
 * what arrives, since a message of the wrong shape is a bug that must not pass silently.
 */

const TAG = 'ckbPool';

/** A job, with the id the primary gave it: a found block names it back. */
export interface JobMessage {
  kind: 'job';
  id: number;
  clean: boolean;
  receivedAtMs: number;
  block: TemplateBlock;
}

/** Everything an instance recorded up to share number `upTo` is now queued in the ledger. */
export interface QueuedMessage {
  kind: 'queued';
  upTo: number;
}

/** Shutdown: send Reconnect, drain, report `drained`, exit. */
export interface DrainMessage {
  kind: 'drain';
}

export interface MetricsRequest {
  kind: 'metrics-request';
  request: number;
}

/** The API wants the instance's open channels (answered with a SessionsMessage of that request). */
export interface SessionsRequest {
  kind: 'sessions-request';
  request: number;
}

/** SRI's monitoring routes want the instance's SV2 clients (answered with a ClientsMessage). */
export interface ClientsRequest {
  kind: 'clients-request';
  request: number;
}

export type ToInstance =
  | JobMessage
  | QueuedMessage
  | DrainMessage
  | MetricsRequest
  | SessionsRequest
  | ClientsRequest;

export interface ReadyMessage {
  kind: 'ready';
  /** The SV2 address as the instance bound it (host:port). */
  address: string;
}

/** Shares numbered from 1 per instance (the last one is `upTo`), as columns (share-batch.ts). */
export interface SharesMessage extends ShareColumns {
  kind: 'shares';
  upTo: number;
}

export interface BlockMessage {
  kind: 'block';
  jobId: number;
  nonce16: Uint8Array;
  worker: string;
  shareDifficulty: number;
  connectionId: number;
  channelId: number;
}

/** One open channel as the API shows it: worker, difficulty, names credited through 0x0002. */
export type ChannelView = [worker: string, difficulty: number, credited: Array<[string, number]> | null];

export interface SessionsMessage {
  kind: 'sessions';
  /** The SessionsRequest answered. */
  request: number;
  /** One entry per open connection: its channels. */
  sessions: ChannelView[][];
}

/** The instance's SV2 clients in SRI's monitoring shape, ids already unique across instances. */
export interface ClientsMessage {
  kind: 'clients';
  request: number;
  clients: Sv2ClientInfo[];
}

export interface MetricsReply {
  kind: 'metrics';
  request: number;
  metrics: MetricObjectWithValues<MetricValue<string>>[];
}

export interface DrainedMessage {
  kind: 'drained';
  /** Connections still open when the grace ended. */
  leftOver: number;
}

export type FromInstance =
  | ReadyMessage
  | SharesMessage
  | BlockMessage
  | SessionsMessage
  | ClientsMessage
  | MetricsReply
  | DrainedMessage;

export function encode<M extends ToInstance | FromInstance>(m: M): M & { [TAG]: 1 } {
  return { ...m, [TAG]: 1 };
}

type Shape = Record<string, (v: unknown) => boolean>;

const isInt = (v: unknown) => Number.isSafeInteger(v);
const isNum = (v: unknown) => typeof v === 'number' && Number.isFinite(v);
const isStr = (v: unknown) => typeof v === 'string';
const isBool = (v: unknown) => typeof v === 'boolean';
const isArr = (v: unknown) => Array.isArray(v);
const isBytes = (v: unknown) => v instanceof Uint8Array;
const isObj = (v: unknown) => typeof v === 'object' && v !== null;

const toInstance: Record<ToInstance['kind'], Shape> = {
  job: { id: isInt, clean: isBool, receivedAtMs: isNum, block: isObj },
  queued: { upTo: isInt },
  drain: {},
  'metrics-request': { request: isInt },
  'sessions-request': { request: isInt },
  'clients-request': { request: isInt },
};

const isStrArr = (v: unknown) => isArr(v) && (v as unknown[]).every(isStr);
const isU32 = (v: unknown) => v instanceof Uint32Array;
const isF64 = (v: unknown) => v instanceof Float64Array;

const fromInstance: Record<FromInstance['kind'], Shape> = {
  ready: { address: isStr },
  // The columns' lengths and indexes are checked where they are read (ShareBatchDecoder).
  shares: {
    upTo: isInt,
    reset: isBool,
    names: isStrArr,
    workers: isU32,
    values: isF64,
    rejectedWorkers: isU32,
    rejectedAtMs: isF64,
  },
  block: {
    jobId: isInt,
    nonce16: (v) => isBytes(v) && (v as Uint8Array).length === 16,
    worker: isStr,
    shareDifficulty: isNum,
    connectionId: isInt,
    channelId: isInt,
  },
  sessions: { request: isInt, sessions: (v) => isArr(v) && (v as unknown[]).every(isArr) },
  clients: { request: isInt, clients: isArr },
  metrics: { request: isInt, metrics: isArr },
  drained: { leftOver: isInt },
};

/** Thrown for a tagged message of an unknown kind or a wrong shape. */
export class ProtocolError extends Error {}

function decode<M>(raw: unknown, shapes: Record<string, Shape>): M | null {
  if (!isObj(raw) || (raw as Record<string, unknown>)[TAG] !== 1) return null;
  const m = raw as Record<string, unknown>;
  const shape = typeof m.kind === 'string' ? shapes[m.kind] : undefined;
  if (!shape) throw new ProtocolError(`unknown instance message kind ${JSON.stringify(m.kind)}`);
  for (const [field, ok] of Object.entries(shape)) {
    if (!ok(m[field])) throw new ProtocolError(`instance message ${m.kind}: bad field ${field}`);
  }
  return m as M;
}

/** A message for an instance; null when it is not ours (another cluster message). */
export function decodeToInstance(raw: unknown): ToInstance | null {
  return decode<ToInstance>(raw, toInstance);
}

/** A message from an instance; null when it is not ours. */
export function decodeFromInstance(raw: unknown): FromInstance | null {
  return decode<FromInstance>(raw, fromInstance);
}
