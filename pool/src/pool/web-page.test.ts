import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { bech32m } from '@scure/base';
import pino from 'pino';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { TestClient } from '../../test/support/test-client.js';
import { targetToCompact } from '../ckb/target.js';
import { type Devnet, devnetAddress, startDevnet } from '../devnet/index.js';
import { generateAuthorityKeypair } from '../sv2/noise/keys.js';
import { parseConfig } from './config.js';
import { type RunningPool, startPool } from './server.js';

/**
 * The miners' web page in a real browser (Debian's chromium, driven by playwright-core): a
 * miner mines under its address on the dev chain, finds a block, and both pages show exactly
 * the figures the API gives. Screenshots are attached to the test output and kept in
 * test-output/web/.
 */

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const noChromium = existsSync(CHROMIUM) ? null : `no Chromium at ${CHROMIUM} (apt-get install chromium)`;
// CI installs Chromium: there, its absence is a failure, not a skip.
if (noChromium && process.env.CI === 'true') throw new Error(`CI=true but ${noChromium}`);
if (noChromium) console.warn(`SKIP web page in Chromium: ${noChromium}`);

const NET_TARGET = 1n << 242n;
const SHOTS = join(process.cwd(), 'test-output', 'web');
// A real dev-chain address: accounts.mode address (the default) credits only names that parse
// to a lock of the chain.
const address = devnetAddress(7n);

let browser: Browser | null = null;
let devnet: Devnet | null = null;
let pool: RunningPool | null = null;
let client: TestClient | null = null;

beforeAll(async () => {
  if (noChromium) return;
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  devnet = await startDevnet({ rpcPort: 0, compactTarget: targetToCompact(NET_TARGET) });
  const config = parseConfig({
    chain: 'dev',
    node: { rpcUrl: devnet.rpcUrl, subscribeAddress: devnet.subscribeAddress, pollIntervalMs: 200 },
    sv2: { listen: '127.0.0.1:0', authorityKeyFile: '/nonexistent' },
    api: { listen: '127.0.0.1:0' },
    web: { listen: '127.0.0.1:0', v1Url: 'stratum+tcp://pool.example:3333' },
    vardiff: {
      minDifficulty: 1,
      initialDifficulty: 16,
      targetShareIntervalSeconds: 1,
      retargetPeriodSeconds: 30,
    },
    shares: { batchMaxCount: 1 },
    ledger: { path: ':memory:', flushIntervalMs: 50 },
    jobs: { minUpdateIntervalMs: 0 },
  });
  pool = await startPool(config, {
    logger: pino({ level: 'silent' }),
    authoritySecret: generateAuthorityKeypair().secret,
  });
  await pool.waitForJob();
  client = await TestClient.connect(pool.sv2Address, pool.authorityPubkey);
  await client.setup();
  const ch = await client.openStandard(`${address}.rig1`);
  const job = await client.waitJob(ch);
  let next = 0;
  for (let i = 0; i < 6; i++) {
    const block = i === 5;
    const target = block ? NET_TARGET : (client.targets.get(ch.channelId) as bigint);
    const g = TestClient.grind(
      'dev',
      job,
      ch.extranoncePrefix,
      target,
      true,
      next,
      block ? undefined : NET_TARGET,
    );
    next = g.next;
    expect(await client.answer(ch.channelId, client.submit(ch.channelId, job.jobId, g.suffix))).toBe('ok');
  }
  // The block verdict and the last flush reach the ledger.
  const end = Date.now() + 10_000;
  while (Date.now() < end) {
    const p = (await (await fetch(`${pool.apiUrl}/api/v1/pool`)).json()) as { blocks: { accepted: number } };
    const m = await fetch(`${pool.apiUrl}/api/v1/miners/${address}`);
    if (p.blocks.accepted === 1 && m.status === 200) break;
    await new Promise((r) => setTimeout(r, 100));
  }
}, 60_000);

afterAll(async () => {
  await client?.close();
  await pool?.close();
  await devnet?.close();
  await browser?.close();
});

const pages: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  for (const p of pages.splice(0)) await p.close();
});

async function api<T>(path: string): Promise<T> {
  return (await (await fetch(`${pool?.apiUrl}${path}`)).json()) as T;
}

async function open(
  path: string,
  shot: string,
  annotate: (m: string, a: { path: string; contentType: string }) => Promise<unknown>,
  expectedErrors: RegExp | null = null,
) {
  const page = await (browser as Browser).newPage({ viewport: { width: 1100, height: 1400 } });
  pages.push(page);
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  await page.goto(`${pool?.webUrl}${path}`);
  await page.waitForSelector('body[data-ready]', { timeout: 15_000 });
  expect(await page.getAttribute('body', 'data-ready')).toBe('true');
  mkdirSync(SHOTS, { recursive: true });
  const file = join(SHOTS, `${shot}.png`);
  await page.screenshot({ path: file, fullPage: true });
  await annotate(`screenshot ${shot}`, { path: file, contentType: 'image/png' });
  expect(errors.filter((e) => !expectedErrors?.test(e))).toEqual([]);
  const raw = async (name: string) => page.getAttribute(`[data-figure="${name}"]`, 'data-raw');
  const raws = async (name: string) =>
    page.$$eval(`[data-figure="${name}"]`, (els) => els.map((e) => e.getAttribute('data-raw')));
  return { page, raw, raws };
}

describe.skipIf(noChromium)("the miners' web page in Chromium", () => {
  it('shows the pool overview with the figures of the API, a hashrate chart and how to connect', async ({
    annotate,
  }) => {
    const { page, raw, raws } = await open('/', 'pool-overview', annotate);
    const p = await api<{ workersOnline: number; height: string; blocks: { accepted: number } }>(
      '/api/v1/pool',
    );
    const blocks = await api<{ blocks: { height: number }[] }>('/api/v1/blocks?limit=20');
    expect(await raw('workersOnline')).toBe(String(p.workersOnline));
    expect(p.workersOnline).toBe(1);
    expect(await raw('blocksAccepted')).toBe('1');
    expect(await raw('height')).toBe(String(p.height));
    expect(await raws('blockHeight')).toEqual(blocks.blocks.map((b) => String(b.height)));
    expect(Number(await page.getAttribute('[data-chart]', 'data-points'))).toBeGreaterThanOrEqual(1);
    expect(await page.locator('.uplot').count()).toBe(1);
    expect(await page.textContent('[data-figure="sv2Url"]')).toMatch(
      new RegExp(`^stratum2\\+tcp://127\\.0\\.0\\.1:\\d+/${pool?.authorityPubkey}$`),
    );
    expect(await page.textContent('[data-figure="v1Url"]')).toBe('stratum+tcp://pool.example:3333');
    expect(await page.textContent('[data-figure="payoutsOff"]')).toMatch(/solo/);
  });

  it("shows an address's workers, balance and blocks exactly as /api/v1/miners/:address", async ({
    annotate,
  }) => {
    const { page, raw, raws } = await open(`/miners/${address}`, 'miner', annotate);
    const m = await api<{
      balance: string;
      immature: string;
      paid: string;
      workers: { acceptedShares: number }[];
      blocks: { height: number }[];
    }>(`/api/v1/miners/${address}`);
    expect(await page.textContent('[data-figure="address"]')).toBe(address);
    for (const k of ['balance', 'immature', 'paid'] as const) expect(await raw(k)).toBe(m[k]);
    expect(await raws('workerAccepted')).toEqual(m.workers.map((w) => String(w.acceptedShares)));
    expect(m.workers[0]?.acceptedShares).toBe(6);
    expect(await raws('blockHeight')).toEqual(m.blocks.map((b) => String(b.height)));
    expect(m.blocks).toHaveLength(1);
    expect(await page.locator('.uplot').count()).toBe(2);
  });

  it('says so for an address that never mined here, and rate-limits a client that floods it', async ({
    annotate,
  }) => {
    const other = bech32m.encode('ckt', bech32m.toWords(new Uint8Array(53).fill(1)), 1023);
    // The page asks the API, which answers 404: the browser logs that, nothing else.
    const { page } = await open(`/miners/${other}`, 'unknown-miner', annotate, /status of 404/);
    expect(await page.textContent('[data-figure="notFound"]')).toContain('No shares');
    // One client past its burst (40) gets 429 instead of more work for the pool.
    const codes: number[] = [];
    for (let i = 0; i < 60; i++) codes.push((await fetch(`${pool?.webUrl}/api/v1/pool`)).status);
    expect(codes.slice(0, 20)).toEqual(new Array(20).fill(200));
    expect(codes).toContain(429);
    expect((await fetch(`${pool?.webUrl}/metrics`)).status).not.toBe(200);
  });
});
