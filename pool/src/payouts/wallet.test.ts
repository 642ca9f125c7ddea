import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readWalletKey } from './wallet.js';

const KEY = '44'.repeat(32);

function keyFile(content: string, mode: number): string {
  const path = join(mkdtempSync(join(tmpdir(), 'wallet-')), 'wallet.key');
  writeFileSync(path, content);
  chmodSync(path, mode);
  return path;
}

describe('the pool wallet key file', () => {
  it('reads a private 32-byte hex key, with or without 0x', () => {
    expect(readWalletKey(keyFile(`${KEY}\n`, 0o600))).toBe(`0x${KEY}`);
    expect(readWalletKey(keyFile(`0x${KEY.toUpperCase()}`, 0o400))).toBe(`0x${KEY}`);
  });

  it('refuses a file others can read, and never repeats the key in the error', () => {
    const open = keyFile(KEY, 0o644);
    expect(() => readWalletKey(open)).toThrow(/mode 644; use 600/);
    const bad = keyFile(`${KEY.slice(0, 60)}zz`, 0o600);
    try {
      readWalletKey(bad);
      expect.unreachable();
    } catch (err) {
      expect((err as Error).message).toMatch(/not a 32-byte hex/);
      expect((err as Error).message).not.toContain(KEY.slice(0, 20));
    }
  });
});
