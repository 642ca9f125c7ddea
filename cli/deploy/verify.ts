/**
 * The deployment's proof of life, from the operator's machine: open TCP to the pool's public
 * SV2 port and complete the Noise handshake, checking that the server's certificate is signed by
 * this deployment's authority key — exactly what a miner with the published URL does.
 */
import { Sv2ConnectionError } from 'ckb-pool/sv2/connection';
import { connectSv2 } from 'ckb-pool/sv2/handshake-io';

export interface VerifyOptions {
  host: string;
  port: number;
  authorityPubkey: string;
  /** Keep retrying connection failures for this long (the port may still be opening). */
  totalMs: number;
  intervalMs: number;
  /** Per attempt: TCP connect + handshake. */
  attemptMs?: number;
  onAttempt?: (attempt: number, problem: string) => void;
}

/** Reasons that retrying cannot fix: the server answered, but not as this deployment's pool. */
const FINAL = new Set([
  'wrong-authority',
  'bad-act2',
  'bad-certificate',
  'certificate-expired',
  'certificate-not-yet-valid',
]);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Resolves with the number of attempts it took; rejects with a message saying what to check. */
export async function verifySv2Handshake(o: VerifyOptions): Promise<number> {
  const deadline = Date.now() + o.totalMs;
  let attempt = 0;
  for (;;) {
    attempt += 1;
    try {
      const conn = await connectSv2({
        host: o.host,
        port: o.port,
        authorityPubkey: o.authorityPubkey,
        timeoutMs: o.attemptMs ?? 10_000,
      });
      conn.close('local-close', 'deployment check done');
      conn.socket.destroy();
      return attempt;
    } catch (e) {
      const reason = e instanceof Sv2ConnectionError ? e.reason : 'error';
      const problem = `${reason}: ${(e as Error).message}`;
      o.onAttempt?.(attempt, problem);
      if (FINAL.has(reason)) {
        throw new Error(
          `the server on ${o.host}:${o.port} is not signed by this deployment's authority key (${problem}). ` +
            'Another pool may answer there, or the secrets folder changed since the bundle was deployed: re-run `up`.',
        );
      }
      if (Date.now() + o.intervalMs > deadline) {
        throw new Error(
          `no SV2 handshake with ${o.host}:${o.port} within ${Math.round(o.totalMs / 1000)} s (${problem}). ` +
            `Check that port ${o.port} is open to your address (publicCidrs) and that the pool container runs.`,
        );
      }
      await sleep(o.intervalMs);
    }
  }
}
