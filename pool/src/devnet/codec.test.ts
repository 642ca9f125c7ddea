import { expect, it } from 'vitest';
import { describeWithShared, readSharedJson } from '../../test/shared.js';
import { blockHash } from '../ckb/header.js';
import { bytesToHex0x } from '../ckb/hex.js';
import {
  blockToJson,
  extraHash,
  proposalsHash,
  serializeBlock,
  transactionsRoot,
  txHash,
  witnessHash,
} from './codec.js';
import { decodeBlock } from './json-decode.js';

const VECTORS = 'reference/ckb/block-template-vectors.json';

interface Vectors {
  templates: Array<{
    name: string;
    expected_block_from_source?: unknown;
    expected_hashes_from_source?: { block_hash: string };
    submit_block_request?: { params: [string, unknown] };
    submit_block_response?: { result: string };
  }>;
}

describeWithShared(VECTORS, 'dev chain block codec against the node vectors', () => {
  const vectors = readSharedJson<Vectors>(VECTORS);

  it('reproduces the RFC 0031 block: transactions root, extra hash and block hash', () => {
    const v = vectors.templates.find((t) => t.name === 'rfc0031_block_hash_test_vector')!;
    const block = decodeBlock(v.expected_block_from_source);
    expect(bytesToHex0x(transactionsRoot(block.transactions))).toBe(
      bytesToHex0x(block.header.transactionsRoot),
    );
    expect(bytesToHex0x(extraHash(block.uncles, block.extension))).toBe(bytesToHex0x(block.header.extraHash));
    expect(bytesToHex0x(proposalsHash(block.proposals))).toBe(bytesToHex0x(block.header.proposalsHash));
    expect(bytesToHex0x(blockHash(block.header))).toBe(v.expected_hashes_from_source!.block_hash);
  });

  it('reproduces the node README submit_block example: its response is the block hash', () => {
    const v = vectors.templates.find((t) => t.name === 'ckb_rpc_readme_get_block_template_example')!;
    const block = decodeBlock(v.submit_block_request!.params[1]);
    expect(bytesToHex0x(blockHash(block.header))).toBe(v.submit_block_response!.result);
    expect(bytesToHex0x(transactionsRoot(block.transactions))).toBe(
      bytesToHex0x(block.header.transactionsRoot),
    );
  });

  it('writes a decoded block back as the identical JSON and a self-consistent Molecule block', () => {
    const v = vectors.templates.find((t) => t.name === 'rfc0031_block_hash_test_vector')!;
    const block = decodeBlock(v.expected_block_from_source);
    expect(blockToJson(block)).toEqual(v.expected_block_from_source);
    const bytes = serializeBlock(block);
    expect(new DataView(bytes.buffer).getUint32(0, true)).toBe(bytes.length);
    expect(txHash(block.transactions[0])).not.toEqual(witnessHash(block.transactions[0]));
  });
});
