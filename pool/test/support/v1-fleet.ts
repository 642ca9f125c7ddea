import { connect, type Socket } from 'node:net';
import { powMidstate } from '../../src/ckb/eaglesong.js';
import { powOutputFromMidstate } from '../../src/ckb/pow.js';
import { meetsTarget, targetToCompact, targetToDifficulty } from '../../src/ckb/target.js';
import { type Devnet, startDevnet } from '../../src/devnet/index.js';
import type { RunningPool } from '../../src/pool/server.js';
import { targetForBtcpoolDifficulty } from '../../src/stratum-v1/dialects/targets.js';
import { MINER_VARDIFF_DEFAULTS } from '../../src/translator/miner-vardiff.js';
import { type RunningTranslator, startTranslator } from '../../src/translator/translator.js';
import { silent, startTestPool, tempDir } from '../e2e/harness.js';
import { type FleetMinerSpec, fleetDifficulties, REAL } from './v1-fleet-specs.js';

/**
 * A simulated fleet of V1 miners of mixed dialects against a real translator and a real dev
 * pool, in scaled time: every duration of the real world (share interval: the production 10 s,
 * vardiff period 60 s, a fresh miner's 90 s of measuring, block interval 10 s, "the first two
 * minutes") is divided by `scale`. Each miner really
 * hashes (Eaglesong, at its own hashrate of a few hundred H/s) and submits what meets the
 * target its job went out with, as V1 firmware does; the fleet test and the v1-fleet bench
 * share it.
 */

export {
  type FleetDialect,
  type FleetMinerSpec,
  fleetDifficulties,
  fleetSpecs,
  REAL,
} from './v1-fleet-specs.js';

export interface FleetStack {
  devnet: Devnet;
  pool: RunningPool;
  translator: RunningTranslator;
  close(): Promise<void>;
}

/**
 * Dev chain (blocks by "other miners" every 10 s scaled), pool and translator, all scaled; the
 * vardiff aims at a share every `shareIntervalS` real-world seconds.
 */
export async function startFleetStack(
  scale: number,
  shareIntervalS: number = REAL.shareIntervalS,
): Promise<FleetStack> {
  const interval = shareIntervalS / scale;
  const { start, max } = fleetDifficulties(shareIntervalS);
  const period = REAL.retargetPeriodS / scale;
  // Network difficulty 2^30: the fleet never finds a block; the others' blocks make new jobs.
  const devnet = await startDevnet({
    rpcPort: 0,
    compactTarget: targetToCompact(1n << 226n),
    blockIntervalMs: (REAL.blockIntervalS * 1000) / scale,
  });
  const t = tempDir();
  const pool = await startTestPool(devnet, `${t.dir}/ledger.sqlite`, {
    extra: {
      vardiff: {
        minDifficulty: 1,
        initialDifficulty: start,
        maxDifficulty: max,
        targetShareIntervalSeconds: interval,
        retargetPeriodSeconds: period,
      },
    },
  });
  const translator = await startTranslator({
    listen: '127.0.0.1:0',
    upstreams: [pool.poolUrl],
    chain: 'dev',
    metricsListen: null,
    log: silent,
    vardiff: {
      startDifficulty: start,
      minDifficulty: 1,
      maxDifficulty: max,
      targetShareIntervalSeconds: interval,
      retargetPeriodSeconds: period,
      measureSeconds: MINER_VARDIFF_DEFAULTS.measureSeconds / scale,
    },
  });
  return {
    devnet,
    pool,
    translator,
    async close() {
      await translator.close();
      await pool.close();
      await devnet.close();
      t.remove();
    },
  };
}

interface Job {
  id: string;
  midstate: Uint32Array;
  /** The target in force when its notify arrived: the one its shares are mined to. */
  target: bigint;
}

/** One simulated V1 miner: speaks its dialect, hashes at its rate, submits what meets its job's target. */
export class FleetMiner {
  accepted = 0;
  rejected = 0;
  rejectCodes: Record<string, number> = {};
  /** Difficulty of the target of each job it was sent, with the time (ms since start). */
  difficulties: Array<{ atMs: number; difficulty: number }> = [];
  /** When its connection was open (ms since start), null before. */
  connectedAtMs: number | null = null;
  /** When the answer to its mining.authorize came (ms since start), null before. */
  authorizedAtMs: number | null = null;
  /** Answers it waits for before that one: subscribe, suggest_difficulty, extranonce.subscribe. */
  private answersBeforeAuthorize = 0;
  private socket: Socket | null = null;
  private buf = '';
  private nextId = 1;
  private en1 = Buffer.alloc(0);
  private en2Size = 0;
  private target: bigint | null = null;
  private job: Job | null = null;
  private counter = 0n;
  private owed = 0;
  private timer: NodeJS.Timeout | null = null;
  private lastTickMs = 0;

  constructor(
    readonly spec: FleetMinerSpec,
    readonly index: number,
    private readonly startMs: number,
  ) {}

  /** The share difficulty this miner's rate aims at (hashrate × interval). */
  idealDifficulty(intervalS: number): number {
    return this.spec.hashRate * intervalS;
  }

  async start(url: string): Promise<void> {
    const u = new URL(url);
    const s = await new Promise<Socket>((resolve, reject) => {
      const c = connect({ host: u.hostname, port: Number(u.port) }, () => resolve(c));
      c.once('error', reject);
    });
    this.socket = s;
    this.connectedAtMs = Date.now() - this.startMs;
    s.setEncoding('utf8');
    s.on('data', (d: string) => this.onData(d));
    s.on('error', () => {});
    const d = this.spec.dialect;
    const agent = {
      ckb: 'fleet/1.0',
      'antminer-k7': 'godminer/1.0',
      goldshell: 'intminer/1.2.0',
      nerdminer: 'NerdMinerCKB/1.0',
      ckbminer: 'ckbminer-v1.0.0',
    }[d];
    this.answersBeforeAuthorize = 1 + (d === 'goldshell' ? 1 : 0) + (d !== 'ckbminer' ? 1 : 0); // ckbminer sends id 0 for all
    this.request('mining.subscribe', [agent, null]);
    if (d === 'goldshell') {
      // btcpool's scale is CKB's within 0.002 %: the difficulty its rate wants, as a power of two.
      this.request('mining.suggest_difficulty', [2 ** Math.round(Math.log2(this.spec.hashRate))]);
    }
    if (d !== 'ckbminer') this.request('mining.extranonce.subscribe', []);
    this.request('mining.authorize', [`fleet.m${this.index}`, 'x']);
    this.lastTickMs = performance.now();
    this.timer = setInterval(() => this.hash(), 20);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.socket?.destroy();
  }

  private request(method: string, params: unknown[]): void {
    // ckb-gominer sends id 0 for everything; the others count.
    const id = this.spec.dialect === 'ckbminer' ? 0 : this.nextId++;
    this.socket?.write(`${JSON.stringify({ id, method, params })}\n`);
  }

  private onData(d: string): void {
    this.buf += d;
    for (let nl = this.buf.indexOf('\n'); nl >= 0; nl = this.buf.indexOf('\n')) {
      const msg = JSON.parse(this.buf.slice(0, nl)) as {
        method?: string;
        params?: unknown[];
        result?: unknown;
        error?: unknown;
      };
      this.buf = this.buf.slice(nl + 1);
      this.onMessage(msg);
    }
  }

  private onMessage(m: { method?: string; params?: unknown[]; result?: unknown; error?: unknown }): void {
    const p = m.params ?? [];
    switch (m.method) {
      case 'mining.set_target': {
        const bytes = Buffer.from(p[0] as string, 'hex');
        if (this.spec.dialect === 'nerdminer') bytes.reverse();
        this.target = BigInt(`0x${bytes.toString('hex')}`);
        return;
      }
      case 'mining.set_difficulty':
        this.target = targetForBtcpoolDifficulty(p[0] as number);
        return;
      case 'mining.set_extranonce':
        this.en1 = Buffer.from(p[0] as string, 'hex');
        this.en2Size = p[1] as number;
        return;
      case 'mining.notify': {
        if (this.target === null) return;
        const pow = Buffer.from(p[1] as string, 'hex');
        // A new job: its shares are mined to the target that came before it (V1 convention).
        this.job = { id: p[0] as string, midstate: powMidstate(pow), target: this.target };
        this.difficulties.push({
          atMs: Date.now() - this.startMs,
          difficulty: Number(targetToDifficulty(this.target)),
        });
        return;
      }
      case undefined:
        break;
      default:
        return;
    }
    // An answer: the subscribe's result carries the extranonce; a submit's is true or false.
    const r = m.result;
    if (this.authorizedAtMs === null) {
      // Answered in order: the handshake's come before any submit's.
      if (this.answersBeforeAuthorize-- === 0) this.authorizedAtMs = Date.now() - this.startMs;
    }
    if (Array.isArray(r) && typeof r[1] === 'string' && typeof r[2] === 'number') {
      this.en1 = Buffer.from(r[1], 'hex');
      this.en2Size = r[2];
      return;
    }
    if (this.pendingSubmits > 0 && (r === true || r === false || r === null)) {
      this.pendingSubmits -= 1;
      if (r === true) this.accepted += 1;
      else {
        this.rejected += 1;
        const code = String((m.error as unknown[] | null)?.[0] ?? '?');
        this.rejectCodes[code] = (this.rejectCodes[code] ?? 0) + 1;
      }
    }
  }

  private pendingSubmits = 0;

  /** Hashes what its rate owes since the last tick on the current job; submits what meets its target. */
  private hash(): void {
    const now = performance.now();
    this.owed += ((now - this.lastTickMs) / 1000) * this.spec.hashRate;
    this.lastTickMs = now;
    const job = this.job;
    if (!job || this.en2Size === 0) {
      this.owed = 0;
      return;
    }
    const nonce = new Uint8Array(16);
    nonce.set(this.en1, 0);
    while (this.owed >= 1) {
      this.owed -= 1;
      this.counter += 1n;
      let c = this.counter;
      for (let i = 15; i >= this.en1.length; i--) {
        nonce[i] = Number(c & 0xffn);
        c >>= 8n;
      }
      if (!meetsTarget(powOutputFromMidstate('dev', job.midstate, nonce), job.target)) continue;
      const en2 = Buffer.from(nonce.subarray(this.en1.length)).toString('hex');
      this.pendingSubmits += 1;
      // Sent (and answered) in order: a reject is matched to its submit by position.
      if (this.spec.dialect === 'ckbminer')
        this.socket?.write(
          `${JSON.stringify({ id: 0, method: 'mining.submit', params: [`fleet.m${this.index}`, job.id, en2] })}\n`,
        );
      else this.request('mining.submit', [`fleet.m${this.index}`, job.id, en2]);
    }
  }
}

export interface FleetResult {
  scale: number;
  miners: FleetMiner[];
  /** Shares answered in the first `REAL 120 s / scale` and overall. */
  firstTwoMinutes: { accepted: number; rejected: number };
  overall: { accepted: number; rejected: number };
}

/**
 * Runs `specs` against the stack for `runMs` (real ms); counts the answers of the first two
 * scaled minutes separately.
 */
export async function runFleet(
  stack: FleetStack,
  specs: FleetMinerSpec[],
  scale: number,
  runMs: number,
): Promise<FleetResult> {
  const start = Date.now();
  const miners = specs.map((s, i) => new FleetMiner(s, i, start));
  const joins = miners.map(
    (m) =>
      new Promise<void>((resolve, reject) => {
        setTimeout(() => m.start(stack.translator.v1Url).then(resolve, reject), m.spec.joinAtMs);
      }),
  );
  const sum = () => ({
    accepted: miners.reduce((a, m) => a + m.accepted, 0),
    rejected: miners.reduce((a, m) => a + m.rejected, 0),
  });
  await Promise.all(joins);
  const firstMs = (120 * 1000) / scale;
  await new Promise((r) => setTimeout(r, Math.max(0, firstMs - (Date.now() - start))));
  const firstTwoMinutes = sum();
  await new Promise((r) => setTimeout(r, Math.max(0, runMs - (Date.now() - start))));
  for (const m of miners) m.stop();
  return { scale, miners, firstTwoMinutes, overall: sum() };
}

/** ms from `from` (connect or authorize answer) until a miner's first job, null when it got none. */
export function firstJobDelay(m: FleetMiner, from: 'connect' | 'authorize'): number | null {
  const first = m.difficulties[0];
  const at = from === 'connect' ? m.connectedAtMs : m.authorizedAtMs;
  return first && at !== null ? first.atMs - at : null;
}

/** ms after its join until a miner was first given a target within 2× of its ideal difficulty. */
export function timeToTarget(m: FleetMiner, intervalS: number): number | null {
  const ideal = m.idealDifficulty(intervalS);
  const hit = m.difficulties.find((d) => d.difficulty <= ideal * 2 && d.difficulty >= ideal / 2);
  return hit ? hit.atMs - m.spec.joinAtMs : null;
}

/**
 * The miner's share rate over [fromMs, toMs] (ms since the start) relative to the aim (1 = on
 * target): the rate its hashrate gives at the targets its jobs went out with, weighted by how
 * long each was in force. Judged over a window of several retargets, not at the last target
 * alone, so one unlucky retarget at the very end does not decide it. 0 when it had no job then.
 */
export function rateRatioOver(m: FleetMiner, intervalS: number, fromMs: number, toMs: number): number {
  const ideal = m.idealDifficulty(intervalS);
  let weighted = 0;
  const ds = m.difficulties;
  for (let i = 0; i < ds.length; i++) {
    const d = ds[i] as { atMs: number; difficulty: number };
    const begin = Math.max(fromMs, d.atMs);
    const end = Math.min(toMs, ds[i + 1]?.atMs ?? toMs);
    if (end > begin) weighted += ((end - begin) * ideal) / d.difficulty;
  }
  return weighted / (toMs - fromMs);
}
