/**
 * Reading the pool's HTTP API (bound to the host's loopback; reached directly on this machine
 * or through an SSH tunnel): `/health`, `/api/v1/pool`, `/api/v1/blocks`.
 */

export interface HealthView {
  ready: boolean;
  reasons: string[];
  nodeTip?: string | null;
  height?: string | null;
}

export interface PoolView {
  chain?: string;
  height?: string | null;
  nodeTip?: string | null;
  connections?: number;
  channels?: number;
  workersOnline?: number;
  hashrate?: Record<string, number>;
  blocks?: Record<string, number>;
}

export interface BlockView {
  height: number;
  hash: string;
  worker: string;
  foundAtMs: number;
  status: string;
}

export class PoolApiError extends Error {
  override name = 'PoolApiError';
}

/** GET a JSON document; `allow` lists the non-2xx statuses whose body is still wanted (503 health). */
export async function getJson<T>(url: string, timeoutMs = 5_000, allow: number[] = []): Promise<T> {
  // A ref'd timer (AbortSignal.timeout's is unref'd): while a request is pending, the process
  // must not exit just because fetch's socket does not hold the event loop open.
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  try {
    let res: Response;
    try {
      res = await fetch(url, { signal: abort.signal });
    } catch (e) {
      const cause = (e as { cause?: { code?: string } }).cause?.code ?? (e as Error).message;
      throw new PoolApiError(`${url}: ${cause}`);
    }
    if (!res.ok && !allow.includes(res.status)) throw new PoolApiError(`${url}: HTTP ${res.status}`);
    return (await res.json()) as T;
  } finally {
    clearTimeout(timer);
  }
}

export const health = (base: string) => getJson<HealthView>(`${base}/health`, 5_000, [503]);
export const poolView = (base: string) => getJson<PoolView>(`${base}/api/v1/pool`);
export const lastBlocks = (base: string, n = 1) =>
  getJson<{ blocks: BlockView[]; counts: Record<string, number> }>(`${base}/api/v1/blocks?limit=${n}`);

/** Hashes per second in human units ("1.23 GH/s"). */
export function formatHashrate(hps: number): string {
  const units = ['H/s', 'kH/s', 'MH/s', 'GH/s', 'TH/s', 'PH/s', 'EH/s'];
  let v = hps;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${v.toFixed(i === 0 ? 0 : 2)} ${units[i]}`;
}

/** What `status` shows of one pool: its readiness, its figures and its last block. */
export interface StatusReport {
  where: string;
  health: HealthView;
  pool: PoolView;
  last: BlockView | null;
  counts: Record<string, number>;
}

export async function readStatus(base: string, where: string): Promise<StatusReport> {
  const [h, pool, blocks] = await Promise.all([health(base), poolView(base), lastBlocks(base, 1)]);
  return { where, health: h, pool, last: blocks.blocks[0] ?? null, counts: blocks.counts ?? {} };
}
