import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { targetToCompact } from '../../src/ckb/target.js';
import { type Devnet, startDevnet } from '../../src/devnet/index.js';
import { parseConfig } from '../../src/pool/config.js';
import { type RunningPool, startPool } from '../../src/pool/server.js';
import { UpstreamClient } from '../../src/sv2/client/upstream.js';
import type { Sv2Connection } from '../../src/sv2/connection.js';
import type { Sv2Message } from '../../src/sv2/messages/index.js';
import {
  authorityPublicFromSecret,
  encodeAuthorityPubkey,
  generateAuthorityKeypair,
} from '../../src/sv2/noise/keys.js';
import { type ScriptedPool, scriptedPool, until } from '../support/scripted-pool.js';

/**
 * Reconnect as the SV2 client (translator, CPU miner) honours it, against real pools of this
 * repository and scripted Noise servers. sv2-spec 03-Protocol-Overview.md §3.6.5 and §3.3.
 */

const silent = pino({ level: 'silent' });
const secret = generateAuthorityKeypair().secret;
const pubkey = encodeAuthorityPubkey(authorityPublicFromSecret(secret));
let devnet: Devnet;
const cleanups: Array<() => Promise<void> | void> = [];

beforeAll(async () => {
  devnet = await startDevnet({ rpcPort: 0, compactTarget: targetToCompact(1n << 236n) });
});
afterAll(async () => {
  await devnet.close();
});
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function realPool(listen = '127.0.0.1:0'): Promise<{ pool: RunningPool; port: number }> {
  const pool = await startPool(
    parseConfig({
      chain: 'dev',
      node: { rpcUrl: devnet.rpcUrl, subscribeAddress: devnet.subscribeAddress, pollIntervalMs: 200 },
      sv2: { listen, authorityKeyFile: '/nonexistent' },
      api: { listen: '127.0.0.1:0' },
      ledger: { path: ':memory:' },
    }),
    { logger: silent, authoritySecret: secret },
  );
  await pool.waitForJob();
  return { pool, port: Number(pool.sv2Address.split(':').at(-1)) };
}

/** A pool that sets the client up and then sends `reconnect` (the same authority key unless told). */
async function redirecting(
  reconnect: Sv2Message,
  o: { host?: string; authoritySecret?: Uint8Array } = {},
): Promise<ScriptedPool> {
  const pool = await scriptedPool(
    (m: Sv2Message, conn: Sv2Connection) => {
      if (m.type === 'SetupConnection')
        conn.send({ type: 'SetupConnectionSuccess', usedVersion: 2, flags: 0 });
      if (m.type === 'RequestExtensions') {
        conn.send({
          type: 'RequestExtensionsSuccess',
          requestId: m.requestId,
          supportedExtensions: [0x4ccb],
        });
        conn.send(reconnect);
      }
    },
    { authoritySecret: o.authoritySecret ?? secret, ...(o.host !== undefined && { host: o.host }) },
  );
  cleanups.push(() => pool.close());
  return pool;
}

function client(url: string) {
  const up = new UpstreamClient({
    urls: [url],
    vendor: 'test',
    log: silent,
    backoffMinMs: 20,
    backoffMaxMs: 200,
  });
  const ups: string[] = [];
  const downs: string[] = [];
  up.on('up', (_e, u) => ups.push(u));
  up.on('down', (_e, reason) => downs.push(reason));
  cleanups.push(() => up.close());
  up.start();
  return { up, ups, downs };
}

describe('Reconnect honoured by the SV2 client', () => {
  // §3.6.5: "This message allows clients to be redirected to a new upstream node. […] Upon
  // receiving the message, the client re-initiates the Noise handshake and uses the pool's
  // authority public key to verify that the certificate presented by the new server has a
  // valid signature."
  it('follows new_host and new_port to a real pool with the same authority key and mines there', async () => {
    const { pool: b, port } = await realPool();
    cleanups.push(() => b.close());
    const a = await redirecting(
      { type: 'Reconnect', newHost: '127.0.0.1', newPort: port },
      { host: '127.0.0.2' },
    );
    const { up, ups, downs } = client(a.url);
    await until(() => ups.length >= 2, 10_000, 'the connection to the new node');
    expect(ups).toEqual([a.url, `stratum2+tcp://127.0.0.1:${port}/${pubkey}`]);
    expect(downs).toEqual(['reconnect requested']);
    const ch = await up.openChannel('standard', 'alice.rig1');
    await until(
      () => up.latestJob(ch.channelId, ch.groupChannelId) !== null,
      10_000,
      'a job from the new node',
    );
  });

  // §3.6.5 new_host: "When empty, downstream node attempts to reconnect to its present host".
  it('keeps the present host when new_host is empty', async () => {
    const { pool: b, port } = await realPool();
    cleanups.push(() => b.close());
    const a = await redirecting({ type: 'Reconnect', newHost: '', newPort: port });
    const { ups } = client(a.url);
    await until(() => ups.length >= 2, 10_000, 'the connection to the new port');
    expect(ups[1]).toBe(`stratum2+tcp://127.0.0.1:${port}/${pubkey}`);
  });

  // §3.6.5: "For security reasons, it is not possible to reconnect to a server with a
  // certificate signed by a different pool authority key."
  it('refuses a node certified by another authority key and goes back to its own URL', async () => {
    const seenByOther: Sv2Message[] = [];
    const other = await scriptedPool((m) => seenByOther.push(m));
    cleanups.push(() => other.close());
    const a = await redirecting({ type: 'Reconnect', newHost: '127.0.0.1', newPort: other.port });
    const { ups } = client(a.url);
    await until(() => ups.length >= 2, 10_000, 'the way back to the configured URL');
    expect(ups).toEqual([a.url, a.url]);
    expect(seenByOther).toEqual([]);
  });

  // §3.6.5 both fields empty: the same node again. A real pool sends exactly this when it shuts
  // down (pool/src/pool/server.ts); the restarted pool, same key and port, takes the client back.
  it('reconnects to the same host and port after a real pool shuts down with Reconnect', async () => {
    const first = await realPool();
    const { ups, downs } = client(first.pool.poolUrl);
    await until(() => ups.length === 1, 10_000, 'the first connection');
    await first.pool.close();
    await until(() => downs.length === 1, 10_000, 'the Reconnect');
    expect(downs).toEqual(['reconnect requested']);
    const again = await realPool(`127.0.0.1:${first.port}`);
    cleanups.push(() => again.pool.close());
    await until(() => ups.length === 2, 10_000, 'the connection to the restarted pool');
    expect(ups[1]).toBe(ups[0]);
  });
});
