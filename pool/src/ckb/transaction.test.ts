import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { scriptArb, transactionArb } from '../../test/support/transaction.arbitraries.js';
import { bytesToHex, bytesToHex0x, hexToBytes } from './hex.js';
import { MoleculeError } from './molecule.js';
import {
  cellbaseWitnessOf,
  deserializeCellbaseWitness,
  deserializeRawTransaction,
  deserializeScript,
  deserializeTransaction,
  deserializeWitnessArgs,
  hashTypeFromByte,
  hashTypeToByte,
  type Script,
  scriptHash,
  serializeCellbaseWitness,
  serializeRawTransaction,
  serializeScript,
  serializeTransaction,
  serializeWitnessArgs,
  type Transaction,
  transactionFromJson,
  transactionHashes,
  transactionToJson,
  txHash,
  witnessHash,
} from './transaction.js';

describe('scripts', () => {
  // ckb util/types/src/extension/calc_hash.rs tests `empty_script_hash` and `one_arg_script_hash`.
  const empty: Script = { codeHash: new Uint8Array(32), hashType: 'data', args: new Uint8Array(0) };

  it('hash like the node for the empty script and a one-byte-args script', () => {
    expect(bytesToHex(scriptHash(empty))).toBe(
      '77c93b0632b5b6c3ef922c5b7cea208fb0a7c427a13d50e13d3fefad17e0c590',
    );
    expect(bytesToHex(scriptHash({ ...empty, args: Uint8Array.of(1) }))).toBe(
      '67951b34bce20cb71b7e235c1f8cda259628d99d94825bffe549c23b4dd2930f',
    );
  });

  it('map hash types to the node bytes (data 0, type 1, dataN = N << 1)', () => {
    expect(
      ['data', 'type', 'data1', 'data2', 'data127'].map((t) => hashTypeToByte(t as Script['hashType'])),
    ).toEqual([0, 1, 2, 4, 254]);
    for (let b = 0; b < 256; b++) {
      if (b === 1 || b % 2 === 0) expect(hashTypeToByte(hashTypeFromByte(b))).toBe(b);
      else expect(() => hashTypeFromByte(b)).toThrow(/invalid script hash_type byte/);
    }
    expect(() => hashTypeToByte('data128' as Script['hashType'])).toThrow(/unknown script hash_type/);
    expect(() => hashTypeToByte('data0' as Script['hashType'])).toThrow(/unknown script hash_type/);
  });

  it('round-trip through Molecule', () => {
    fc.assert(
      fc.property(scriptArb, (s) => {
        expect(deserializeScript(serializeScript(s))).toEqual(s);
      }),
    );
  });
});

describe('transactions', () => {
  it('round-trip through Molecule (raw and full) and through the node JSON', () => {
    fc.assert(
      fc.property(transactionArb, (tx) => {
        const bytes = serializeTransaction(tx);
        expect(deserializeTransaction(bytes)).toEqual(tx);
        const { witnesses: _w, ...raw } = tx;
        expect(deserializeRawTransaction(serializeRawTransaction(tx))).toEqual(raw);
        expect(transactionFromJson(JSON.parse(JSON.stringify(transactionToJson(tx))))).toEqual(tx);
      }),
    );
  });

  it('transactionHashes gives the tx hash and the witness hash in one pass', () => {
    fc.assert(
      fc.property(transactionArb, (tx) => {
        expect(transactionHashes(tx)).toEqual({ txHash: txHash(tx), witnessHash: witnessHash(tx) });
      }),
    );
  });

  it('keep the tx hash when only witnesses change (witnesses are outside RawTransaction)', () => {
    fc.assert(
      fc.property(transactionArb, fc.uint8Array({ maxLength: 40 }), (tx, w) => {
        const moreWitnesses: Transaction = { ...tx, witnesses: [...tx.witnesses, w] };
        expect(txHash(moreWitnesses)).toEqual(txHash(tx));
        expect(witnessHash(moreWitnesses)).not.toEqual(witnessHash(tx));
      }),
    );
  });

  it('reject truncated or padded Molecule bytes with a MoleculeError naming the part', () => {
    fc.assert(
      fc.property(transactionArb, fc.nat(), (tx, cut) => {
        const bytes = serializeTransaction(tx);
        const short = bytes.subarray(0, cut % bytes.length);
        expect(() => deserializeTransaction(short)).toThrow(MoleculeError);
        const long = new Uint8Array(bytes.length + 1);
        long.set(bytes);
        expect(() => deserializeTransaction(long)).toThrow(/^Transaction/);
      }),
    );
  });

  it('write JSON in the node field order with minimal hex numbers', () => {
    const tx = transactionFromJson({
      version: '0x0',
      cell_deps: [{ out_point: { tx_hash: `0x${'ab'.repeat(32)}`, index: '0x0' }, dep_type: 'dep_group' }],
      header_deps: [],
      inputs: [{ since: '0x0', previous_output: { tx_hash: `0x${'cd'.repeat(32)}`, index: '0x7' } }],
      outputs: [
        {
          capacity: '0x2540be400',
          lock: { code_hash: `0x${'ef'.repeat(32)}`, hash_type: 'type', args: '0x01' },
          type: null,
        },
      ],
      outputs_data: ['0x'],
      witnesses: ['0x'],
    });
    const json = transactionToJson(tx);
    expect(Object.keys(json)).toEqual([
      'version',
      'cell_deps',
      'header_deps',
      'inputs',
      'outputs',
      'outputs_data',
      'witnesses',
    ]);
    expect(Object.keys(json.inputs[0])).toEqual(['since', 'previous_output']);
    expect(Object.keys(json.outputs[0])).toEqual(['capacity', 'lock', 'type']);
    expect(json.outputs[0].capacity).toBe('0x2540be400');
  });

  it('name the offending field in JSON errors', () => {
    expect(() => transactionFromJson({ version: '0x0' })).toThrow(
      /transaction\.cell_deps: expected an array/,
    );
    expect(() =>
      transactionFromJson({
        version: '0x0',
        cell_deps: [{ out_point: { tx_hash: `0x${'00'.repeat(32)}`, index: '0x0' }, dep_type: 'group' }],
      }),
    ).toThrow(/transaction\.cell_deps\[0\]\.dep_type: expected "code" or "dep_group"/);
  });
});

describe('WitnessArgs', () => {
  it('decodes and re-encodes the signed witness of the RFC 0031 vector transaction', () => {
    // A secp256k1 lock witness: lock = 65-byte signature, no input_type/output_type.
    const hex =
      '550000001000000055000000550000004100000070b823564f7d1f814cc135ddd56fd8e8931b3a7040eaf1fb828adae29736a3cb0bc7f65021135b293d10a22da61fcc64f7cb660bf2c3276ad63630dad0b6099001';
    const w = deserializeWitnessArgs(hexToBytes(hex));
    expect(w.lock?.length).toBe(65);
    expect(w.inputType).toBeNull();
    expect(w.outputType).toBeNull();
    expect(bytesToHex(serializeWitnessArgs(w))).toBe(hex);
  });

  it('round-trips any WitnessArgs', () => {
    const opt = fc.option(fc.uint8Array({ maxLength: 70 }), { nil: null });
    fc.assert(
      fc.property(fc.record({ lock: opt, inputType: opt, outputType: opt }), (w) => {
        expect(deserializeWitnessArgs(serializeWitnessArgs(w))).toEqual(w);
      }),
    );
  });

  it('the empty WitnessArgs is a 16-byte table of three absent options', () => {
    expect(bytesToHex0x(serializeWitnessArgs({ lock: null, inputType: null, outputType: null }))).toBe(
      '0x10000000100000001000000010000000',
    );
  });
});

describe('CellbaseWitness', () => {
  // The cellbase witness of the RFC 0031 vector block: secp256k1-blake160 lock, empty message.
  const hex =
    '590000000c00000055000000490000001000000030000000310000009bd7e06f3ecf4be0f2fcd2188b23f1b9fcc88e5d4b65a8637b17723bbda3cce80114000000c8328aabcd9b9e8e64fbc566c4385c3bdeb219d700000000';

  it('reads the reward lock and message of a cellbase and writes the same bytes', () => {
    const cellbase = {
      version: 0,
      cellDeps: [],
      headerDeps: [],
      inputs: [],
      outputs: [],
      outputsData: [],
      witnesses: [hexToBytes(hex)],
    };
    const w = cellbaseWitnessOf(cellbase)!;
    expect(bytesToHex(w.lock.codeHash)).toBe(
      '9bd7e06f3ecf4be0f2fcd2188b23f1b9fcc88e5d4b65a8637b17723bbda3cce8',
    );
    expect(w.lock.hashType).toBe('type');
    expect(bytesToHex(w.lock.args)).toBe('c8328aabcd9b9e8e64fbc566c4385c3bdeb219d7');
    expect(w.message).toEqual(new Uint8Array(0));
    expect(bytesToHex(serializeCellbaseWitness(w))).toBe(hex);
    expect(deserializeCellbaseWitness(serializeCellbaseWitness(w))).toEqual(w);
  });

  it('is null for a transaction without exactly one decodable witness', () => {
    const tx = {
      version: 0,
      cellDeps: [],
      headerDeps: [],
      inputs: [],
      outputs: [],
      outputsData: [],
      witnesses: [],
    };
    expect(cellbaseWitnessOf(tx)).toBeNull();
    expect(cellbaseWitnessOf({ ...tx, witnesses: [Uint8Array.of(1, 2, 3)] })).toBeNull();
  });
});
