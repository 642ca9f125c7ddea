import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { schnorr } from '@noble/curves/secp256k1.js';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { decodeAuthorityPubkey, decodeAuthoritySecret, parsePoolUrl } from '../../sv2/noise/keys.js';
import { UsageError } from '../command.js';
import keys from './keys.js';

let dir: string;
let out: string[];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ckb-pool-keys-'));
  out = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((s) => {
    out.push(String(s));
    return true;
  });
});
afterEach(() => {
  vi.restoreAllMocks();
  rmSync(dir, { recursive: true, force: true });
});

async function usageError(argv: string[]): Promise<string> {
  try {
    await keys.run(argv);
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    return (e as Error).message;
  }
  throw new Error('expected a UsageError');
}

describe('ckb-pool keys', () => {
  it('generate writes a 0600 secret and the matching public key, and prints it', async () => {
    expect(await keys.run(['generate', '--out', join(dir, 'k')])).toBe(0);
    const secretPath = join(dir, 'k', 'authority-secret.key');
    expect(statSync(secretPath).mode & 0o777).toBe(0o600);
    const secret = decodeAuthoritySecret(readFileSync(secretPath, 'utf8'));
    const pubText = readFileSync(join(dir, 'k', 'authority-public.key'), 'utf8').trim();
    expect(decodeAuthorityPubkey(pubText)).toEqual(schnorr.getPublicKey(secret));
    expect(out.join('')).toContain(`authority public key: ${pubText}`);
  });

  it('generate refuses to overwrite an existing key without --force', async () => {
    await keys.run(['generate', '--out', dir]);
    const before = readFileSync(join(dir, 'authority-secret.key'), 'utf8');
    expect(await usageError(['generate', '--out', dir])).toMatch(/already exists.*--force/);
    expect(readFileSync(join(dir, 'authority-secret.key'), 'utf8')).toBe(before);
    expect(await keys.run(['generate', '--out', dir, '--force'])).toBe(0);
    expect(readFileSync(join(dir, 'authority-secret.key'), 'utf8')).not.toBe(before);
    expect(statSync(join(dir, 'authority-secret.key')).mode & 0o777).toBe(0o600);
  });

  it('show prints the public key and URL from either file, never the secret', async () => {
    await keys.run(['generate', '--out', dir]);
    const pubText = readFileSync(join(dir, 'authority-public.key'), 'utf8').trim();
    const secretText = readFileSync(join(dir, 'authority-secret.key'), 'utf8').trim();
    for (const file of ['authority-public.key', 'authority-secret.key']) {
      out = [];
      expect(await keys.run(['show', join(dir, file), '--host', 'pool.example.org', '--port', '3336'])).toBe(
        0,
      );
      const text = out.join('');
      expect(text).toContain(`authority public key: ${pubText}`);
      expect(text).toContain(`pool URL: stratum2+tcp://pool.example.org:3336/${pubText}`);
      expect(text).not.toContain(secretText);
      const url = text.match(/pool URL: (\S+)/)![1];
      expect(parsePoolUrl(url).port).toBe(3336);
    }
  });

  it('show explains a damaged key file', async () => {
    const f = join(dir, 'bad.key');
    writeFileSync(f, '9bXiEd8boQVhq7WddEcERUL5tyyJVFYdU8th3HfbNXK3Yw6GRXx\n');
    expect(await usageError(['show', f])).toMatch(/bad\.key.*checksum/);
    expect(await usageError(['show', join(dir, 'missing.key')])).toMatch(/cannot read.*ENOENT/);
  });

  it('rejects bad usage', async () => {
    expect(await usageError([])).toMatch(/subcommand/);
    expect(await usageError(['generate'])).toMatch(/--out/);
    expect(await usageError(['show'])).toMatch(/FILE/);
    expect(await usageError(['show', 'x', '--host', 'h', '--port', '70000'])).toMatch(/--port/);
  });

  it('reports an unknown option or a missing option value as bad usage, not a crash', async () => {
    expect(await usageError(['show', 'x', '--bogus'])).toMatch(/--bogus/);
    expect(await usageError(['generate', '--out'])).toMatch(/--out/);
  });
});
