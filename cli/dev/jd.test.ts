import { targetToCompact } from 'ckb-pool/ckb/target';
import type { FoundBlock } from 'ckb-pool/jd-client/jd-client';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { type DevEnvironment, startDevEnvironment } from './environment.js';

const log = pino({ level: 'silent' });
const running: DevEnvironment[] = [];
afterEach(async () => {
  for (const env of running.splice(0)) await env.close();
});

const options = {
  host: '127.0.0.1',
  rpcPort: 0,
  sv2Port: 0,
  v1Port: 0,
  apiPort: 0,
  webPort: 0,
  miner: 'sv2' as const,
  minerThreads: 1,
  // ~260 k hashes a block: a second or so for one thread, time for a declaration round trip (at dev chain ease every tip would be gone before its declaration is accepted).
  compactTarget: targetToCompact(1n << 238n),
  jd: { includeTx: [] },
  log,
};

describe('ckb-pool-deploy dev --jd', () => {
  it('mines declared blocks of the JD client’s own node that the dev chain accepts', async () => {
    const env = await startDevEnvironment(options);
    running.push(env);
    const jdc = env.jdClient;
    expect(jdc).not.toBeNull();
    expect(env.endpoints.jdc_url).toMatch(/^stratum2\+tcp:\/\//);
    const found = await new Promise<FoundBlock>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no block on a declared job within 60 s')), 60_000);
      jdc?.on('block', (b) => {
        if (b.source !== 'declared') return;
        clearTimeout(timer);
        resolve(b);
      });
    });
    expect(found.node).toBe('accepted');
    const hash = found.hash as string;
    const res = await fetch(env.endpoints.rpc_url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id: 1, jsonrpc: '2.0', method: 'get_block', params: [hash] }),
    });
    const block = ((await res.json()) as { result: { header: { hash: string } } | null }).result;
    expect(block?.header.hash).toBe(hash);
  }, 90_000);
});
