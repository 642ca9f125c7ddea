import { mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { type ChannelInfo, type JobInfo, TestClient } from '../../test/support/test-client.js';
import { bytesToHex0x } from '../ckb/hex.js';
import { compactToTarget, targetToCompact } from '../ckb/target.js';
import { type Devnet, startDevnet } from '../devnet/index.js';
import type { Ledger } from '../ledger/ledger.js';
import { PARTS_TOTAL } from '../ledger/pplns.js';
import { encodeMessage } from '../sv2/messages/index.js';
import { generateAuthorityKeypair } from '../sv2/noise/keys.js';
import { parseConfig } from './config.js';
import { type RunningPool, startPool } from './server.js';

/** Network difficulty 2^14: a block every ~16k hashes, shares at difficulty 16 are cheap. */
const NET_TARGET = 1n << 242n;
const NET_COMPACT = targetToCompact(NET_TARGET);
const silent = pino({ level: 'silent' });

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function devnet(): Promise<Devnet> {
  const d = await startDevnet({ rpcPort: 0, compactTarget: NET_COMPACT });
  cleanups.push(() => d.close());
  return d;
}

function poolConfig(
  d: { rpcUrl: string; subscribeAddress: string | null },
  ledgerPath: string,
  extra: Record<string, unknown> = {},
) {
  return parseConfig({
    chain: 'dev',
    node: { rpcUrl: d.rpcUrl, subscribeAddress: d.subscribeAddress, pollIntervalMs: 200 },
    sv2: { listen: '127.0.0.1:0', authorityKeyFile: '/nonexistent' },
    api: { listen: '127.0.0.1:0' },
    vardiff: {
      minDifficulty: 1,
      initialDifficulty: 16,
      targetShareIntervalSeconds: 1,
      retargetPeriodSeconds: 30,
    },
    shares: { batchMaxCount: 4, batchMaxDelayMs: 100 },
    ledger: { path: ledgerPath, flushIntervalMs: 50 },
    jobs: { minUpdateIntervalMs: 0 },
    // Miners here are named `alice.rig1`, `carol`…: these tests are about the server, not accounts.
    accounts: { mode: 'any' },
    ...extra,
  });
}

function tempLedger(): string {
  return join(mkdtempSync(join(tmpdir(), 'pool-')), 'ledger.sqlite');
}

async function pool(
  d: { rpcUrl: string; subscribeAddress: string | null },
  opts: { ledger?: string; extra?: Record<string, unknown>; secret?: Uint8Array } = {},
): Promise<RunningPool> {
  const p = await startPool(poolConfig(d, opts.ledger ?? tempLedger(), opts.extra), {
    logger: silent,
    authoritySecret: opts.secret ?? generateAuthorityKeypair().secret,
  });
  cleanups.push(() => p.close());
  await p.waitForJob();
  return p;
}

async function client(p: RunningPool): Promise<TestClient> {
  const c = await TestClient.connect(p.sv2Address, p.authorityPubkey);
  cleanups.push(() => c.close());
  return c;
}

async function until(
  cond: () => boolean | Promise<boolean>,
  timeoutMs = 10_000,
  what = 'condition',
): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Submits one share meeting the network target; returns its nonce output. */
async function mineBlock(c: TestClient, ch: ChannelInfo): Promise<{ seq: number; jobId: number }> {
  const job = c.latestJob(ch);
  if (!job) throw new Error('no job');
  const g = TestClient.grind(
    'dev',
    job,
    ch.extranoncePrefix,
    compactToTarget(job.compactTarget),
    true,
    1_000_000,
  );
  const seq = c.submit(ch.channelId, job.jobId, g.suffix);
  return { seq, jobId: job.jobId };
}

describe('pool over real TCP + Noise against the dev chain', () => {
  it('standard and extended channels mine shares and find blocks the dev chain accepts, with a PPLNS split that adds up', async () => {
    const d = await devnet();
    const p = await pool(d);
    const a = await client(p);
    await a.setup();
    const std = await a.openStandard('alice.rig1');
    const b = await client(p);
    await b.setup();
    const ext = await b.openExtended('bob.proxy');
    expect(ext.extranoncePrefix).toHaveLength(4);
    expect(ext.extranoncePrefix[0]).toBe(0);
    expect(std.extranoncePrefix).not.toEqual(ext.extranoncePrefix);

    // A few ordinary shares on each channel.
    for (const [c, ch] of [
      [a, std],
      [b, ext],
    ] as const) {
      const job = await c.waitJob(ch);
      let next = 0;
      for (let i = 0; i < 3; i++) {
        const g = TestClient.grind(
          'dev',
          job,
          ch.extranoncePrefix,
          c.targets.get(ch.channelId) as bigint,
          true,
          next,
          NET_TARGET,
        );
        next = g.next;
        const seq = c.submit(ch.channelId, job.jobId, g.suffix);
        expect(await c.answer(ch.channelId, seq)).toBe('ok');
      }
    }

    // A block from each kind of channel.
    const tip0 = BigInt(d.tip().number);
    const first = await mineBlock(a, std);
    expect(await a.answer(std.channelId, first.seq)).toBe('ok');
    await until(() => BigInt(d.tip().number) === tip0 + 1n, 10_000, 'the dev chain to accept the block');
    // The new tip reaches both clients as a clean job.
    await b.waitFor('NewCkbJob', (m) => m.cleanJobs && m.height === tip0 + 2n);
    const second = await mineBlock(b, ext);
    expect(await b.answer(ext.channelId, second.seq)).toBe('ok');
    await until(() => BigInt(d.tip().number) === tip0 + 2n, 10_000, 'the second block');

    await until(() => (p.ledger as Ledger).blockCounts().accepted === 2, 10_000, 'both verdicts');
    const blocks = (p.ledger as Ledger).blocks();
    expect(blocks.map((x) => x.worker).sort()).toEqual(['alice.rig1', 'bob.proxy']);
    expect(blocks[0]?.hash).toBe(d.tip().hash);
    for (const blk of blocks) {
      const split = (p.ledger as Ledger).blockSplit(blk.id);
      expect(split.reduce((s, r) => s + r.parts, 0)).toBe(PARTS_TOTAL);
      expect(split.length).toBeGreaterThan(0);
    }
    expect(
      (p.ledger as Ledger)
        .blockSplit(blocks[0]?.id as number)
        .map((r) => r.worker)
        .sort(),
    ).toEqual(['alice.rig1', 'bob.proxy']);

    // API and metrics show it.
    const health = await fetch(`${p.apiUrl}/health`);
    expect(health.status).toBe(200);
    const apiBlocks = (await (await fetch(`${p.apiUrl}/api/v1/blocks`)).json()) as {
      blocks: { status: string }[];
    };
    expect(apiBlocks.blocks.map((x) => x.status)).toEqual(['accepted', 'accepted']);
    const w = (await (await fetch(`${p.apiUrl}/api/v1/workers/alice.rig1`)).json()) as {
      acceptedShares: number;
      online: { channels: number };
      hashrate: Record<string, number>;
    };
    expect(w.acceptedShares).toBeGreaterThanOrEqual(4);
    expect(w.hashrate['10m']).toBeGreaterThan(0);
    expect(w.online.channels).toBe(1);
    const poolInfo = (await (await fetch(`${p.apiUrl}/api/v1/pool`)).json()) as {
      lastBlock: { hash: string; status: string };
      blocks: { accepted: number };
      channels: number;
    };
    expect(poolInfo.lastBlock).toMatchObject({ hash: d.tip().hash, status: 'accepted' });
    expect(poolInfo.blocks.accepted).toBe(2);
    expect(poolInfo.channels).toBe(2);
    const metrics = await (await fetch(`${p.apiUrl}/metrics`)).text();
    expect(metrics).toMatch(/ckb_pool_blocks_total\{outcome="accepted"\} 2/);
    expect(metrics).toMatch(/ckb_pool_shares_total\{outcome="block"\} 2/);
    expect(metrics).toMatch(/ckb_pool_job_broadcast_seconds_count [1-9]/);
  });

  it('answers stale, duplicate, low-difficulty, wrong nonce size, wrong channel and wrong job shares with their errors', async () => {
    const d = await devnet();
    const p = await pool(d);
    const c = await client(p);
    await c.setup();
    const ch = await c.openStandard('carol');
    const job = await c.waitJob(ch);
    const target = c.targets.get(ch.channelId) as bigint;
    const good = TestClient.grind('dev', job, ch.extranoncePrefix, target, true, 0, NET_TARGET);
    const low = TestClient.grind('dev', job, ch.extranoncePrefix, target, false);

    const s1 = c.submit(ch.channelId, job.jobId, good.suffix);
    expect(await c.answer(ch.channelId, s1)).toBe('ok');
    expect(await c.error(ch.channelId, c.submit(ch.channelId, job.jobId, good.suffix))).toBe(
      'duplicate-share',
    );
    expect(await c.error(ch.channelId, c.submit(ch.channelId, job.jobId, low.suffix))).toBe(
      'difficulty-too-low',
    );
    expect(await c.error(ch.channelId, c.submit(ch.channelId, job.jobId, good.suffix.slice(1)))).toBe(
      'bad-extranonce-size',
    );
    expect(await c.error(ch.channelId + 100, c.submit(ch.channelId + 100, job.jobId, good.suffix))).toBe(
      'invalid-channel-id',
    );
    expect(await c.error(ch.channelId, c.submit(ch.channelId, job.jobId + 1000, good.suffix))).toBe(
      'invalid-job-id',
    );

    // The dev chain advances on its own (another miner): the old job becomes stale.
    await d.mine(1);
    await c.waitFor('NewCkbJob', (m) => m.cleanJobs && m.jobId > job.jobId);
    const other = TestClient.grind('dev', job, ch.extranoncePrefix, target, true, good.next, NET_TARGET);
    expect(await c.error(ch.channelId, c.submit(ch.channelId, job.jobId, other.suffix))).toBe('stale-share');

    const metrics = await (await fetch(`${p.apiUrl}/metrics`)).text();
    for (const code of [
      'stale-share',
      'duplicate-share',
      'difficulty-too-low',
      'bad-extranonce-size',
      'invalid-channel-id',
      'invalid-job-id',
    ]) {
      expect(metrics).toContain(`ckb_pool_shares_total{outcome="${code}"} 1`);
    }
    // Rejections count against the worker (the unknown channel has no worker to blame).
    await until(() => (p.ledger as Ledger).worker('carol')?.rejectedShares === 5, 5_000, 'the ledger flush');
    expect((p.ledger as Ledger).worker('carol')?.acceptedShares).toBe(1);
  });

  it("raises a fast channel's difficulty with SetTarget, and shares at the new target are accepted", async () => {
    const d = await devnet();
    const p = await pool(d);
    const c = await client(p);
    await c.setup();
    const ch = await c.openStandard('heidi');
    const job = await c.waitJob(ch);
    let next = 0;
    for (let i = 0; i < 20; i++) {
      const g = TestClient.grind('dev', job, ch.extranoncePrefix, ch.target, true, next, NET_TARGET);
      next = g.next;
      c.submit(ch.channelId, job.jobId, g.suffix);
    }
    const st = await c.waitFor('SetTarget', (m) => m.channelId === ch.channelId);
    const harder = c.targets.get(ch.channelId) as bigint;
    expect(harder < ch.target).toBe(true);
    expect(st.channelId).toBe(ch.channelId);
    const g = TestClient.grind('dev', job, ch.extranoncePrefix, harder, true, next, NET_TARGET);
    expect(await c.answer(ch.channelId, c.submit(ch.channelId, job.jobId, g.suffix))).toBe('ok');
  });

  it('refuses channels on connections that did not negotiate the CKB extension', async () => {
    const d = await devnet();
    const p = await pool(d);
    const c = await client(p);
    await c.setup(0, []);
    c.send({
      type: 'OpenStandardMiningChannel',
      requestId: 3,
      userIdentity: 'x',
      nominalHashRate: 0,
      maxTarget: new Uint8Array(32).fill(0xff),
    });
    const err = await c.waitFor('OpenMiningChannelError');
    expect(err.errorCode).toBe('ckb-extension-required');
  });

  it('closes malformed frames, garbage handshakes and slowloris clients without affecting a good client', async () => {
    const d = await devnet();
    const p = await pool(d, { extra: { limits: { handshakeTimeoutMs: 400, maxFrameBytes: 1024 } } });
    const good = await client(p);
    await good.setup();
    const ch = await good.openStandard('dave');
    const job = await good.waitJob(ch);

    const [host, port] = [p.sv2Address.split(':')[0], Number(p.sv2Address.split(':')[1])];
    const raw = (): Promise<{ socket: Socket; closed: Promise<number> }> =>
      new Promise((resolve) => {
        const socket = connect(port, host, () => {
          const t0 = Date.now();
          resolve({ socket, closed: new Promise((r) => socket.on('close', () => r(Date.now() - t0))) });
        });
        socket.on('error', () => {});
      });

    // Garbage handshake (a V1 miner speaking JSON).
    const garbage = await raw();
    garbage.socket.write(
      `${JSON.stringify({ id: 1, method: 'mining.subscribe', params: [] })}\n`.padEnd(64, ' '),
    );
    // Slowloris: a few bytes of act 1, then silence.
    const slow = await raw();
    slow.socket.write(new Uint8Array(10));
    // A client that completes the handshake but never sends SetupConnection.
    const mute = await client(p);
    // Malformed frame after the handshake: a SubmitSharesCkb with a truncated payload.
    const bad = await client(p);
    await bad.setup();
    const frame = encodeMessage({
      type: 'SubmitSharesCkb',
      channelId: 1,
      sequenceNumber: 1,
      jobId: 1,
      nonceSuffix: new Uint8Array(12),
    });
    const truncated = frame.slice(0, frame.length - 5);
    truncated[3] = truncated.length - 6; // msg_length consistent with the shortened payload
    bad.conn.sendFrame(truncated);
    // Oversized frame announcement.
    const big = await client(p);
    await big.setup();
    big.conn.sendFrame(
      encodeMessage({
        type: 'Unknown',
        extensionType: 0x7777,
        channelMsg: false,
        msgType: 1,
        payload: new Uint8Array(4096),
      }),
    );

    // Meanwhile the good client mines on, answered normally.
    let next = 0;
    for (let i = 0; i < 5; i++) {
      const g = TestClient.grind(
        'dev',
        job,
        ch.extranoncePrefix,
        good.targets.get(ch.channelId) as bigint,
        true,
        next,
        NET_TARGET,
      );
      next = g.next;
      expect(await good.answer(ch.channelId, good.submit(ch.channelId, job.jobId, g.suffix))).toBe('ok');
    }

    expect(await garbage.closed).toBeLessThan(2_000);
    expect(await slow.closed).toBeGreaterThanOrEqual(350);
    await mute.conn.closed;
    expect((await bad.conn.closed).reason).not.toBe('local-close');
    await big.conn.closed;
    expect(good.conn.closeInfo).toBeNull();
    expect(
      await good.answer(
        ch.channelId,
        good.submit(
          ch.channelId,
          job.jobId,
          TestClient.grind(
            'dev',
            job,
            ch.extranoncePrefix,
            good.targets.get(ch.channelId) as bigint,
            true,
            next,
            NET_TARGET,
          ).suffix,
        ),
      ),
    ).toBe('ok');
    const metrics = await (await fetch(`${p.apiUrl}/metrics`)).text();
    expect(metrics).toMatch(/ckb_pool_handshakes_total\{outcome="failed"\} [1-9]/);
    expect(metrics).toMatch(/ckb_pool_handshakes_total\{outcome="timeout"\} [2-9]/);
    expect(metrics).toMatch(/ckb_pool_connections_rejected_total\{reason="frame"\} [1-9]/);
  });

  it('closes a connection that floods messages beyond its rate limit while a well-behaved client on the same pool keeps getting its shares accepted', async () => {
    const d = await devnet();
    const logs: Array<Record<string, unknown>> = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => logs.push(JSON.parse(line)) });
    const p = await startPool(
      poolConfig(d, tempLedger(), {
        limits: { maxMessagesPerSecond: 50, maxMessageBurst: 100 },
        // Difficulty fixed at 16: the good client's 40 shares/s never move its target.
        vardiff: { minDifficulty: 1, maxDifficulty: 16, initialDifficulty: 16 },
      }),
      { logger, authoritySecret: generateAuthorityKeypair().secret },
    );
    cleanups.push(() => p.close());
    await p.waitForJob();
    const good = await client(p);
    await good.setup();
    const ch = await good.openStandard('grace');
    await good.waitJob(ch);
    const flood = await client(p);
    await flood.setup();
    const fch = await flood.openStandard('mallory');
    const fjob = await flood.waitJob(fch);
    const floodPort = flood.conn.socket.localPort;
    // One share below the channel target (never a block): each copy is cheap to answer, but
    // every one is still a message the pool has to decrypt and look at.
    const low = TestClient.grind(
      'dev',
      fjob,
      fch.extranoncePrefix,
      flood.targets.get(fch.channelId) as bigint,
      false,
      0,
      NET_TARGET,
    );

    // The good client: 150 shares at 40/s, more than the burst in total but under the rate.
    let next = 0;
    let lastSeq = 0;
    for (let i = 0; i < 150; i++) {
      if (i === 20) {
        for (let k = 0; k < 2_000; k++) flood.submit(fch.channelId, fjob.jobId, low.suffix);
      }
      const job = good.latestJob(ch) as JobInfo;
      const g = TestClient.grind(
        'dev',
        job,
        ch.extranoncePrefix,
        good.targets.get(ch.channelId) as bigint,
        true,
        next,
        NET_TARGET,
      );
      next = g.next;
      lastSeq = good.submit(ch.channelId, job.jobId, g.suffix);
      await new Promise((r) => setTimeout(r, 25));
    }
    expect(await good.answer(ch.channelId, lastSeq)).toBe('ok');
    expect(good.inbox.filter((m) => m.type === 'SubmitSharesError')).toEqual([]);
    expect(good.conn.closeInfo).toBeNull();

    await flood.conn.closed;
    const closes = logs.filter((l) => l.reason === 'rate-limit');
    expect(closes).toHaveLength(1);
    expect(closes[0]?.remote).toBe(`127.0.0.1:${floodPort}`);
    expect(typeof closes[0]?.conn).toBe('number');
    expect(closes[0]?.msg).toMatch(/flood/);
    const metrics = await (await fetch(`${p.apiUrl}/metrics`)).text();
    expect(metrics).toMatch(/ckb_pool_connections_rejected_total\{reason="rate_limit"\} 1\n/);
    await until(() => ((p.ledger as Ledger).worker('grace')?.acceptedShares ?? 0) === 150, 5_000, 'ledger');
  });

  it('caps connections per IP', async () => {
    const d = await devnet();
    const p = await pool(d, { extra: { limits: { maxConnectionsPerIp: 2 } } });
    const a = await client(p);
    const b = await client(p);
    await a.setup();
    await b.setup();
    await expect(TestClient.connect(p.sv2Address, p.authorityPubkey)).rejects.toThrow();
    b.close();
    await until(
      async () => (await (await fetch(`${p.apiUrl}/metrics`)).text()).includes('ckb_pool_connections 1'),
      5_000,
      'release',
    );
    const c = await client(p);
    await c.setup();
  });

  it('closes idle connections and enforces the total connection cap', async () => {
    const d = await devnet();
    const p = await pool(d, {
      extra: { limits: { idleTimeoutMs: 1_000, maxConnections: 2, maxConnectionsPerIp: 2 } },
    });
    const idle = await client(p);
    await idle.setup();
    const t0 = Date.now();
    const busy = await client(p);
    await busy.setup();
    await expect(TestClient.connect(p.sv2Address, p.authorityPubkey)).rejects.toThrow();
    // The busy client keeps talking (UpdateChannel errors are cheap), the idle one goes.
    const keepAlive = setInterval(
      () =>
        busy.send({
          type: 'UpdateChannel',
          channelId: 99,
          nominalHashRate: 0,
          maximumTarget: new Uint8Array(32),
        }),
      200,
    );
    const info = await idle.conn.closed;
    clearInterval(keepAlive);
    expect(info.reason).toBe('peer-closed');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(900);
    expect(busy.conn.closeInfo).toBeNull();
  });

  it('reports 503 on /health until the node answers and templates flow', async () => {
    const d = await devnet();
    let nodeUp = false;
    const front: Server = createServer(async (req, res) => {
      let body = '';
      for await (const chunk of req) body += chunk;
      if (!nodeUp) {
        res.writeHead(502);
        res.end('down');
        return;
      }
      const answer = await fetch(d.rpcUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
      res.writeHead(answer.status, { 'content-type': 'application/json' });
      res.end(await answer.text());
    });
    await new Promise<void>((r) => front.listen(0, '127.0.0.1', r));
    cleanups.push(() => new Promise<void>((r) => front.close(() => r())));
    const url = `http://127.0.0.1:${(front.address() as { port: number }).port}`;
    const p = await startPool(
      poolConfig({ rpcUrl: url, subscribeAddress: null }, tempLedger(), {
        node: { rpcUrl: url, pollIntervalMs: 100 },
      }),
      {
        logger: silent,
        authoritySecret: generateAuthorityKeypair().secret,
      },
    );
    cleanups.push(() => p.close());
    const down = await fetch(`${p.apiUrl}/health`);
    expect(down.status).toBe(503);
    expect(((await down.json()) as { reasons: string[] }).reasons.join(' ')).toMatch(/template/);
    nodeUp = true;
    await p.waitForJob(5_000);
    await until(async () => (await fetch(`${p.apiUrl}/health`)).status === 200, 10_000, 'health 200');
  });

  it('keeps the ledger across a restart and resubmits a block left pending', async () => {
    const d = await devnet();
    // A node front that loses every submit_block (as if the node were down at that moment).
    const proxy: Server = createServer(async (req, res) => {
      let body = '';
      for await (const chunk of req) body += chunk;
      if (body.includes('"submit_block"')) {
        res.destroy();
        return;
      }
      const answer = await fetch(d.rpcUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
      res.writeHead(answer.status, { 'content-type': 'application/json' });
      res.end(await answer.text());
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    cleanups.push(() => new Promise<void>((r) => proxy.close(() => r())));
    const proxyUrl = `http://127.0.0.1:${(proxy.address() as { port: number }).port}`;

    const ledger = tempLedger();
    const secret = generateAuthorityKeypair().secret;
    const first = await startPool(poolConfig({ rpcUrl: proxyUrl, subscribeAddress: null }, ledger), {
      logger: silent,
      authoritySecret: secret,
    });
    await first.waitForJob();
    const c = await TestClient.connect(first.sv2Address, first.authorityPubkey);
    await c.setup();
    const ch = await c.openStandard('erin');
    await c.waitJob(ch);
    const tip0 = BigInt(d.tip().number);
    const { seq } = await mineBlock(c, ch);
    expect(await c.answer(ch.channelId, seq)).toBe('ok');
    await until(() => (first.ledger as Ledger).unresolvedBlocks().length === 1, 5_000, 'the pending block');
    await until(
      () => ((first.ledger as Ledger).unresolvedBlocks()[0]?.attempts ?? 0) >= 1,
      5_000,
      'a failed attempt',
    );
    const pendingHash = (first.ledger as Ledger).unresolvedBlocks()[0]?.hash;
    c.close();
    await first.close();
    expect(BigInt(d.tip().number)).toBe(tip0);

    const second = await pool({ rpcUrl: d.rpcUrl, subscribeAddress: d.subscribeAddress }, { ledger, secret });
    await until(
      () => (second.ledger as Ledger).blockCounts().accepted === 1,
      10_000,
      'the resubmitted block to be accepted',
    );
    expect(d.tip().hash).toBe(pendingHash);
    expect((second.ledger as Ledger).worker('erin')?.acceptedShares).toBeGreaterThanOrEqual(1);
    expect(
      (second.ledger as Ledger)
        .blockSplit((second.ledger as Ledger).blocks()[0]?.id as number)
        .reduce((s, r) => s + r.parts, 0),
    ).toBe(PARTS_TOTAL);
    // The pool moves on to mine on top of its own resubmitted block.
    await until(
      () => bytesToHex0x(second.currentJob()?.parentHash ?? new Uint8Array()) === pendingHash,
      5_000,
      'the new tip',
    );
  });

  it('sends Reconnect to clients when it shuts down', async () => {
    const d = await devnet();
    const p = await startPool(poolConfig(d, tempLedger()), {
      logger: silent,
      authoritySecret: generateAuthorityKeypair().secret,
    });
    await p.waitForJob();
    const c = await TestClient.connect(p.sv2Address, p.authorityPubkey);
    await c.setup();
    await c.openStandard('frank');
    await p.close();
    await c.waitFor('Reconnect');
    await c.conn.closed;
  });
});
