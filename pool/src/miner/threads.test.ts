import { describe, expect, it } from 'vitest';
import { type Chain, powOutput } from '../ckb/pow.js';
import { meetsTarget } from '../ckb/target.js';
import { formatHashrate } from './format.js';
import { type FoundShare, HashThreads } from './threads.js';

async function collect(chain: Chain, threads: number, target: bigint, want: number): Promise<FoundShare[]> {
  const t = new HashThreads(threads);
  await t.start();
  const shares: FoundShare[] = [];
  t.on('share', (s) => shares.push(s));
  try {
    t.setWork({
      key: 'job-1',
      chain,
      powHash: new Uint8Array(32).fill(7),
      prefix: Uint8Array.of(9, 8, 7, 6),
      target,
    });
    const end = Date.now() + 20_000;
    while ((shares.length < want || t.hashes === 0) && Date.now() < end)
      await new Promise((r) => setTimeout(r, 20));
    expect(t.hashes).toBeGreaterThan(0);
  } finally {
    await t.close();
  }
  return shares;
}

describe('hashing threads', () => {
  it('find only shares that meet the target, keep the assigned prefix and never repeat a nonce across threads (dev/mainnet PoW)', async () => {
    const target = 1n << 250n; // 1 in 64 nonces
    const shares = await collect('dev', 2, target, 40);
    expect(shares.length).toBeGreaterThanOrEqual(40);
    const seen = new Set<string>();
    for (const s of shares) {
      expect(s.key).toBe('job-1');
      expect([...s.nonce.slice(0, 4)]).toEqual([9, 8, 7, 6]);
      expect(meetsTarget(powOutput('dev', new Uint8Array(32).fill(7), s.nonce), target)).toBe(true);
      const hex = Buffer.from(s.nonce).toString('hex');
      expect(seen.has(hex)).toBe(false);
      seen.add(hex);
    }
  });

  it('use the testnet PoW (ckbhash over Eaglesong) when asked', async () => {
    const target = 1n << 251n;
    const shares = await collect('testnet', 1, target, 5);
    expect(shares.length).toBeGreaterThanOrEqual(5);
    for (const s of shares) {
      expect(meetsTarget(powOutput('testnet', new Uint8Array(32).fill(7), s.nonce), target)).toBe(true);
    }
  });

  it('formats hashrates with units', () => {
    expect(formatHashrate(950)).toBe('950 H/s');
    expect(formatHashrate(123_456)).toBe('123.5 kH/s');
    expect(formatHashrate(2.5e9)).toBe('2.5 GH/s');
  });
});
