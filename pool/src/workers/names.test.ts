import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeTlvs, TLV_USER_IDENTITY } from '../sv2/messages/index.js';
import {
  accountOf,
  creditedWorker,
  hasControlChars,
  shareWorker,
  tlvWorkerFor,
  workerNameProblem,
} from './names.js';

const tlvOf = (value: Uint8Array) =>
  encodeTlvs([
    { extensionType: TLV_USER_IDENTITY.extensionType, fieldType: TLV_USER_IDENTITY.fieldType, value },
  ]);
const text = (b: Uint8Array | null) => (b === null ? null : new TextDecoder().decode(b));

describe('worker names under extension 0x0002', () => {
  it('take the account from the channel identity up to its first dot, or the whole identity', () => {
    expect(accountOf('alice.proxy')).toBe('alice');
    expect(accountOf('alice.farm.proxy')).toBe('alice');
    expect(accountOf('translator')).toBe('translator');
    expect(accountOf('')).toBe('');
  });

  it('put a TLV worker inside the channel account unless it already is', () => {
    expect(creditedWorker('alice.proxy', 'rig7')).toBe('alice.rig7');
    expect(creditedWorker('alice.proxy', 'alice.rig7')).toBe('alice.rig7');
    expect(creditedWorker('alice.proxy', 'alice')).toBe('alice');
    expect(creditedWorker('alice.proxy', 'bob.rig1')).toBe('alice.bob.rig1');
    expect(creditedWorker('alice.proxy', 'alicex.rig1')).toBe('alice.alicex.rig1');
    expect(creditedWorker('translator', 'jay.rig')).toBe('translator.jay.rig');
  });

  it('never credit a share outside the channel account, whatever the TLV bytes', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 20 }), fc.uint8Array({ maxLength: 40 }), (channel, value) => {
        const w = shareWorker(channel, tlvOf(value));
        if (w === null) {
          expect(value.length).toBeGreaterThan(32);
          return;
        }
        expect(w === accountOf(channel) || w.startsWith(`${accountOf(channel)}.`) || w === channel).toBe(
          true,
        );
      }),
    );
  });

  it('send the shortest TLV the pool maps back to the miner name', () => {
    expect(text(tlvWorkerFor('alice.rig7', 'alice.proxy'))).toBe('rig7');
    expect(text(tlvWorkerFor('bob.rig1', 'alice.proxy'))).toBe('bob.rig1');
    expect(text(tlvWorkerFor('alice', 'alice.proxy'))).toBe('alice');
    // "alice.x" alone would be taken as already inside the account: keep the full name.
    expect(text(tlvWorkerFor('alice.alice.x', 'alice.proxy'))).toBe('alice.alice.x');
    // A long account (a CKB address) fits when the translator runs under the same account.
    const addr = `ckb1${'q'.repeat(90)}`;
    expect(text(tlvWorkerFor(`${addr}.rig7`, `${addr}.proxy`))).toBe('rig7');
  });

  it('send no TLV for a name that cannot travel in one: empty, control characters, over 32 bytes', () => {
    expect(tlvWorkerFor('', 'alice.proxy')).toBeNull();
    expect(tlvWorkerFor('rig\t1', 'alice.proxy')).toBeNull();
    expect(tlvWorkerFor('r'.repeat(33), 'alice.proxy')).toBeNull();
    expect(tlvWorkerFor(`ckb1${'q'.repeat(90)}.rig7`, 'translator')).toBeNull();
    expect(text(tlvWorkerFor('é'.repeat(16), 'alice.proxy'))).toBe('é'.repeat(16));
    expect(tlvWorkerFor('é'.repeat(17), 'alice.proxy')).toBeNull();
  });

  it('round-trip: what the translator sends, the pool credits to the miner (inside the account) or to account.miner', () => {
    const name = fc.stringMatching(/^[a-z0-9]{1,6}(\.[a-z0-9]{1,6}){0,2}$/);
    fc.assert(
      fc.property(name, name, (user, channel) => {
        const value = tlvWorkerFor(user, channel);
        if (value === null) return;
        const credited = shareWorker(channel, tlvOf(value));
        const account = accountOf(channel);
        const inside = user === account || user.startsWith(`${account}.`);
        expect(credited).toBe(inside ? user : `${account}.${user}`);
      }),
    );
  });
});

describe('worker name rule (SV2 user_identity and V1 authorize)', () => {
  it('accepts ordinary names, dots, dashes and non-ASCII letters', () => {
    for (const n of ['alice', 'alice.rig1', 'ckb1qz-farm_7.rig', 'bäckerei.石'])
      expect(workerNameProblem(n)).toBeNull();
  });

  it('refuses C0, DEL, C1 and line separators anywhere in the name', () => {
    for (const c of ['\u0000', '\n', '\r', '\u001b', '\u007f', '\u0085', '\u009f', '\u2028', '\u2029']) {
      expect(hasControlChars(`a${c}b`), JSON.stringify(c)).toBe(true);
      expect(workerNameProblem(`alice.${c}`)).toMatch(/control characters/);
    }
    expect(hasControlChars('\u00a0')).toBe(false);
  });

  it('refuses empty, non-string and over-long (in UTF-8 bytes) names', () => {
    expect(workerNameProblem('')).toMatch(/non-empty string/);
    expect(workerNameProblem(42)).toMatch(/non-empty string/);
    expect(workerNameProblem('a'.repeat(255))).toBeNull();
    expect(workerNameProblem('é'.repeat(128))).toMatch(/at most 255 bytes/);
  });
});
