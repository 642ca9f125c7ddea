import type { Logger } from 'pino';
import type { PoolMetrics } from '../api/metrics.js';
import { nonceFromBytes } from '../ckb/header.js';
import { bytesToHex0x, toMinimalHex } from '../ckb/hex.js';
import { type CkbRpcClient, CkbRpcError } from '../ckb/rpc.js';
import type { BlockJson } from '../ckb/rpc-types.js';
import { blockToSubmitJson, templateBlockHash } from '../ckb/template.js';
import type { BlockRow, Ledger } from '../ledger/ledger.js';
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
  ledger: Ledger;
  metrics: PoolMetrics;
  log: Logger;
  pplnsWindowFactor: number;
  /** First retry delay; doubles up to maxBackoffMs. */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** Unresolved blocks deeper than this below the tip are not resubmitted on start. */
  resubmitHorizon?: number;
}

export class BlockSubmitter {
  private closed = false;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly wakeups = new Set<() => void>();

  constructor(private readonly opts: BlockSubmitterOptions) {}

  /** Records a found block (synchronously) and starts submitting it. */
  found(f: FoundBlock): number {
    const { ledger, metrics, log } = this.opts;
    const nonce = nonceFromBytes(f.nonce16);
    const json = blockToSubmitJson(f.job.block, nonce);
    const hash = bytesToHex0x(templateBlockHash(f.job.block, nonce));
    const { id, split } = ledger.addPendingBlock(
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
      },
      f.job.networkDifficulty * this.opts.pplnsWindowFactor,
    );
    metrics.blocks.inc({ outcome: 'found' });
    log.info(
      {
        block: id,
        hash,
        height: f.job.height.toString(),
        worker: f.worker,
        pplnsWorkers: split?.entries.length,
      },
      'block found; recorded as pending',
    );
    this.track(this.submit(id, f.job.block.workId.toString(), json, hash));
    return id;
  }

  /** Resubmits the ledger's unresolved blocks (on start). */
  resubmitUnresolved(tipNumber: bigint | null): number {
    const { ledger, log } = this.opts;
    const horizon = this.opts.resubmitHorizon ?? 100;
    let n = 0;
    for (const b of ledger.unresolvedBlocks()) {
      if (tipNumber !== null && BigInt(b.height) + BigInt(horizon) < tipNumber) {
        ledger.setBlockVerdict(
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

  private async submit(id: number, workId: string, json: BlockJson, hash: string): Promise<void> {
    const { rpc, ledger, metrics, log } = this.opts;
    let delay = this.opts.initialBackoffMs ?? 250;
    const maxDelay = this.opts.maxBackoffMs ?? 10_000;
    for (let attempt = 1; !this.closed; attempt++) {
      ledger.markSubmitting(id);
      try {
        const answer = await rpc.submitBlock(workId, json);
        const message = answer === hash ? null : `node returned hash ${answer}, expected ${hash}`;
        ledger.setBlockVerdict(id, 'accepted', message);
        metrics.blocks.inc({ outcome: 'accepted' });
        log.info({ block: id, hash: answer, attempt }, 'block accepted by the node');
        return;
      } catch (err) {
        if (err instanceof CkbRpcError) {
          ledger.setBlockVerdict(id, 'rejected', `${err.code}: ${err.message}`);
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

  get pending(): number {
    return this.inFlight.size;
  }
}

export type { BlockRow };
