import { formatHashrate } from 'ckb-pool/miner/format';
import type { DevEnvironment } from './environment.js';

/** The live status of `ckb-pool-deploy dev`, read from the pool's API and the parts in process. */

export interface DevStatus {
  height: number;
  poolHashrate: number;
  minerHashrate: number | null;
  workersOnline: number;
  workers: Array<{ name: string; accepted: number; rejected: number; blocks: number }>;
  blocks: { accepted: number; pending: number; rejected: number };
  v1Miners: number;
  translatorUp: boolean;
  /** With --jd: what the JD client's miners mine (its own declared block, or the pool's job). */
  jd: { source: 'pool' | 'declared' | 'none'; height: string; added: number } | null;
  /** The built-in miner's account (shannons as decimal strings), when it runs. */
  account: {
    address: string;
    balance: string;
    immature: string;
    paid: string;
    payoutsEnabled: boolean;
  } | null;
}

interface PoolView {
  workersOnline: number;
  blocks: { pending: number; submitted: number; accepted: number; rejected: number };
}

interface WorkerView {
  name: string;
  acceptedDifficulty: number;
  acceptedShares: number;
  rejectedShares: number;
  blocks: number;
}

export async function readStatus(env: DevEnvironment): Promise<DevStatus> {
  const [pool, workers] = await Promise.all([
    fetch(`${env.pool.apiUrl}/api/v1/pool`).then((r) => r.json() as Promise<PoolView>),
    // A dev pool has a handful of workers: the first page (up to 500) holds them all.
    fetch(`${env.pool.apiUrl}/api/v1/workers?limit=500`)
      .then((r) => r.json() as Promise<{ workers: WorkerView[] }>)
      .then((page) => page.workers),
  ]);
  const t = env.translator.stats();
  const address = env.endpoints.miner_address;
  const account = address
    ? await fetch(`${env.pool.apiUrl}/api/v1/miners/${address}`).then((r) =>
        r.status === 200 ? (r.json() as Promise<NonNullable<DevStatus['account']>>) : null,
      )
    : null;
  const work = env.jdClient?.activeWork ?? null;
  const jd = env.jdClient
    ? {
        source: work?.source ?? ('none' as const),
        height: work ? work.job.height.toString() : '-',
        added: work?.local?.added ?? 0,
      }
    : null;
  return {
    jd,
    account,
    height: Number(BigInt(env.devnet.tip().number)),
    // Σ accepted share difficulty since start / time (the API's own windows are 10 min and 1 h).
    poolHashrate:
      workers.reduce((a, w) => a + w.acceptedDifficulty, 0) /
      Math.max(1, (Date.now() - env.startedAtMs) / 1000),
    minerHashrate: env.miner ? env.miner.stats().hashrate : null,
    workersOnline: pool.workersOnline,
    workers: workers.map((w) => ({
      name: w.name,
      accepted: w.acceptedShares,
      rejected: w.rejectedShares,
      blocks: w.blocks,
    })),
    blocks: {
      accepted: pool.blocks.accepted,
      pending: pool.blocks.pending + pool.blocks.submitted,
      rejected: pool.blocks.rejected,
    },
    v1Miners: t.v1Connections,
    translatorUp: t.upstreamConnected,
  };
}

export function renderStatus(s: DevStatus): string[] {
  const lines = [
    `chain height ${s.height} | blocks found ${s.blocks.accepted} accepted, ${s.blocks.pending} pending, ${s.blocks.rejected} rejected`,
    `pool hashrate ${formatHashrate(s.poolHashrate)} (from shares)` +
      (s.minerHashrate !== null ? ` | CPU miner ${formatHashrate(s.minerHashrate)}` : '') +
      ` | workers online ${s.workersOnline} | V1 miners ${s.v1Miners}${s.translatorUp ? '' : ' (translator reconnecting)'}`,
  ];
  if (s.jd) {
    const what =
      s.jd.source === 'declared'
        ? `its own declared block #${s.jd.height} (${s.jd.added} transactions by its policy)`
        : s.jd.source === 'pool'
          ? `the pool's job #${s.jd.height} (no declared job accepted yet, see the log)`
          : 'nothing yet';
    lines.push(`JD client: miners mine ${what}`);
  }
  if (s.account) {
    const a = s.account;
    lines.push(
      `built-in miner's account: balance ${ckb(a.balance)}, immature ${ckb(a.immature)}, paid ${ckb(a.paid)}` +
        (a.payoutsEnabled ? '' : ' (payouts off: solo mode)'),
    );
  }
  for (const w of s.workers.slice(0, 8)) {
    lines.push(
      `  ${w.name.padEnd(24)} shares ${w.accepted} accepted, ${w.rejected} rejected | blocks ${w.blocks}`,
    );
  }
  if (s.workers.length > 8) lines.push(`  … and ${s.workers.length - 8} more workers`);
  return lines;
}

/** Shannons (decimal string) as CKB, exact. */
export function ckb(shannons: string): string {
  const s = BigInt(shannons);
  const frac = (s % 100_000_000n).toString().padStart(8, '0').replace(/0+$/, '');
  return `${s / 100_000_000n}${frac ? `.${frac}` : ''} CKB`;
}
