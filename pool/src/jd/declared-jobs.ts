/**
 * The jobs the JDS accepted, shared with the mining side: `SetCustomCkbMiningJob` names one by
 * its new_mining_job_token and must match it field for field (docs/job-declaration-ckb.md §6);
 * `PushCkbSolution` names one to be submitted. Jobs of a parent that is no longer the tip are
 * dropped, as a new tip makes pool jobs stale; the store is bounded besides.
 */
import { bytesToHex, bytesToHex0x } from '../ckb/hex.js';
import type { SetCustomCkbMiningJob } from '../sv2/messages/ckb-jd.js';
import { JdErrorCodes } from '../sv2/messages/constants.js';
import type { DeclaredJob } from './declare.js';

export type CustomJobCheck = { ok: true; job: DeclaredJob } | { ok: false; errorCode: string };

export class DeclaredJobs {
  private readonly byToken = new Map<string, DeclaredJob>();

  constructor(private readonly maxJobs = 4096) {}

  get size(): number {
    return this.byToken.size;
  }

  add(job: DeclaredJob): void {
    while (this.byToken.size >= this.maxJobs) this.byToken.delete(this.byToken.keys().next().value as string);
    this.byToken.set(bytesToHex(job.token), job);
  }

  get(token: Uint8Array): DeclaredJob | null {
    return this.byToken.get(bytesToHex(token)) ?? null;
  }

  /** After a new tip: jobs on any other parent can only give stale shares. */
  keepParent(tipHashHex: string): void {
    for (const [key, job] of this.byToken)
      if (bytesToHex0x(job.parentHash) !== tipHashHex.toLowerCase()) this.byToken.delete(key);
  }

  /** SetCustomCkbMiningJob against the declaration: the SetCustomMiningJob.Error code, or the job. */
  checkCustomJob(m: SetCustomCkbMiningJob, tipHashHex: string): CustomJobCheck {
    const job = this.get(m.miningJobToken);
    if (!job) return { ok: false, errorCode: JdErrorCodes.invalidMiningJobToken };
    const differs = (field: string) => ({
      ok: false as const,
      errorCode: `invalid-job-param-value-${field}`,
    });
    if (bytesToHex(m.powHash) !== bytesToHex(job.powHash)) return differs('pow_hash');
    if (bytesToHex(m.parentHash) !== bytesToHex(job.parentHash)) return differs('parent_hash');
    if (m.number !== job.number) return differs('number');
    if (m.compactTarget !== job.compactTarget) return differs('compact_target');
    if (bytesToHex0x(job.parentHash) !== tipHashHex.toLowerCase())
      return { ok: false, errorCode: JdErrorCodes.staleParent };
    return { ok: true, job };
  }
}
