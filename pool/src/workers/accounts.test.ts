import { bech32m } from '@scure/base';
import { describe, expect, it } from 'vitest';
import { accountOf, isAddressOf } from './accounts.js';

// A full-format (0x00) address of the secp256k1-blake160 lock, encoded here from its bytes so
// the test does not depend on the code under test.
const payload = new Uint8Array([
  0x00,
  ...new Uint8Array(32).fill(0x9b),
  0x01,
  ...new Uint8Array(20).fill(0x42),
]);
const testnet = bech32m.encode('ckt', bech32m.toWords(payload), 1023);
const mainnet = bech32m.encode('ckb', bech32m.toWords(payload), 1023);

describe('accounts by address', () => {
  it("accepts an address of the pool's chain and refuses the other chain's", () => {
    expect(isAddressOf(testnet, 'testnet')).toBe(true);
    expect(isAddressOf(testnet, 'dev')).toBe(true);
    expect(isAddressOf(testnet, 'mainnet')).toBe(false);
    expect(isAddressOf(mainnet, 'mainnet')).toBe(true);
  });

  it('refuses a corrupted checksum, upper case and plain names', () => {
    const flipped = `${testnet.slice(0, -1)}${testnet.endsWith('q') ? 'p' : 'q'}`;
    expect(isAddressOf(flipped, 'testnet')).toBe(false);
    expect(isAddressOf(testnet.toUpperCase(), 'testnet')).toBe(false);
    expect(isAddressOf('alice', 'testnet')).toBe(false);
  });

  it('credits `<address>.<worker>` and a bare address to the address, other names to nobody', () => {
    expect(accountOf(`${testnet}.rig1`, 'testnet')).toBe(testnet);
    expect(accountOf(testnet, 'testnet')).toBe(testnet);
    expect(accountOf('alice.rig1', 'testnet')).toBeNull();
    expect(accountOf(`${mainnet}.rig1`, 'testnet')).toBeNull();
  });
});
