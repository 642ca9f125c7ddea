/**
 * SEAM for `dev --jd` (issue 18): the two places where the dev environment meets the pool's
 * JD listener, which another branch (wt-jds) adds. Until it lands here, `jdPoolConfig` asks the
 * pool config for `jd.listen` and the config refuses the unknown section, so `dev --jd` stops
 * with `JD_LISTENER_MISSING`; once the pool takes `jd.listen` and its RunningPool names the
 * listener's URL, both functions work unchanged. If wt-jds names them differently, these two
 * functions are all the lead has to adjust.
 */
import type { RunningPool } from 'ckb-pool/pool/server';

export const JD_LISTENER_MISSING =
  'this build of the pool has no Job Declarator listener (jd.listen in pool.yaml); dev --jd needs it';

/** The pool.yaml section that starts the JDS on a free port of `host`. */
export function jdPoolConfig(host: string): { jd: { listen: string } } {
  return { jd: { listen: `${host}:0` } };
}

/** The JD listener's `stratum2+tcp://HOST:PORT/KEY` (RunningPool.jdsUrl), or null without one. */
export function poolJdsUrl(pool: RunningPool): string | null {
  const url = (pool as RunningPool & { jdsUrl?: unknown }).jdsUrl;
  return typeof url === 'string' && url.length > 0 ? url : null;
}
