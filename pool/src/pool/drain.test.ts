import { mkdtempSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { type ChannelInfo, TestClient } from '../../test/support/test-client.js';
import { targetToCompact } from '../ckb/target.js';
import { type Devnet, startDevnet } from '../devnet/index.js';
import { Ledger } from '../ledger/ledger.js';
import { generateAuthorityKeypair } from '../sv2/noise/keys.js';
import { parseConfig } from './config.js';
import { DRAIN_GRACE_MS, type RunningPool, startPool } from './server.js';

// Shutdown under load (an upgrade recreates the pool container with SIGTERM): every share a
// client heard acknowledged must be in the ledger afterwards, and the pool must not leave
// accepted shares unacknowledged while the client is still there to hear it.

const silent = pino({ level: 'silent' });
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A network so easy that nearly every nonce is a block would flood the node: keep it 2^20. */
const NET_COMPACT = targetToCompact(1n << 236n);

async function setup(): Promise<{ d: Devnet; p: RunningPool; ledgerPath: string }> {
  const d = await startDevnet({ rpcPort: 0, compactTarget: NET_COMPACT });
  cleanups.push(() => d.close());
  const ledgerPath = join(mkdtempSync(join(tmpdir(), 'drain-')), 'ledger.sqlite');
  const p = await startPool(
    parseConfig({
      chain: 'dev',
      node: { rpcUrl: d.rpcUrl, subscribeAddress: d.subscribeAddress, pollIntervalMs: 200 },
      sv2: { listen: '127.0.0.1:0', authorityKeyFile: '/nonexistent' },
      api: { listen: '127.0.0.1:0' },
      // Difficulty 1 (every hash a share) and acknowledgements held back for long: at shutdown
      // there are always accepted shares the client has not heard about yet.
      vardiff: { minDifficulty: 1, initialDifficulty: 1, retargetPeriodSeconds: 3600 },
      shares: { batchMaxCount: 1_000, batchMaxDelayMs: 60_000 },
      // Shares sit in memory up to a minute: only the final flush writes them.
      ledger: { path: ledgerPath, flushIntervalMs: 60_000 },
      jobs: { minUpdateIntervalMs: 0 },
      // Miners here have plain names: these tests are about the drain, not accounts.
      accounts: { mode: 'any' },
    }),
    {
      logger: silent,
      authoritySecret: generateAuthorityKeypair().secret,
    },
  );
  cleanups.push(() => p.close());
  await p.waitForJob();
  return { d, p, ledgerPath };
}

/** Shares the client was told were accepted (SubmitShares.Success counts). */
const acknowledged = (c: TestClient) =>
  c.inbox.reduce((n, m) => (m.type === 'SubmitSharesSuccess' ? n + m.newSubmitsAcceptedCount : n), 0);

/** Submits distinct valid shares (difficulty 1 accepts any nonce) until `stop()` says so. */
function submitter(c: TestClient, ch: ChannelInfo) {
  let i = 0;
  let running = true;
  const job = c.latestJob(ch);
  if (!job) throw new Error('no job');
  const loop = (async () => {
    while (running && !c.conn.closeInfo) {
      for (let k = 0; k < 20 && !c.conn.closeInfo; k++) {
        const suffix = new Uint8Array(12);
        new DataView(suffix.buffer).setUint32(8, ++i);
        c.submit(ch.channelId, job.jobId, suffix);
      }
      await new Promise((r) => setTimeout(r, 2));
    }
  })();
  return {
    sent: () => i,
    async stop() {
      running = false;
      await loop;
    },
  };
}

const ledgerShares = (path: string, worker: string) => {
  const l = new Ledger(path, { flushIntervalMs: 0 });
  const w = l.worker(worker);
  l.close();
  return w?.acceptedShares ?? 0;
};

describe('pool shutdown drain', () => {
  it('under load: Reconnect, then every acknowledged share is in the ledger and every recorded one was acknowledged', async () => {
    const { p, ledgerPath } = await setup();
    const c = await TestClient.connect(p.sv2Address, p.authorityPubkey);
    cleanups.push(() => c.close());
    await c.setup();
    const ch = await c.openStandard('drain.load');
    const load = submitter(c, ch);
    while (load.sent() < 400) await new Promise((r) => setTimeout(r, 5));
    await p.close();
    await load.stop();
    await c.conn.closed;
    expect(c.inbox.some((m) => m.type === 'Reconnect')).toBe(true);
    const heard = acknowledged(c);
    expect(heard).toBeGreaterThan(0);
    expect(ledgerShares(ledgerPath, 'drain.load')).toBe(heard);
  });

  it('keeps serving a client that has not left yet: shares it sends after Reconnect are acknowledged and recorded', async () => {
    const { p, ledgerPath } = await setup();
    const c = await TestClient.connect(p.sv2Address, p.authorityPubkey);
    cleanups.push(() => c.close());
    await c.setup();
    const ch = await c.openStandard('drain.late');
    const job = c.latestJob(ch);
    if (!job) throw new Error('no job');
    const closing = p.close();
    await c.waitFor('Reconnect');
    let last = 0;
    for (let i = 1; i <= 5; i++) last = c.submit(ch.channelId, job.jobId, new Uint8Array(12).fill(i));
    expect(await c.answer(ch.channelId, last, DRAIN_GRACE_MS / 3)).toBe('ok');
    await closing;
    expect(acknowledged(c)).toBe(5);
    expect(ledgerShares(ledgerPath, 'drain.late')).toBe(5);
  });

  it('stops accepting connections as soon as it drains, and closes once clients leave, not after the whole grace', async () => {
    const { p } = await setup();
    const c = await TestClient.connect(p.sv2Address, p.authorityPubkey);
    await c.setup();
    await c.openStandard('drain.leaver');
    const t0 = Date.now();
    const closing = p.close();
    await c.waitFor('Reconnect');
    const [host, port] = [p.sv2Address.split(':')[0], Number(p.sv2Address.split(':')[1])];
    const refused = await new Promise<boolean>((resolve) => {
      const s = connect(port, host);
      s.once('connect', () => {
        s.destroy();
        resolve(false);
      });
      s.once('error', () => resolve(true));
    });
    expect(refused).toBe(true);
    c.close(); // what a client does on Reconnect
    await closing;
    expect(Date.now() - t0).toBeLessThan(DRAIN_GRACE_MS);
  });
});
