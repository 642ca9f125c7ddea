/**
 * Accounts: who a worker name credits. A miner that authorizes as `<ckb address>[.<worker>]`
 * is credited under that address (and may be paid) when the address belongs to the pool's
 * chain; any other name is credited by name and never paid. Pure and synchronous, so the pool,
 * the translator and the payout engine agree on the same answer.
 */
import { ccc } from '@ckb-ccc/core';
import { AddressFormat, addressPayloadFromString } from '@ckb-ccc/core/advanced';
import type { Chain } from '../ckb/chain.js';

export type Account =
  | {
      kind: 'address';
      /** The address in its canonical (full, bech32m) form: one account per lock. */
      address: string;
      lock: ccc.Script;
      /** The part after the first '.', or null. */
      worker: string | null;
    }
  | { kind: 'name'; name: string };

/** Bech32 human-readable part of the pool's chain: the dev chain uses testnet addresses. */
export function addressPrefix(chain: Chain): 'ckb' | 'ckt' {
  return chain === 'mainnet' ? 'ckb' : 'ckt';
}

/**
 * Type hashes of the default locks a deprecated short address names by index (the same on
 * mainnet and testnet): 0 = secp256k1-blake160 sighash-all, 1 = secp256k1-blake160 multisig.
 */
const SHORT_CODE_HASHES: Record<number, string> = {
  0: '0x9bd7e06f3ecf4be0f2fcd2188b23f1b9fcc88e5d4b65a8637b17723bbda3cce8',
  1: '0x5c5069eb0857efc65e1bca0c07df34c31663b3622fd3876c876320fc9634e2a8',
};

const HASH_TYPES: Record<number, ccc.HashType> = { 0: 'data', 1: 'type', 2: 'data1', 4: 'data2' };

/** The lock an address string names, when it is a well-formed address of `chain`; else null. */
export function parseAddress(text: string, chain: Chain): ccc.Script | null {
  let decoded: ReturnType<typeof addressPayloadFromString>;
  try {
    decoded = addressPayloadFromString(text);
  } catch {
    return null;
  }
  if (decoded.prefix !== addressPrefix(chain)) return null;
  const p = decoded.payload;
  if (decoded.format === AddressFormat.Full) {
    const hashType = HASH_TYPES[p[32] ?? -1];
    if (p.length < 33 || !hashType) return null;
    return ccc.Script.from({
      codeHash: ccc.hexFrom(p.slice(0, 32)),
      hashType,
      args: ccc.hexFrom(p.slice(33)),
    });
  }
  if (decoded.format === AddressFormat.FullData || decoded.format === AddressFormat.FullType) {
    if (p.length < 32) return null;
    const hashType = decoded.format === AddressFormat.FullData ? 'data' : 'type';
    return ccc.Script.from({
      codeHash: ccc.hexFrom(p.slice(0, 32)),
      hashType,
      args: ccc.hexFrom(p.slice(32)),
    });
  }
  if (decoded.format === AddressFormat.Short) {
    const codeHash = SHORT_CODE_HASHES[p[0] ?? -1];
    if (!codeHash || p.length !== 21) return null;
    return ccc.Script.from({ codeHash, hashType: 'type', args: ccc.hexFrom(p.slice(1)) });
  }
  return null;
}

/** The full-format address of `lock` on `chain`. */
export function addressOf(lock: ccc.ScriptLike, chain: Chain): string {
  return ccc.Address.from({ script: lock, prefix: addressPrefix(chain) }).toString();
}

/** Who the worker name `name` credits on `chain`. */
export function accountOf(name: string, chain: Chain): Account {
  const dot = name.indexOf('.');
  const head = dot < 0 ? name : name.slice(0, dot);
  const lock = parseAddress(head, chain);
  if (!lock) return { kind: 'name', name };
  return {
    kind: 'address',
    address: addressOf(lock, chain),
    lock,
    worker: dot < 0 ? null : name.slice(dot + 1),
  };
}

/** The ledger key a worker name is credited under: its canonical address, or the name itself. */
export function creditKey(name: string, chain: Chain): { key: string; payable: boolean } {
  const a = accountOf(name, chain);
  return a.kind === 'address' ? { key: a.address, payable: true } : { key: a.name, payable: false };
}
