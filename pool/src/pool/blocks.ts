import type { Logger } from 'pino';
import type { PoolMetrics } from '../api/metrics.js';
import { nonceFromBytes } from '../ckb/header.js';
import { bytesToHex0x, toMinimalHex } from '../ckb/hex.js';
import { type CkbRpcClient, CkbRpcError } from '../ckb/rpc.js';
import type { BlockJson } from '../ckb/rpc-types.js';
import { blockToSubmitJson, templateBlockHash } from '../ckb/template.js';
import type { BlockRow } from '../ledger/records.js';
import type { LedgerStore, RecordedBlock } from '../ledger/store.js';
import type { FoundBlock } from './session.js';

/**
 * Found blocks: written to the ledger as pending (with their PPLNS split) before anything else,
 * then submitted with retries and exponential backoff until the node answers. The node's answer
 * is the verdict: a block hash means accepted, a JSON-RPC error means rejected (its message is
 * kept). Transport failures (node down, timeout) are retried until the pool closes; whatever is
 * still unresolved then is resubmitted on the next start.
 */

export interface BlockSubmitterOptions {
  rpc: CkbRpcClient;
  /** SQLite or PostgreSQL: every ledger call is awaited. */
  ledger: LedgerStore;
  metrics: PoolMetrics;
  log: Logger;
  pplnsWindowFactor: number;
  /** First retry delay; doubles up to maxBackoffMs. */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** Unresolved blocks deeper than this below the tip are not resubmitted on start. */
  resubmitHorizon?: number;
}

/** CKB pays a block's reward 11 blocks later (proposal window + 1): deep enough to call it final. */
export const CONFIRMATION_DEPTH = 11;

export class BlockSubmitter {
  private closed = false;
  private checking = false;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly wakeups = new Set<() => void>();

  constructor(private readonly opts: BlockSubmitterOptions) {}

  /**
   * Records a found block and, once it is recorded, starts submitting it. Returns the ledger id, or
   * null when the ledger could not record it (disk full…): the block is submitted anyway —
   * a block on chain without a record beats a record of a block that never got there.
   */
  async found(f: FoundBlock): Promise<number | null> {
    const { ledger, metrics, log } = this.opts;
    const nonce = nonceFromBytes(f.nonce16);
    const json = blockToSubmitJson(f.job.block, nonce);
    const hash = bytesToHex0x(templateBlockHash(f.job.block, nonce));
    let recorded: RecordedBlock;
    try {
      recorded = await ledger.addPendingBlock(
        {
          height: Number(f.job.height),
          hash,
          powHash: bytesToHex0x(f.job.powHash),
          parentHash: bytesToHex0x(f.job.parentHash),
          nonce: toMinimalHex(nonce),
          worker: f.worker,
          foundAtMs: Date.now(),
          networkDifficulty: f.job.networkDifficulty,
          shareDifficulty: f.shareDifficulty,
          workId: f.job.block.workId.toString(),
          blockJson: JSON.stringify(json),
          jobSource: f.job.source ?? 'pool',
        },
        f.job.networkDifficulty * this.opts.pplnsWindowFactor,
      );
    } catch (err) {
      metrics.blocks.inc({ outcome: 'found' });
      metrics.blocks.inc({ outcome: 'record_error' });
      log.fatal(
        { err: (err as Error).message, hash },
        'could not record a found block; submitting it anyway',
      );
      this.track(this.submit(null, f.job.block.workId.toString(), json, hash));
      return null;
    }
    const { id, split, counted } = recorded;
    // One found block per height: another one there counts only if the chain picks it.
    metrics.blocks.inc({ outcome: counted ? 'found' : 'contending' });
    const fields = {
      block: id,
      hash,
      height: f.job.height.toString(),
      worker: f.worker,
      pplnsWorkers: split?.entries.length,
    };
    if (counted) log.info(fields, 'block found; recorded as pending');
    else
      log.warn(
        fields,
        'another block found at a height the pool already has one; it counts only if the chain picks it',
      );
    this.track(this.submit(id, f.job.block.workId.toString(), json, hash));
    return id;
  }

  /** Resubmits the ledger's unresolved blocks (on start). */
  async resubmitUnresolved(tipNumber: bigint | null): Promise<number> {
    const { ledger, log } = this.opts;
    const horizon = this.opts.resubmitHorizon ?? 100;
    let n = 0;
    for (const b of await ledger.unresolvedBlocks()) {
      if (tipNumber !== null && BigInt(b.height) + BigInt(horizon) < tipNumber) {
        await ledger.setBlockVerdict(
          b.id,
          'rejected',
          `expired: ${tipNumber - BigInt(b.height)} blocks below the tip at restart`,
        );
        log.warn({ block: b.id, height: b.height }, 'pending block too old to resubmit');
        continue;
      }
      log.info(
        { block: b.id, hash: b.hash, height: b.height, attempts: b.attempts },
        'resubmitting pending block',
      );
      this.track(this.submit(b.id, b.workId, JSON.parse(b.blockJson) as BlockJson, b.hash));
      n += 1;
    }
    return n;
  }

  private track(p: Promise<void>): void {
    this.inFlight.add(p);
    void p.finally(() => this.inFlight.delete(p));
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(t);
        this.wakeups.delete(wake);
        resolve();
      };
      const t = setTimeout(wake, ms);
      this.wakeups.add(wake);
    });
  }

  private async submit(id: number | null, workId: string, json: BlockJson, hash: string): Promise<void> {
    const { rpc, ledger, metrics, log } = this.opts;
    let delay = this.opts.initialBackoffMs ?? 250;
    const maxDelay = this.opts.maxBackoffMs ?? 10_000;
    for (let attempt = 1; !this.closed; attempt++) {
      if (id !== null) await ledger.markSubmitting(id);
      try {
        const answer = await rpc.submitBlock(workId, json);
        const message = answer === hash ? null : `node returned hash ${answer}, expected ${hash}`;
        if (id !== null) await ledger.setBlockVerdict(id, 'accepted', message);
        metrics.blocks.inc({ outcome: 'accepted' });
        log.info({ block: id, hash: answer, attempt }, 'block accepted by the node');
        return;
      } catch (err) {
        if (err instanceof CkbRpcError) {
          if (id !== null) await ledger.setBlockVerdict(id, 'rejected', `${err.code}: ${err.message}`);
          metrics.blocks.inc({ outcome: 'rejected' });
          log.error({ block: id, hash, code: err.code, err: err.message }, 'block rejected by the node');
          return;
        }
        metrics.blocks.inc({ outcome: 'submit_error' });
        log.warn(
          { block: id, attempt, err: (err as Error).message, retryInMs: delay },
          'block submission failed; retrying',
        );
      }
      await this.sleep(delay);
      delay = Math.min(delay * 2, maxDelay);
    }
  }

  /**
   * Stops retrying and waits (up to `timeoutMs`) for attempts already talking to the node;
   * blocks still unresolved stay pending in the ledger for the next start.
   */
  async close(timeoutMs = 5_000): Promise<void> {
    this.closed = true;
    for (const w of [...this.wakeups]) w();
    const all = Promise.allSettled([...this.inFlight]);
    let t: NodeJS.Timeout | undefined;
    await Promise.race([all, new Promise((r) => (t = setTimeout(r, timeoutMs)))]);
    clearTimeout(t);
  }

  /**
   * Checks accepted blocks against the node's main chain: the header at each block's height
   * must be ours. Depth ≥ `confirmationDepth` below `tip` makes it final ('confirmed');
   * another hash there means 'orphaned'. Never throws (the next tip retries).
   */
  async checkConfirmations(tip: bigint, confirmationDepth = CONFIRMATION_DEPTH): Promise<void> {
    if (this.checking || this.closed) return;
    this.checking = true;
    const { rpc, ledger, metrics, log } = this.opts;
    try {
      for (const b of await ledger.blocksToConfirm()) {
        if (this.closed) return;
        const height = BigInt(b.height);
        if (height > tip) continue;
        const header = await rpc.getHeaderByNumber(height);
        if (!header) continue;
        if (header.hash !== b.hash) {
          await ledger.setChainStatus(b.id, 'orphaned');
          metrics.blocks.inc({ outcome: 'orphaned' });
          log.warn({ block: b.id, height: b.height, hash: b.hash, mainChain: header.hash }, 'block orphaned');
        } else if (tip - height >= BigInt(confirmationDepth)) {
          await ledger.setChainStatus(b.id, 'confirmed');
          metrics.blocks.inc({ outcome: 'confirmed' });
          log.info({ block: b.id, height: b.height, hash: b.hash }, 'block confirmed');
        } else if (b.chainStatus !== 'main') {
          await ledger.setChainStatus(b.id, 'main');
        }
      }
    } catch (err) {
      log.warn({ err: (err as Error).message }, 'confirmation check failed');
    } finally {
      this.checking = false;
    }
  }

  get pending(): number {
    return this.inFlight.size;
  }
}

export type { BlockRow };
