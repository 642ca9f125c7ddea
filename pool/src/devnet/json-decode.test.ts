import { describe, expect, it } from 'vitest';
import {
  decodeSubmitBlockParams,
  decodeTransaction,
  decodeUint,
  hashTypeFromJson,
  ParamsError,
} from './json-decode.js';

const H = `0x${'00'.repeat(32)}`;
const tx = {
  version: '0x0',
  cell_deps: [{ out_point: { tx_hash: H, index: '0x0' }, dep_type: 'dep_group' }],
  header_deps: [],
  inputs: [{ since: '0x0', previous_output: { tx_hash: H, index: '0x1' } }],
  outputs: [{ capacity: '0x10', lock: { code_hash: H, hash_type: 'type', args: '0x' }, type: null }],
  outputs_data: ['0x'],
  witnesses: ['0xabcd'],
};

function message(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(ParamsError);
    return (e as Error).message;
  }
  throw new Error('expected a ParamsError');
}

describe('submit_block parameter decoding (serde semantics of util/jsonrpc-types)', () => {
  it('decodes a well-formed transaction, with `type` optional like an Option field', () => {
    const d = decodeTransaction(tx, 'tx');
    expect(d.cellDeps[0].depType).toBe(1);
    expect(d.witnesses[0]).toEqual(Uint8Array.of(0xab, 0xcd));
    const { type: _omit, ...noType } = tx.outputs[0];
    expect(decodeTransaction({ ...tx, outputs: [noType] }, 'tx').outputs[0].type).toBeNull();
  });

  it('words unknown and missing fields like serde', () => {
    const badOutPoint = {
      ...tx,
      inputs: [{ since: '0x0', previous_output: { tx_hash: H, index: '0x1', x: 1 } }],
    };
    expect(message(() => decodeTransaction(badOutPoint, 'tx'))).toBe(
      'unknown field `x`, expected `tx_hash` or `index`',
    );
    const { witnesses: _w, ...noWitnesses } = tx;
    expect(message(() => decodeTransaction(noWitnesses, 'tx'))).toBe('missing field `witnesses`');
    expect(message(() => decodeTransaction({ ...tx, hash: H }, 'tx'))).toMatch(
      /^unknown field `hash`, expected one of `version`/,
    );
  });

  it('applies the JsonUint rules: 0x prefix, no redundant zeros, fits the width', () => {
    expect(decodeUint('0x0', 'Uint64', 'n')).toBe(0n);
    expect(decodeUint('0xAB', 'Uint32', 'n')).toBe(0xabn);
    expect(message(() => decodeUint('0x01', 'Uint64', 'n'))).toBe(
      'Invalid Uint64 0x01: with redundant leading zeros',
    );
    expect(message(() => decodeUint('12', 'Uint64', 'n'))).toBe('Invalid Uint64 12: without `0x` prefix');
    expect(message(() => decodeUint('0x', 'Uint64', 'n'))).toMatch(/without `0x` prefix/);
    expect(message(() => decodeUint('0x100000000', 'Uint32', 'n'))).toMatch(/too large/);
    expect(message(() => decodeUint(5, 'Uint32', 'n'))).toBe(
      'invalid type: integer `5`, expected a hex-encoded, 0x-prefixed Uint32',
    );
  });

  it('maps hash types to their Molecule bytes and refuses unknown ones', () => {
    expect(['data', 'type', 'data1', 'data2'].map((h) => hashTypeFromJson(h, 'h'))).toEqual([0, 1, 2, 4]);
    expect(message(() => hashTypeFromJson('Type', 'h'))).toMatch(/^unknown variant `Type`/);
  });

  it('requires exactly (work_id string, block) and accepts a null extension', () => {
    expect(message(() => decodeSubmitBlockParams([42, {}]))).toBe(
      'invalid type: integer `42`, expected a string',
    );
    expect(message(() => decodeSubmitBlockParams(['1']))).toBe(
      'invalid length 1, expected a tuple of size 2',
    );
    const header = {
      version: '0x0',
      compact_target: '0x20010000',
      timestamp: '0x1',
      number: '0x1',
      epoch: '0x0',
      parent_hash: H,
      transactions_root: H,
      proposals_hash: H,
      extra_hash: H,
      dao: H,
      nonce: '0x0',
    };
    const block = { header, uncles: [], transactions: [tx], proposals: [], extension: null };
    expect(decodeSubmitBlockParams(['1', block]).block.extension).toBeNull();
    const shortHash = { ...block, header: { ...header, parent_hash: '0x00' } };
    expect(message(() => decodeSubmitBlockParams(['1', shortHash]))).toBe(
      'invalid value: string "0x00", expected a 0x-prefixed hex string',
    );
  });
});
