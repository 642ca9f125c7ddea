import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { PoolMetrics } from '../api/metrics.js';
import { CkbRpcClient, CkbRpcError } from '../ckb/rpc.js';
import { templateToBlock } from '../ckb/template.js';
import { startDevnet } from '../devnet/index.js';
import { Ledger } from '../ledger/ledger.js';
import type { NewBlock } from '../ledger/records.js';
import { BlockSubmitter } from './blocks.js';
import { makeJob } from './jobs.js';

function block(height: number, hash: string): NewBlock {
  return {
    height,
    hash,
    powHash: `0x${'11'.repeat(32)}`,
    parentHash: `0x${'22'.repeat(32)}`,
    nonce: '0x1',
    worker: 'w',
    foundAtMs: 0,
    networkDifficulty: 10,
    shareDifficulty: 1,
    workId: '1',
    blockJson: '{"header":{}}',
  };
}

function setup(rpc: Partial<CkbRpcClient>) {
  const ledger = new Ledger(join(mkdtempSync(join(tmpdir(), 'blocks-')), 'l.sqlite'), { flushIntervalMs: 0 });
  const metrics = new PoolMetrics();
  const submitter = new BlockSubmitter({
    rpc: rpc as CkbRpcClient,
    ledger,
    metrics,
    log: pino({ level: 'silent' }),
    pplnsWindowFactor: 2,
    initialBackoffMs: 5,
    maxBackoffMs: 20,
  });
  return { ledger, metrics, submitter };
}

const H = (c: string) => `0x${c.repeat(64)}`;

describe('block submission and confirmation', () => {
  it('retries transport failures until the node answers, then records its verdict', async () => {
    let calls = 0;
    const { ledger, submitter } = setup({
      submitBlock: async () => {
        calls += 1;
        if (calls < 3) throw new Error('ECONNREFUSED');
        throw new CkbRpcError(-3, 'Invalid: Header(Timestamp(BlockTimeTooOld))', 'submit_block', 'http://x');
      },
    });
    const { id } = ledger.addPendingBlock(block(5, H('a')), 10);
    await submitter.resubmitUnresolved(5n);
    for (let i = 0; i < 100 && ledger.block(id)?.status !== 'rejected'; i++)
      await new Promise((r) => setTimeout(r, 10));
    expect(ledger.block(id)).toMatchObject({ status: 'rejected', attempts: 3 });
    expect(ledger.block(id)?.message).toContain('BlockTimeTooOld');
    await submitter.close();
    ledger.close();
  });

  it('still submits a found block when the ledger cannot record it', async () => {
    const d = await startDevnet({ rpcPort: 0 });
    try {
      const template = await new CkbRpcClient(d.rpcUrl).getBlockTemplate();
      const job = makeJob(1, templateToBlock(template), true, Date.now(), 100);
      const submitted: string[] = [];
      const { ledger, metrics, submitter } = setup({
        submitBlock: async (workId: string) => {
          submitted.push(workId);
          return H('f');
        },
      });
      ledger.close();
      const id = await submitter.found({
        job,
        nonce16: new Uint8Array(16),
        worker: 'w',
        shareDifficulty: 1,
        connectionId: 1,
        channelId: 2,
      });
      expect(id).toBeNull();
      await submitter.close();
      expect(submitted).toEqual([job.block.workId.toString()]);
      expect(await metrics.text()).toContain('ckb_pool_blocks_total{outcome="record_error"} 1');
    } finally {
      await d.close();
    }
  });

  it('does not resubmit blocks far below the tip after a restart', async () => {
    const { ledger, submitter } = setup({ submitBlock: async () => H('b') });
    const { id } = ledger.addPendingBlock(block(5, H('b')), 10);
    expect(await submitter.resubmitUnresolved(500n)).toBe(0);
    expect(ledger.block(id)?.status).toBe('rejected');
    expect(ledger.block(id)?.message).toMatch(/expired/);
    ledger.close();
  });

  it('marks accepted blocks main, then confirmed when deep enough, or orphaned when replaced', async () => {
    const mainChain = new Map<bigint, string>([
      [10n, H('c')],
      [11n, H('e')],
    ]);
    const { ledger, metrics, submitter } = setup({
      getHeaderByNumber: async (n: bigint) =>
        mainChain.has(n) ? ({ hash: mainChain.get(n) } as never) : null,
    });
    const ours = ledger.addPendingBlock(block(10, H('c')), 10).id;
    const lost = ledger.addPendingBlock(block(11, H('d')), 10).id;
    ledger.setBlockVerdict(ours, 'accepted', null);
    ledger.setBlockVerdict(lost, 'accepted', null);
    await submitter.checkConfirmations(12n);
    expect(ledger.block(ours)?.chainStatus).toBe('main');
    expect(ledger.block(lost)?.chainStatus).toBe('orphaned');
    await submitter.checkConfirmations(21n);
    expect(ledger.block(ours)?.chainStatus).toBe('confirmed');
    expect(ledger.blocksToConfirm()).toEqual([]);
    expect(await metrics.text()).toContain('ckb_pool_blocks_total{outcome="orphaned"} 1');
    ledger.close();
  });

  it('counts a second block found at one height as contending, and settles the height on confirmation', async () => {
    const { ledger, submitter } = setup({
      getHeaderByNumber: async () => ({ hash: H('f') }) as never,
    });
    const first = ledger.addPendingBlock(block(10, H('e')), 10);
    const second = ledger.addPendingBlock(block(10, H('f')), 10);
    expect([first.counted, second.counted]).toEqual([true, false]);
    ledger.setBlockVerdict(first.id, 'accepted', null);
    ledger.setBlockVerdict(second.id, 'accepted', null);
    await submitter.checkConfirmations(30n);
    expect(ledger.block(first.id)?.chainStatus).toBe('orphaned');
    expect(ledger.block(second.id)?.chainStatus).toBe('confirmed');
    expect(ledger.payableBlocks().map((b) => b.id)).toEqual([second.id]);
    expect(ledger.worker('w')?.blocks).toBe(1);
    ledger.close();
  });
});
