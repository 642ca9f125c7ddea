import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { blockArb } from '../../test/support/transaction.arbitraries.js';
import {
  blockFromJson,
  blockToJson,
  calcExtraHash,
  calcProposalsHash,
  calcTransactionsRoot,
  calcUnclesHash,
  deserializeBlock,
  serializeBlock,
  type UncleBlock,
} from './block.js';
import { ckbhash } from './hash.js';
import { blockHash } from './header.js';
import { bytesToHex, bytesToHex0x, hexToBytes } from './hex.js';
import { readTable } from './molecule.js';
import { txHash } from './transaction.js';

/**
 * Testnet (Pudge) block 9 with two uncles, as the node's get_block returns it (header, uncle
 * headers and the transaction carry their view `hash`). Source: nervosnetwork/ckb
 * util/rich-indexer/src/tests/data/blocks/9.json @ 5ebbc3921f392184a8f4c7dfb743159c65281c1a.
 */
const TESTNET_BLOCK_9 = {
  header: {
    version: '0x0',
    compact_target: '0x1e015555',
    timestamp: '0x1723b99efea',
    number: '0x9',
    epoch: '0x3e80009000000',
    parent_hash: '0xb429dfe8b1746ee0c48b515202a16970c80c0b6c5e55d3c8a56e376aaf660183',
    transactions_root: '0xa05c26150476f026744535cc3c5536ccfc702ebfa245a940bb10ec50ad6d384e',
    proposals_hash: '0x0000000000000000000000000000000000000000000000000000000000000000',
    extra_hash: '0x4741e04b11f58e0ce8a3fa9e8e50c73b689b28c3be5eb70c64bc83ef30c6dff8',
    dao: '0x288854a57e20a12eeceebbd1f28623008fbdf2977b00000000b2b49f02fbfe06',
    nonce: '0xd8a994752f7513d6a59d77d132597ace',
    hash: '0x953761d56c03bfedf5e70dde0583470383184c41331f709df55d4acab5358640',
  },
  uncles: [
    {
      header: {
        version: '0x0',
        compact_target: '0x1e015555',
        timestamp: '0x1723b97f959',
        number: '0x1',
        epoch: '0x3e80001000000',
        parent_hash: '0x10639e0895502b5688a6be8cf69460d76541bfa4821629d86d62ba0aae3f9606',
        transactions_root: '0x8521525b77a3a0a1ce91dc3d2b6a3fd0aa83f56d3823fdf44dfe769221b0df4d',
        proposals_hash: '0x0000000000000000000000000000000000000000000000000000000000000000',
        extra_hash: '0x0000000000000000000000000000000000000000000000000000000000000000',
        dao: '0x0850ad1da71ea12e44fea37af286230005bf0a6f1a00000000b2b49f02fbfe06',
        nonce: '0xd847d783833454010ab979bfe5b7134d',
        hash: '0x2781b4fbeae10a55df1111e816fc1f05a43bfa8fcab9a334a3ae596362f54e1c',
      },
      proposals: [],
    },
    {
      header: {
        version: '0x0',
        compact_target: '0x1e015555',
        timestamp: '0x1723b9837e7',
        number: '0x2',
        epoch: '0x3e80002000000',
        parent_hash: '0x2781b4fbeae10a55df1111e816fc1f05a43bfa8fcab9a334a3ae596362f54e1c',
        transactions_root: '0x3af9d029db435059e21d56b9b5ea53845ec1c22116228da2945c9cc45c586226',
        proposals_hash: '0x0000000000000000000000000000000000000000000000000000000000000000',
        extra_hash: '0x0000000000000000000000000000000000000000000000000000000000000000',
        dao: '0x0c37a20ee21ea12e7dfc8685f28623005ab527942600000000b2b49f02fbfe06',
        nonce: '0x64c2fe6738dc694036b8e130024f2d3c',
        hash: '0x2f75669bfa970594b74126ea528ee7fe59f11a607f1c247b42171ddd611755e1',
      },
      proposals: [],
    },
  ],
  transactions: [
    {
      version: '0x0',
      cell_deps: [],
      header_deps: [],
      inputs: [
        {
          since: '0x9',
          previous_output: {
            tx_hash: '0x0000000000000000000000000000000000000000000000000000000000000000',
            index: '0xffffffff',
          },
        },
      ],
      outputs: [],
      outputs_data: [],
      witnesses: [
        '0x5d0000000c00000055000000490000001000000030000000310000009bd7e06f3ecf4be0f2fcd2188b23f1b9fcc88e5d4b65a8637b17723bbda3cce80114000000da648442dbb7347e467d1d09da13e5cd3a0ef0e104000000deadbeef',
      ],
      hash: '0x23076a3814ebaf06e0037a471387a701b6718275678fd2b45205b80f6ae4f79a',
    },
  ],
  proposals: [],
};

/** Drops the `hash` fields a BlockView adds, leaving the strict JSON `Block`. */
function withoutViewHashes(view: typeof TESTNET_BLOCK_9): unknown {
  const { hash: _h, ...header } = view.header;
  return {
    header,
    uncles: view.uncles.map((u) => {
      const { hash: _uh, ...uh } = u.header;
      return { header: uh, proposals: u.proposals };
    }),
    transactions: view.transactions.map((t) => {
      const { hash: _th, ...tx } = t;
      return tx;
    }),
    proposals: view.proposals,
  };
}

const hex = bytesToHex0x;

describe('a real block (testnet block 9, two uncles)', () => {
  const block = blockFromJson(withoutViewHashes(TESTNET_BLOCK_9));

  it('reproduces transactions_root, extra_hash (uncles hash) and proposals_hash of its header', () => {
    expect(hex(calcTransactionsRoot(block.transactions))).toBe(TESTNET_BLOCK_9.header.transactions_root);
    expect(hex(calcExtraHash(calcUnclesHash(block.uncles)))).toBe(TESTNET_BLOCK_9.header.extra_hash);
    expect(hex(calcProposalsHash(block.proposals))).toBe(TESTNET_BLOCK_9.header.proposals_hash);
  });

  it('hashes its header, its uncles and its cellbase to the hashes the node reported', () => {
    expect(hex(blockHash(block.header))).toBe(TESTNET_BLOCK_9.header.hash);
    expect(block.uncles.map((u) => hex(blockHash(u.header)))).toEqual(
      TESTNET_BLOCK_9.uncles.map((u) => u.header.hash),
    );
    expect(hex(txHash(block.transactions[0]))).toBe(TESTNET_BLOCK_9.transactions[0].hash);
  });

  it('writes back the same JSON and survives a Molecule round trip as a 4-field Block', () => {
    expect(blockToJson(block)).toEqual(withoutViewHashes(TESTNET_BLOCK_9));
    const bytes = serializeBlock(block);
    expect(readTable(bytes, 4, 'Block')).toHaveLength(4);
    expect(deserializeBlock(bytes)).toEqual(block);
  });

  it('refuses the view JSON with hash fields where the node denies unknown fields', () => {
    expect(() => blockFromJson(TESTNET_BLOCK_9)).toThrow(/^block\.header\.hash: unknown field$/);
  });
});

describe('commitment vectors from the node tests (util/types/src/extension/calc_hash.rs)', () => {
  it('proposals_hash of [[1;10], [2;10]] and of no proposals', () => {
    const proposals = [new Uint8Array(10).fill(1), new Uint8Array(10).fill(2)];
    expect(bytesToHex(calcProposalsHash(proposals))).toBe(
      'd1670e45af1deb9cc00951d71c09ce80932e7ddf9fb151d744436bd04ac4a562',
    );
    expect(calcProposalsHash([])).toEqual(new Uint8Array(32));
  });

  it('uncles_hash of the two uncles in the node test, and of none', () => {
    const h = (s: string) => hexToBytes(s);
    const base = {
      version: 0,
      number: 0x400n,
      epoch: 0x0007_0800_1800_0001n,
      parentHash: h('8381df265c9442d5c27559b167892c5a6a8322871112d3cc8ef45222c6624831'),
      transactionsRoot: h('12214693b8bd5c3d8f96e270dc8fe32b1702bd97630a9eab53a69793e6bc893f'),
      extraHash: new Uint8Array(32),
      dao: h('b54bdd7f6be90000bb52f392d41cd70024f7ef29b437000000febffacf030000'),
    };
    const uncles: UncleBlock[] = [
      {
        header: {
          ...base,
          compactTarget: 0x1e083126,
          timestamp: 0x5cd2b117n,
          proposalsHash: h('d1670e45af1deb9cc00951d71c09ce80932e7ddf9fb151d744436bd04ac4a562'),
          nonce: 0x5ff1389af870654311a2bee61237n,
        },
        proposals: [new Uint8Array(10).fill(1), new Uint8Array(10).fill(2)],
      },
      {
        header: {
          ...base,
          compactTarget: 0x20010000,
          timestamp: 0x5cd21a16n,
          proposalsHash: new Uint8Array(32),
          nonce: 0x2f392d41cd70024fn,
        },
        proposals: [],
      },
    ];
    expect(bytesToHex(calcUnclesHash(uncles))).toBe(
      '0135d01f169a870bd9c92b2b37aecfa0fbfb7c1862cc176e03bb525fab0649d9',
    );
    expect(calcUnclesHash([])).toEqual(new Uint8Array(32));
  });
});

describe('extra_hash', () => {
  it('is the uncles hash without an extension and ckbhash(uncles_hash ‖ ckbhash(extension)) with one', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ maxLength: 96 }),
        (uh, ext) => {
          expect(calcExtraHash(uh)).toEqual(uh);
          expect(calcExtraHash(uh, null)).toEqual(uh);
          expect(calcExtraHash(uh, ext)).toEqual(ckbhash(uh, ckbhash(ext)));
        },
      ),
    );
  });
});

describe('block encodings', () => {
  it('round-trip any block through Molecule (Block or BlockV1) and through the node JSON', () => {
    fc.assert(
      fc.property(blockArb, (b) => {
        const bytes = serializeBlock(b);
        expect(readTable(bytes, 4, 'Block', true)).toHaveLength(b.extension ? 5 : 4);
        expect(deserializeBlock(bytes)).toEqual(b);
        const json = JSON.parse(JSON.stringify(blockToJson(b)));
        expect('extension' in json).toBe(b.extension !== undefined);
        expect(blockFromJson(json)).toEqual(b);
      }),
      { numRuns: 50 },
    );
  });
});
