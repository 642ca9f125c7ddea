import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { describeWithShared, readSharedJson } from '../../../test/shared.js';
import { inspectHeader } from './header.js';

const BIN = fileURLToPath(new URL('../../../bin/ckb-pool.js', import.meta.url));
const REAL = 'reference/ckb/real-headers.json';

interface RealHeader {
  chain: string;
  pow_func: string;
  header: Record<string, string>;
  computed: { pow_hash: string; header_hash: string; target: string; difficulty: string; pow_value: string };
  checks: { pow_ok: boolean | null; hash_matches_source: boolean | null };
}

function run(args: string[], input?: string): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { input, encoding: 'utf8', timeout: 30_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const dir = mkdtempSync(join(tmpdir(), 'ckb-header-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
function tempFile(name: string, content: string): string {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
}

describeWithShared(REAL, 'ckb-pool header inspect (spawned)', () => {
  const { headers } = readSharedJson<{ headers: RealHeader[] }>(REAL);
  const mainnet = headers.find((h) => h.header.number === '0xfa5909')!;
  const testnet = headers.find((h) => h.chain.startsWith('testnet') && h.checks.pow_ok)!;

  it('prints one JSON object with the hashes, target, difficulty and validity of a real mainnet header', () => {
    const file = tempFile('mainnet.json', JSON.stringify(mainnet.header));
    const r = run(['header', 'inspect', file]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({
      chain: 'mainnet',
      pow_hash: mainnet.computed.pow_hash,
      hash: mainnet.header.hash,
      target: mainnet.computed.target,
      difficulty: mainnet.computed.difficulty,
      pow_output: mainnet.computed.pow_value,
      pow_valid: true,
      hash_matches: true,
    });
  });

  it('reads a JSON-RPC response from standard input and checks testnet PoW only with --chain testnet', () => {
    const doc = JSON.stringify({ jsonrpc: '2.0', id: 1, result: testnet.header });
    const asTestnet = JSON.parse(run(['header', 'inspect', '-', '--chain', 'testnet'], doc).stdout);
    expect(asTestnet).toMatchObject({
      pow_hash: testnet.computed.pow_hash,
      pow_valid: true,
      hash_matches: true,
    });
    const asMainnet = JSON.parse(run(['header', 'inspect', '-'], doc).stdout);
    expect(asMainnet.pow_valid).toBe(false);
    expect(asMainnet.pow_hash).toBe(testnet.computed.pow_hash);
  });

  it('reports hash_matches null without a hash and a wrong nonce as pow_valid false', () => {
    const { hash: _h, ...bare } = mainnet.header;
    const file = tempFile('wrapped.json', JSON.stringify({ header: { ...bare, nonce: '0x1' } }));
    const r = run(['header', 'inspect', file]);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.hash_matches).toBeNull();
    expect(out.pow_valid).toBe(false);
    expect(out.pow_hash).toBe(mainnet.computed.pow_hash);
  });

  it('exits 2 naming the field of a malformed header', () => {
    const file = tempFile('bad.json', JSON.stringify({ ...mainnet.header, dao: '0x12' }));
    const r = run(['header', 'inspect', file]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/header\.dao: expected 32 bytes/);
  });

  it('exits 2 on input that is not JSON, a missing file, a bad --chain and a missing subcommand', () => {
    const notJson = run(['header', 'inspect', '-'], '{"version": ');
    expect(notJson.code).toBe(2);
    expect(notJson.stderr).toMatch(/standard input is not valid JSON/);
    const missing = run(['header', 'inspect', join(dir, 'nope.json')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/cannot read .*nope\.json/);
    const chain = run(['header', 'inspect', '-', '--chain', 'regtest'], '{}');
    expect(chain.code).toBe(2);
    expect(chain.stderr).toMatch(/--chain must be mainnet, testnet or dev/);
    const noSub = run(['header']);
    expect(noSub.code).toBe(2);
    expect(noSub.stderr).toMatch(/missing subcommand/);
  });
});

describeWithShared(REAL, 'inspectHeader on all 127 real headers', () => {
  const { headers } = readSharedJson<{ headers: RealHeader[] }>(REAL);

  it('agrees with the recorded PoW check and hash check of every header', () => {
    for (const h of headers) {
      const chain = h.pow_func === 'EaglesongBlake2b' ? 'testnet' : 'mainnet';
      const out = inspectHeader(h.header, chain);
      expect(out.pow_hash).toBe(h.computed.pow_hash);
      expect(out.hash).toBe(h.computed.header_hash);
      expect(out.pow_output).toBe(h.computed.pow_value);
      expect(out.target).toBe(h.computed.target);
      expect(out.difficulty).toBe(h.computed.difficulty);
      // Genesis headers (pow_ok null) are exempt from PoW in the node; their nonce is 0.
      if (h.checks.pow_ok !== null) expect(out.pow_valid).toBe(h.checks.pow_ok);
      expect(out.hash_matches).toBe(h.header.hash === undefined ? null : true);
    }
  });
});

describe('inspectHeader input shapes', () => {
  const header = {
    version: '0x0',
    compact_target: '0x20010000',
    timestamp: '0x17af3f66555',
    number: '0x3',
    epoch: '0x3e80003000000',
    parent_hash: '0xebf229020f333100942279dc33303ae0dfcbe720d8d11818687e6654c157294c',
    transactions_root: '0x0bbf9d8946932c9c33a46c8d13b9ecfcf850ccc1728fc9c9c5d14710ad9428ad',
    proposals_hash: `0x${'00'.repeat(32)}`,
    extra_hash: '0xfbbfbaaa0afac7730f4a6102b376986f1f288f3eccb18e0d16d58422aab28aad',
    dao: '0x105cabf31c1fa12eacfa6990f2862300bdaf44b932000000008d5fff03fbfe06',
    nonce: '0x6e43a02f3ed8bb00dea7f78c12fe94f5',
    hash: '0xb93dad02d24e9d30c49023d08f84dd8ec34118c1bfec9ed432b75619964686c3',
  };

  it('accepts a bare header, {header}, {result} and {result: {header}} alike (RFC 0031 block)', () => {
    const bare = inspectHeader(header, 'dev');
    expect(bare.hash_matches).toBe(true);
    expect(bare.difficulty).toBe('256');
    for (const doc of [{ header }, { result: header }, { result: { header, uncles: [] } }]) {
      expect(inspectHeader(doc, 'dev')).toEqual(bare);
    }
  });

  it('names the path of a field inside a wrapper', () => {
    expect(() => inspectHeader({ result: { header: { ...header, nonce: 5 } } }, 'mainnet')).toThrow(
      /^result\.header\.nonce: /,
    );
    expect(() => inspectHeader({ result: { ...header, epoch: '0xg' } }, 'mainnet')).toThrow(
      /^result\.epoch: /,
    );
  });

  it('reports a compact target the node treats as overflowing with no target and pow_valid false', () => {
    const out = inspectHeader({ ...header, compact_target: '0x21010000' }, 'dev');
    expect(out.target).toBeNull();
    expect(out.difficulty).toBeNull();
    expect(out.pow_valid).toBe(false);
  });
});
