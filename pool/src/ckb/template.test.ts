import { describe, expect, it } from 'vitest';
import { describeWithShared, readSharedJson } from '../../test/shared.js';
import { RFC0031_TEMPLATE_VECTOR } from '../../test/vectors/rfc0031-template.js';
import {
  blockFromJson,
  calcExtensionHash,
  calcUnclesHash,
  deserializeBlock,
  serializeBlock,
} from './block.js';
import { blockHash, serializeRawHeader } from './header.js';
import { bytesToHex0x } from './hex.js';
import { readTable } from './molecule.js';
import { blockToSubmitJson, templateBlockHash, templateToBlock } from './template.js';

const VECTORS = 'reference/ckb/block-template-vectors.json';

interface Vectors {
  templates: [
    {
      template: Record<string, unknown>;
      expected_block_from_source: { header: Record<string, string> } & Record<string, unknown>;
      expected_hashes_from_source: { block_hash: string; tx_hashes: string[] };
      derived: {
        witness_hashes: string[];
        raw_transactions_root: string;
        witnesses_root: string;
        extension_hash: string;
        raw_header_hex: string;
        pow_hash: string;
      };
    },
    {
      response: { result: Record<string, unknown> };
      derived_if_assembled_with_nonce0: {
        tx_hashes: string[];
        witness_hashes: string[];
        uncles_hash: string;
        extension_hash: string;
        header: Record<string, string>;
        raw_header_hex: string;
        pow_hash: string;
        block_hash: string;
      };
    },
  ];
}

const hex = (b: Uint8Array) => bytesToHex0x(b);
// biome-ignore lint/suspicious/noExplicitAny: the malformed-input cases poke arbitrary paths of template JSON
type AnyJson = any;
const clone = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;

describe('template → block (RFC 0031 block hash vector)', () => {
  const rfc = RFC0031_TEMPLATE_VECTOR as unknown as Vectors['templates'][0];
  const nonce = BigInt(rfc.expected_block_from_source.header.nonce);

  it('reproduces the raw header, pow_hash and the block hash from the RFC', () => {
    const block = templateToBlock(rfc.template);
    expect(hex(serializeRawHeader(block.rawHeader))).toBe(rfc.derived.raw_header_hex);
    expect(hex(block.powHash)).toBe(rfc.derived.pow_hash);
    expect(hex(templateBlockHash(block, nonce))).toBe(rfc.expected_hashes_from_source.block_hash);
  });

  it('computes the transaction and witness hashes and both CBMT roots', () => {
    const block = templateToBlock(rfc.template);
    expect(block.txHashes.map(hex)).toEqual(rfc.expected_hashes_from_source.tx_hashes);
    expect(block.witnessHashes.map(hex)).toEqual(rfc.derived.witness_hashes);
    expect(hex(block.rawHeader.transactionsRoot)).toBe(
      rfc.expected_block_from_source.header.transactions_root,
    );
    expect(hex(calcExtensionHash(block.extension!))).toBe(rfc.derived.extension_hash);
  });

  it('writes submit_block JSON identical to the RFC block, field order included', () => {
    const block = templateToBlock(rfc.template);
    const json = blockToSubmitJson(block, nonce);
    expect(JSON.stringify(json)).toBe(JSON.stringify(rfc.expected_block_from_source));
  });

  it('passes the node-strict Block parser (no unknown fields) and encodes like the assembled block', () => {
    const block = templateToBlock(rfc.template);
    const json = JSON.parse(JSON.stringify(blockToSubmitJson(block, nonce)));
    const parsed = blockFromJson(json);
    expect(serializeBlock(parsed)).toEqual(
      serializeBlock({ ...block, header: { ...block.rawHeader, nonce } }),
    );
  });

  it('encodes a block with an extension as Molecule BlockV1 that reads back unchanged', () => {
    const block = templateToBlock(rfc.template);
    const header = { ...block.rawHeader, nonce };
    const bytes = serializeBlock({ ...block, header });
    expect(readTable(bytes, 5, 'BlockV1')).toHaveLength(5);
    const back = deserializeBlock(bytes);
    expect(back.extension).toEqual(block.extension);
    expect(hex(blockHash(back.header))).toBe(rfc.expected_hashes_from_source.block_hash);
    expect(serializeBlock(back)).toEqual(bytes);
  });

  it('leaves the extension out of extra_hash and the JSON when the template has none', () => {
    const t = clone(rfc.template);
    delete t.extension;
    const block = templateToBlock(t);
    expect(block.extension).toBeUndefined();
    expect(block.rawHeader.extraHash).toEqual(calcUnclesHash([]));
    expect(Object.keys(blockToSubmitJson(block, 0n))).toEqual([
      'header',
      'uncles',
      'transactions',
      'proposals',
    ]);
    t.extension = null;
    expect(templateToBlock(t).rawHeader).toEqual(block.rawHeader);
  });

  it('rejects a template whose transaction does not hash to the hash the node gave', () => {
    const t = clone(rfc.template) as { transactions: [{ data: { outputs: [{ capacity: string }] } }] };
    t.transactions[0].data.outputs[0].capacity = '0x2540be401';
    expect(() => templateToBlock(t)).toThrow(/template\.transactions\[0\]\.hash: template says 0x9110ca92/);
    expect(() => templateToBlock(t, { verifyHashes: false })).not.toThrow();
  });

  it('names the field of a malformed template', () => {
    const cases: [(t: AnyJson) => void, RegExp][] = [
      [(t) => (t.current_time = '0x017af3f66555'), /template\.current_time: .*leading zeros/],
      [(t) => delete t.dao, /template\.dao: missing/],
      [
        (t) => (t.transactions[0].data.inputs[0].since = 7),
        /template\.transactions\[0\]\.data\.inputs\[0\]\.since/,
      ],
      [(t) => (t.transactions[0].data.extra = 1), /template\.transactions\[0\]\.data\.extra: unknown field/],
      [(t) => (t.cellbase.data.outputs = {}), /template\.cellbase\.data\.outputs: expected an array/],
      [(t) => (t.proposals = ['0x1234']), /template\.proposals\[0\]: expected 10 bytes/],
      [(t) => (t.extension = 'zz'), /template\.extension: missing 0x prefix/],
      [
        (t) => (t.transactions[0].data.outputs[0].lock.hash_type = 'data9000'),
        /lock\.hash_type: unknown hash type/,
      ],
    ];
    for (const [mutate, message] of cases) {
      const t: AnyJson = clone(rfc.template);
      mutate(t);
      expect(() => templateToBlock(t)).toThrow(message);
    }
  });
});

describeWithShared(
  VECTORS,
  'template → block (node RPC README template with an uncle and a proposal)',
  () => {
    const [, readme] = readSharedJson<Vectors>(VECTORS).templates;
    const d = readme.derived_if_assembled_with_nonce0;

    it('checks the cellbase and uncle hashes the node gave and reproduces every commitment', () => {
      const block = templateToBlock(readme.response.result);
      expect(block.txHashes.map(hex)).toEqual(d.tx_hashes);
      expect(block.witnessHashes.map(hex)).toEqual(d.witness_hashes);
      expect(hex(calcUnclesHash(block.uncles))).toBe(d.uncles_hash);
      expect(hex(calcExtensionHash(block.extension!))).toBe(d.extension_hash);
      expect(hex(serializeRawHeader(block.rawHeader))).toBe(d.raw_header_hex);
      expect(hex(block.powHash)).toBe(d.pow_hash);
      expect(hex(templateBlockHash(block, 0n))).toBe(d.block_hash);
      expect(block.workId).toBe(0n);
      expect(block.unclesCountLimit).toBe(2n);
    });

    it('submits the uncle as header + proposals only, and the header in node field order', () => {
      const json = blockToSubmitJson(templateToBlock(readme.response.result), 0n);
      expect(JSON.stringify(json.header)).toBe(JSON.stringify(d.header));
      expect(Object.keys(json.uncles[0])).toEqual(['header', 'proposals']);
      expect(Object.keys(json.uncles[0].header)).not.toContain('hash');
      expect(json.proposals).toEqual(['0xa0ef4eb5f4ceeb08a4c8']);
    });
  },
);

describe('blockToSubmitJson', () => {
  it('writes the nonce as minimal hex', () => {
    const block = {
      rawHeader: {
        version: 0,
        compactTarget: 0x20010000,
        timestamp: 1n,
        number: 1n,
        epoch: 0n,
        parentHash: new Uint8Array(32),
        transactionsRoot: new Uint8Array(32),
        proposalsHash: new Uint8Array(32),
        extraHash: new Uint8Array(32),
        dao: new Uint8Array(32),
      },
      uncles: [],
      transactions: [],
      proposals: [],
    };
    expect(blockToSubmitJson(block, 0n).header.nonce).toBe('0x0');
    expect(blockToSubmitJson(block, 0x0102n).header.nonce).toBe('0x102');
    expect(blockToSubmitJson(block, 2n ** 128n - 1n).header.nonce).toBe(`0x${'f'.repeat(32)}`);
  });
});
