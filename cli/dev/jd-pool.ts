/** Where `dev --jd` meets the pool's Job Declarator listener (issue 18). */
import type { RunningPool } from 'ckb-pool/pool/server';

/** The pool.yaml section that starts the JDS on a free port of `host`. */
export function jdPoolConfig(host: string): { jd: { listen: string } } {
  return { jd: { listen: `${host}:0` } };
}

/**
 * The JD listener's `stratum2+tcp://HOST:PORT/KEY`: the JDS speaks Noise with the pool's own
 * authority key, so the key is the one in the pool's mining URL.
 */
export function poolJdsUrl(pool: RunningPool): string {
  if (!pool.jdAddress) throw new Error('the pool runs no Job Declarator listener (jd.listen is unset)');
  const key = new URL(pool.poolUrl).pathname.replace(/^\//, '');
  return `stratum2+tcp://${pool.jdAddress}/${key}`;
}
