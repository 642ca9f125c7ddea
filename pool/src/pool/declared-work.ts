import { calcTransactionsRootParts } from '../ckb/block.js';
import { blockHash } from '../ckb/header.js';
import { bytesToHex, bytesToHex0x } from '../ckb/hex.js';
import type { TemplateBlock } from '../ckb/template.js';
import type { DeclaredJob } from '../jd/declare.js';
import { DeclaredJobs } from '../jd/declared-jobs.js';
import type { SetCustomCkbMiningJob } from '../sv2/messages/index.js';
import type { Chain } from './config.js';
import { type Job, makeJob, meetsTarget, powOutput } from './jobs.js';

/**
 * The JDS's accepted declarations as the mining side sees them (docs/job-declaration-ckb.md §6,
 * §7): each declared job becomes one pool `Job` — made once, shared by every channel that set
 * it and by PushCkbSolution — so its duplicate-nonce memory is one, and a block found by a
 * share and pushed by the JDC as well is recorded and submitted once. Jobs leave with their
 * parent when the tip moves.
 */
export class DeclaredWork {
  readonly declared: DeclaredJobs;
  private readonly asJobs = new Map<string, { job: Job; finder: string }>();

  constructor(
    private readonly nextJobId: () => number,
    private readonly maxDuplicateEntries: number,
    maxJobs = 4096,
  ) {
    this.declared = new DeclaredJobs(maxJobs);
  }

  /** SetCustomCkbMiningJob: the pool Job of the declaration it names, or the Error code. */
  customJob(
    m: SetCustomCkbMiningJob,
    tipHashHex: string,
    finder: string,
  ): { ok: true; job: Job } | { ok: false; errorCode: string } {
    const check = this.declared.checkCustomJob(m, tipHashHex);
    if (!check.ok) return check;
    return { ok: true, job: this.jobOf(check.job, finder) };
  }

  /** The pool Job of a declared job, made on first use. `finder` names who a pushed block is credited to. */
  jobOf(declared: DeclaredJob, finder = 'jd-client'): Job {
    const key = bytesToHex(declared.token);
    const known = this.asJobs.get(key);
    if (known) return known.job;
    const job = declaredAsJob(declared, this.nextJobId(), this.maxDuplicateEntries);
    this.asJobs.set(key, { job, finder });
    return job;
  }

  /** Who a block pushed for this declaration is recorded as found by (the first channel that set it). */
  finderOf(declared: DeclaredJob): string {
    return this.asJobs.get(bytesToHex(declared.token))?.finder ?? 'jd-client';
  }

  /**
   * A PushCkbSolution (§7): the job and finder to record the block under, or why not — the
   * nonce does not meet the network target, or a share already found this very block (the
   * job's nonce memory is the one its shares use, so the block is recorded and submitted once).
   */
  pushed(declared: DeclaredJob, nonce16: Uint8Array, chain: Chain): { job: Job; worker: string } | string {
    const job = this.jobOf(declared);
    if (!meetsTarget(powOutput(chain, job, nonce16), job.networkTarget))
      return 'the nonce does not meet the network target';
    if (job.nonces.has(nonce16)) return 'this block was already found';
    // Even a full nonce memory takes a block: only later shares with this nonce must see it.
    job.nonces.checkAndAdd(nonce16);
    return { job, worker: this.finderOf(declared) };
  }

  /** After a new tip: declarations on any other parent can only give stale work. */
  keepParent(tipHashHex: string): void {
    this.declared.keepParent(tipHashHex);
    const tip = tipHashHex.toLowerCase();
    for (const [key, entry] of this.asJobs)
      if (bytesToHex0x(entry.job.parentHash) !== tip) this.asJobs.delete(key);
  }
}

/** A declared block as a pool job: what share judging and block submission read. */
export function declaredAsJob(d: DeclaredJob, id: number, maxDuplicateEntries: number): Job {
  const roots = calcTransactionsRootParts(d.body.transactions);
  const block: TemplateBlock = {
    ...d.body,
    rawHeader: d.rawHeader,
    powHash: d.powHash,
    // No node template stands behind it; submit_block ignores work_id but for its log.
    workId: 0n,
    cyclesLimit: 0n,
    bytesLimit: 0n,
    unclesCountLimit: BigInt(d.body.uncles.length),
    txHashes: roots.txHashes,
    witnessHashes: roots.witnessHashes,
    uncleHashes: d.body.uncles.map((u) => blockHash(u.header)),
  };
  const job = makeJob(id, block, false, Date.now(), maxDuplicateEntries);
  job.source = 'declared';
  return job;
}
