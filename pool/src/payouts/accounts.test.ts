import { ccc } from '@ckb-ccc/core';
import { describe, expect, it } from 'vitest';
import { accountOf, addressOf, creditKey, parseAddress } from './accounts.js';

/** The secp256k1-blake160 lock of the test key 0x11…11 (never used outside tests). */
const LOCK = ccc.Script.from({
  codeHash: '0x9bd7e06f3ecf4be0f2fcd2188b23f1b9fcc88e5d4b65a8637b17723bbda3cce8',
  hashType: 'type',
  args: '0xf949a9cc83edefcd580eb3f0f3bae187c4d008db',
});
const TESTNET =
  'ckt1qzda0cr08m85hc8jlnfp3zer7xulejywt49kt2rr0vthywaa50xwsq0efx5ueqldalx4sr4n7rem4cv8cngq3kcyk4ydl';
const MAINNET =
  'ckb1qzda0cr08m85hc8jlnfp3zer7xulejywt49kt2rr0vthywaa50xwsq0efx5ueqldalx4sr4n7rem4cv8cngq3kc2y7t88';

describe('accounts by address', () => {
  it('credits a testnet address on the dev chain, with or without a worker suffix', () => {
    expect(accountOf(`${TESTNET}.rig-1`, 'dev')).toEqual({
      kind: 'address',
      address: TESTNET,
      lock: LOCK,
      worker: 'rig-1',
    });
    expect(accountOf(TESTNET, 'testnet')).toMatchObject({ kind: 'address', address: TESTNET, worker: null });
    expect(creditKey(`${TESTNET}.a.b`, 'dev')).toEqual({ key: TESTNET, payable: true });
  });

  it('credits by name, never paid, an address of the other chain or a plain name', () => {
    expect(accountOf(`${TESTNET}.rig`, 'mainnet')).toEqual({ kind: 'name', name: `${TESTNET}.rig` });
    expect(accountOf(MAINNET, 'testnet')).toEqual({ kind: 'name', name: MAINNET });
    expect(creditKey('alice.rig1', 'mainnet')).toEqual({ key: 'alice.rig1', payable: false });
    expect(creditKey('translator', 'dev')).toEqual({ key: 'translator', payable: false });
  });

  it('refuses an address whose checksum is broken', () => {
    const broken = `${MAINNET.slice(0, -1)}${MAINNET.endsWith('8') ? '9' : '8'}`;
    expect(parseAddress(broken, 'mainnet')).toBeNull();
    expect(creditKey(broken, 'mainnet').payable).toBe(false);
  });

  it('maps a deprecated short address to the same account as its full form', () => {
    // Short format: 0x01 ‖ code-hash index 0 (secp256k1-blake160) ‖ 20-byte args, bech32.
    const short = ccc.bytesFrom('0x0100f949a9cc83edefcd580eb3f0f3bae187c4d008db');
    const text = encodeBech32('ckb', short);
    expect(parseAddress(text, 'mainnet')).toEqual(LOCK);
    expect(creditKey(`${text}.w`, 'mainnet')).toEqual({ key: MAINNET, payable: true });
  });

  it('writes the full-format address of a lock for the pool chain', () => {
    expect(addressOf(LOCK, 'mainnet')).toBe(MAINNET);
    expect(addressOf(LOCK, 'dev')).toBe(TESTNET);
  });
});

/** Plain bech32 (BIP-173), as deprecated short CKB addresses use. */
function encodeBech32(hrp: string, bytes: Uint8Array): string {
  const CHARSET = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l';
  const words: number[] = [];
  let acc = 0;
  let bits = 0;
  for (const b of bytes) {
    acc = (acc << 8) | b;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      words.push((acc >> bits) & 31);
    }
  }
  if (bits > 0) words.push((acc << (5 - bits)) & 31);
  const polymod = (values: number[]) => {
    const G = [0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3];
    let chk = 1;
    for (const v of values) {
      const top = chk >> 25;
      chk = ((chk & 0x1ffffff) << 5) ^ v;
      for (let i = 0; i < 5; i++) if ((top >> i) & 1) chk ^= G[i] as number;
    }
    return chk;
  };
  const expand = [...hrp]
    .map((c) => c.charCodeAt(0) >> 5)
    .concat(
      [0],
      [...hrp].map((c) => c.charCodeAt(0) & 31),
    );
  const mod = polymod([...expand, ...words, 0, 0, 0, 0, 0, 0]) ^ 1;
  const checksum = [0, 1, 2, 3, 4, 5].map((i) => (mod >> (5 * (5 - i))) & 31);
  return `${hrp}1${[...words, ...checksum].map((w) => CHARSET[w]).join('')}`;
}
