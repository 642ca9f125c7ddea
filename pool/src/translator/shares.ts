import { type Chain, powOutputFromMidstate } from '../ckb/pow.js';
import { meetsTarget } from '../ckb/target.js';
import { V1Error } from '../stratum-v1/wire.js';
import type { TranslatorJob } from './jobs.js';

/** The translator's own share checks and the V1 error for each pool verdict. */

export type Rejection = { ok: false; code: number; message: string; reason: string };

/** SubmitShares.Error codes (and the client's own failures) as V1 miners understand them. */
const VERDICT_CODES: Record<string, [number, string]> = {
  'invalid-job-id': [V1Error.jobNotFound, 'Job not found'],
  'stale-share': [V1Error.jobNotFound, 'Stale share'],
  'invalid-channel-id': [V1Error.jobNotFound, 'Job not found (channel reopened)'],
  'duplicate-share': [V1Error.duplicate, 'Duplicate share'],
  'difficulty-too-low': [V1Error.lowDifficulty, 'Low difficulty'],
  'bad-extranonce-size': [V1Error.illegalParams, 'Illegal params (nonce size)'],
  'upstream-lost': [V1Error.jobNotFound, 'Job not found (pool connection lost)'],
  'channel-closed': [V1Error.jobNotFound, 'Job not found (channel closed)'],
  timeout: [V1Error.other, 'Pool did not answer in time'],
};

export function verdictToV1(code: string): Rejection {
  const [c, message] = VERDICT_CODES[code] ?? [V1Error.other, `Rejected by pool: ${code}`];
  return { ok: false, code: c, message, reason: code };
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function concatBytes(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

/**
 * Checks a V1 share before it goes upstream: the nonce must lie in the channel's space (its
 * `prefix`) and the PoW must meet the miner's target for the share's job. `forward` says
 * whether it also meets `targets.channel`, the pool channel's target: only those go to the pool;
 * the others are accepted here (the miner did the work it was asked for, the pool asked less
 * often). Returns the nonce suffix to send, or the V1 rejection.
 */
export function checkShare(
  chain: Chain,
  job: TranslatorJob,
  prefix: Uint8Array,
  targets: { miner: bigint; channel: bigint },
  extranonce1: Uint8Array,
  extranonce2: Uint8Array,
): { ok: true; nonceSuffix: Uint8Array; powOutput: Uint8Array; forward: boolean } | Rejection {
  const nonce = concatBytes(extranonce1, extranonce2);
  if (nonce.length !== 16 || !bytesEqual(nonce.subarray(0, prefix.length), prefix)) {
    return {
      ok: false,
      code: V1Error.jobNotFound,
      message: 'Job not found (extranonce changed)',
      reason: 'stale-share',
    };
  }
  const out = powOutputFromMidstate(chain, job.midstate, nonce);
  if (!meetsTarget(out, targets.miner))
    return {
      ok: false,
      code: V1Error.lowDifficulty,
      message: 'Low difficulty',
      reason: 'difficulty-too-low',
    };
  const forward = meetsTarget(out, targets.channel);
  return { ok: true, nonceSuffix: nonce.slice(prefix.length), powOutput: out, forward };
}

/** Nonces remembered per job for the local duplicate check (about 100 bytes each). */
export const MAX_SHARES_PER_JOB = 200_000;

/**
 * Remembers a share's nonce (channel prefix ‖ suffix) on its job: 'duplicate' when the job has
 * seen it, 'full' when the job remembers MAX_SHARES_PER_JOB already (such shares are answered
 * stale: never forwarded unchecked), else 'new'.
 */
export function rememberShare(
  job: TranslatorJob,
  prefix: Uint8Array,
  nonceSuffix: Uint8Array,
): 'new' | 'duplicate' | 'full' {
  const key = Buffer.from(concatBytes(prefix, nonceSuffix)).toString('latin1');
  job.seen ??= new Set();
  const seen = job.seen;
  if (seen.has(key)) return 'duplicate';
  if (seen.size >= MAX_SHARES_PER_JOB) return 'full';
  seen.add(key);
  return 'new';
}
