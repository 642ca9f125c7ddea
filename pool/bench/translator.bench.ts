/**
 * The V1→V2 translator against SV2 straight to the pool, in the same run (dev chain, pool and
 * translator in this process; every share valid at channel difficulty 1, the network target
 * out of reach so no block or stale share disturbs the run; the pool acknowledges each share
 * on its own). V1 and SV2 shares alternate, one in flight at a time, so both see the same
 * machine. Prints one JSON line:
 *
 * - `wireBytesPerShare`: bytes on the sockets (both directions, everything including job
 *   notifications) per accepted share: `v1` = miner ↔ translator (JSON lines), `sv2Direct` =
 *   SV2 miner ↔ pool (Noise-encrypted frames), `sv2Upstream` = translator ↔ pool for the V1
 *   miner's shares; `v1VsSv2` = v1 / sv2Direct.
 * - `latencyMs`: share round trip (submit written → verdict read) through the translator
 *   (`v1`) and straight to the pool (`sv2`), p50/p99; `translatorAddedMs` = the difference.
 * - `batchedWireBytesPerShare`: the same byte counts with the pool's default acknowledgement
 *   batching (10 shares per SubmitShares.Success) and 10 shares in flight per miner.
 *
 * BENCH_SHARES (default 1,500 of each kind).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import pino from 'pino';
import { targetToCompact } from '../src/ckb/target.js';
import { startDevnet } from '../src/devnet/index.js';
import { parseConfig } from '../src/pool/config.js';
import { startPool } from '../src/pool/server.js';
import { generateAuthorityKeypair } from '../src/sv2/noise/keys.js';
import { startTranslator } from '../src/translator/translator.js';
import { TestClient } from '../test/support/test-client.js';
import { benchWorker } from './worker-names.js';

const SHARES = Number(process.env.BENCH_SHARES ?? 1_500);
const silent = pino({ level: 'silent' });

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}
const round = (x: number, d = 3) => Math.round(x * 10 ** d) / 10 ** d;

/** A minimal V1 miner: one request in flight, answers matched by id. */
class V1Line {
  private buf = '';
  private waiting = new Map<number, (msg: Record<string, unknown>) => void>();
  notes: Array<Record<string, unknown>> = [];
  private noteWaiters: Array<() => void> = [];
  private id = 1;
  constructor(readonly socket: Socket) {
    // A closed line answers what is still waiting, so a refused run stops instead of hanging.
    socket.on('close', () => {
      for (const answer of this.waiting.values())
        answer({ result: null, error: [0, 'connection closed', null] });
      this.waiting.clear();
    });
    socket.setEncoding('utf8');
    socket.setNoDelay(true);
    socket.on('data', (d: string) => {
      this.buf += d;
      let nl = this.buf.indexOf('\n');
      while (nl >= 0) {
        const msg = JSON.parse(this.buf.slice(0, nl)) as Record<string, unknown>;
        this.buf = this.buf.slice(nl + 1);
        if (typeof msg.id === 'number' && msg.method === undefined) {
          this.waiting.get(msg.id)?.(msg);
          this.waiting.delete(msg.id);
        } else {
          this.notes.push(msg);
          for (const w of this.noteWaiters.splice(0)) w();
        }
        nl = this.buf.indexOf('\n');
      }
    });
  }
  request(method: string, params: unknown[]): Promise<Record<string, unknown>> {
    const id = this.id++;
    return new Promise((resolve) => {
      this.waiting.set(id, resolve);
      this.socket.write(`${JSON.stringify({ id, method, params })}\n`);
    });
  }
  async note(method: string): Promise<Record<string, unknown>> {
    for (;;) {
      const n = [...this.notes].reverse().find((x) => x.method === method);
      if (n) return n;
      await new Promise<void>((r) => this.noteWaiters.push(r));
    }
  }
}

interface Phase {
  v1Ok: number;
  sv2Ok: number;
  v1Bytes: number;
  sv2Bytes: number;
  upBytes: number;
  v1Rtt: number[];
  sv2Rtt: number[];
}

/** One pool + translator on the dev chain; `window` shares in flight per miner. */
async function phase(
  devnet: Awaited<ReturnType<typeof startDevnet>>,
  dir: string,
  shares: { batchMaxCount: number; batchMaxDelayMs: number },
  window: number,
): Promise<Phase> {
  const pool = await startPool(
    parseConfig({
      chain: 'dev',
      node: { rpcUrl: devnet.rpcUrl, subscribeAddress: devnet.subscribeAddress, pollIntervalMs: 1_000 },
      sv2: { listen: '127.0.0.1:0', authorityKeyFile: '/nonexistent' },
      api: { listen: '127.0.0.1:0' },
      vardiff: { minDifficulty: 1, maxDifficulty: 1, initialDifficulty: 1, retargetPeriodSeconds: 3_600 },
      shares,
      ledger: { path: join(dir, `ledger-${window}.sqlite`), flushIntervalMs: 200 },
      jobs: { minUpdateIntervalMs: 60_000 },
      log: { level: 'silent' },
    }),
    { logger: silent, authoritySecret: generateAuthorityKeypair().secret },
  );
  await pool.waitForJob();
  const tr = await startTranslator({
    listen: '127.0.0.1:0',
    upstreams: [pool.poolUrl],
    chain: 'dev',
    // Every nonce is a share for the miner as for the pool's channel (difficulty 1).
    vardiff: { startDifficulty: 1, minDifficulty: 1, maxDifficulty: 1, guessMargin: 1 },
    // One miner sends every share of the run, far above a real miner's request rate.
    limits: { maxMessagesPerSecond: 1_000_000, maxMessageBurst: 1_000_000 },
    metricsListen: null,
    log: silent,
  });

  // V1 miner through the translator.
  const u = new URL(tr.v1Url);
  const socket = await new Promise<Socket>((resolve) => {
    const s = connect({ host: u.hostname, port: Number(u.port) }, () => resolve(s));
  });
  const v1 = new V1Line(socket);
  const sub = (await v1.request('mining.subscribe', ['bench', null])).result as [null, string, number];
  await v1.request('mining.authorize', [benchWorker('v1'), 'x']);
  const notify = (await v1.note('mining.notify')).params as [string];
  const jobId = notify[0];
  const en2Size = sub[2];

  // SV2 miner straight to the pool.
  const sv2 = await TestClient.connect(pool.sv2Address, pool.authorityPubkey);
  await sv2.setup();
  const ch = await sv2.openStandard(benchWorker('sv2'));
  const job = await sv2.waitJob(ch);

  const r: Phase = { v1Ok: 0, sv2Ok: 0, v1Bytes: 0, sv2Bytes: 0, upBytes: 0, v1Rtt: [], sv2Rtt: [] };
  const mark = () => ({
    v1: socket.bytesRead + socket.bytesWritten,
    sv2: sv2.conn.socket.bytesRead + sv2.conn.socket.bytesWritten,
    up: tr.stats().sv2BytesIn + tr.stats().sv2BytesOut,
  });
  const start = mark();
  let n = 0;
  for (let i = 0; i < SHARES; i += window) {
    // V1: `window` submits on the wire, then their answers.
    let t0 = performance.now();
    const pending: Promise<Record<string, unknown>>[] = [];
    for (let k = 0; k < window; k++) {
      const en2 = Buffer.alloc(en2Size);
      en2.writeUInt32BE(n + k, en2Size - 4);
      pending.push(v1.request('mining.submit', [benchWorker('v1'), jobId, en2.toString('hex')]));
    }
    for (const a of await Promise.all(pending)) if (a.result === true) r.v1Ok++;
    r.v1Rtt.push(performance.now() - t0);

    t0 = performance.now();
    let seq = 0;
    for (let k = 0; k < window; k++) {
      const suffix = new Uint8Array(12);
      new DataView(suffix.buffer).setUint32(8, n + k);
      seq = sv2.submit(ch.channelId, job.jobId, suffix);
    }
    if ((await sv2.answer(ch.channelId, seq)) === 'ok') r.sv2Ok += window;
    r.sv2Rtt.push(performance.now() - t0);
    // TestClient keeps every message; drop the answered ones so lookups stay cheap.
    if (sv2.inbox.length > 64) sv2.inbox.splice(0, sv2.inbox.length - 8);
    n += window;
  }
  const end = mark();
  if (r.v1Ok < SHARES || r.sv2Ok < SHARES) {
    throw new Error(
      `bench: shares refused or lost (V1 ${r.v1Ok}, SV2 ${r.sv2Ok} accepted of ${SHARES} each)`,
    );
  }
  r.v1Bytes = (end.v1 - start.v1) / Math.max(1, r.v1Ok);
  r.sv2Bytes = (end.sv2 - start.sv2) / Math.max(1, r.sv2Ok);
  r.upBytes = (end.up - start.up) / Math.max(1, r.v1Ok);
  r.v1Rtt.sort((a, b) => a - b);
  r.sv2Rtt.sort((a, b) => a - b);
  socket.destroy();
  sv2.close();
  await tr.close();
  await pool.close();
  return r;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-translator-'));
  // Difficulty 2^48: random nonces never make a block during the run.
  const devnet = await startDevnet({ rpcPort: 0, compactTarget: targetToCompact(1n << 208n) });
  const single = await phase(devnet, dir, { batchMaxCount: 1, batchMaxDelayMs: 1 }, 1);
  const batched = await phase(devnet, dir, { batchMaxCount: 10, batchMaxDelayMs: 1_000 }, 10);
  const bytes = (p: Phase) => ({
    v1: round(p.v1Bytes, 1),
    sv2Direct: round(p.sv2Bytes, 1),
    sv2Upstream: round(p.upBytes, 1),
    v1VsSv2: round(p.v1Bytes / p.sv2Bytes, 3),
  });
  const result = {
    bench: 'translator',
    shares: SHARES,
    accepted: { v1: single.v1Ok, sv2: single.sv2Ok, v1Batched: batched.v1Ok, sv2Batched: batched.sv2Ok },
    wireBytesPerShare: bytes(single),
    batchedWireBytesPerShare: bytes(batched),
    latencyMs: {
      v1: { p50: round(percentile(single.v1Rtt, 50)), p99: round(percentile(single.v1Rtt, 99)) },
      sv2: { p50: round(percentile(single.sv2Rtt, 50)), p99: round(percentile(single.sv2Rtt, 99)) },
      translatorAddedMs: {
        p50: round(percentile(single.v1Rtt, 50) - percentile(single.sv2Rtt, 50)),
        p99: round(percentile(single.v1Rtt, 99) - percentile(single.sv2Rtt, 99)),
      },
    },
  };
  await devnet.close();
  rmSync(dir, { recursive: true, force: true });
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

await main();
