/**
 * Extension 0x4CCB, the long-name carrier (docs/extensions/0x4CCB.md §3.4): a proxy declares a
 * worker name of up to 255 bytes once per channel under a short worker_id, and each share names
 * its worker by that id in a 4-byte TLV. Extension 0x0002's user_identity TLV holds 32 bytes,
 * too few for a CKB address (46–97 characters), which is what V1 miners authorize as.
 */
import { codec, type Sv2MessageBase } from './codec.js';
import { EXTENSION_CKB } from './constants.js';
import { encodeTlvs, findTlvValue } from './tlv.js';

export interface DeclareWorker extends Sv2MessageBase {
  type: 'DeclareWorker';
  /** The channel whose shares may name the worker (never a group channel). */
  channelId: number;
  /** Chosen by the client, unique among the channel's declared workers. */
  workerId: number;
  /** The worker name shares carrying `workerId` are credited to (STR0_255, UTF-8). */
  name: string;
}

export interface DeclareWorkerSuccess extends Sv2MessageBase {
  type: 'DeclareWorkerSuccess';
  channelId: number;
  workerId: number;
}

export interface DeclareWorkerError extends Sv2MessageBase {
  type: 'DeclareWorkerError';
  channelId: number;
  workerId: number;
  /** Why the name is refused (ErrorCodes): the share TLV must not name this id. */
  errorCode: string;
}

export type CkbWorkerMessage = DeclareWorker | DeclareWorkerSuccess | DeclareWorkerError;

export const CKB_MSG_DECLARE_WORKER = 0x03;
export const CKB_MSG_DECLARE_WORKER_SUCCESS = 0x04;
export const CKB_MSG_DECLARE_WORKER_ERROR = 0x05;

/** The TLV a SubmitSharesCkb names a declared worker with: (0x4CCB, 0x01), worker_id U32 LE. */
export const TLV_CKB_WORKER_ID = { extensionType: EXTENSION_CKB, fieldType: 0x01, length: 4 } as const;

export const ckbWorkerCodecs = {
  DeclareWorker: codec<DeclareWorker>({
    type: 'DeclareWorker',
    specName: 'DeclareWorker',
    extensionType: EXTENSION_CKB,
    msgType: CKB_MSG_DECLARE_WORKER,
    channelMsg: true,
    encode(w, m) {
      w.u32(m.channelId).u32(m.workerId).str0_255(m.name);
    },
    decode: (r) => ({ type: 'DeclareWorker', channelId: r.u32(), workerId: r.u32(), name: r.str0_255() }),
  }),
  DeclareWorkerSuccess: codec<DeclareWorkerSuccess>({
    type: 'DeclareWorkerSuccess',
    specName: 'DeclareWorker.Success',
    extensionType: EXTENSION_CKB,
    msgType: CKB_MSG_DECLARE_WORKER_SUCCESS,
    channelMsg: true,
    encode(w, m) {
      w.u32(m.channelId).u32(m.workerId);
    },
    decode: (r) => ({ type: 'DeclareWorkerSuccess', channelId: r.u32(), workerId: r.u32() }),
  }),
  DeclareWorkerError: codec<DeclareWorkerError>({
    type: 'DeclareWorkerError',
    specName: 'DeclareWorker.Error',
    extensionType: EXTENSION_CKB,
    msgType: CKB_MSG_DECLARE_WORKER_ERROR,
    channelMsg: true,
    encode(w, m) {
      w.u32(m.channelId).u32(m.workerId).str0_255(m.errorCode);
    },
    decode: (r) => ({
      type: 'DeclareWorkerError',
      channelId: r.u32(),
      workerId: r.u32(),
      errorCode: r.str0_255(),
    }),
  }),
};

/** The TLV tail that makes a share name declared worker `workerId`. */
export function workerIdTlv(workerId: number): Uint8Array {
  const value = new Uint8Array(4);
  new DataView(value.buffer).setUint32(0, workerId, true);
  return encodeTlvs([
    { extensionType: TLV_CKB_WORKER_ID.extensionType, fieldType: TLV_CKB_WORKER_ID.fieldType, value },
  ]);
}

/**
 * The worker_id a share's TLV tail names: undefined when it names none, null when the field is
 * there but not 4 bytes long (the share is refused: a client that meant a worker must not be
 * credited to another name silently).
 */
export function workerIdFromTlv(tlv: Uint8Array): number | null | undefined {
  const v = findTlvValue(tlv, TLV_CKB_WORKER_ID.extensionType, TLV_CKB_WORKER_ID.fieldType);
  if (v === undefined) return undefined;
  if (v.length !== TLV_CKB_WORKER_ID.length) return null;
  return (v[0] | (v[1] << 8) | (v[2] << 16) | (v[3] << 24)) >>> 0;
}
