/**
 * Reference miner for tests: turns a get_block_template answer into the submit_block JSON
 * exactly as ckb-miner does (block_template.rs `From<BlockTemplate> for Block`), and grinds a
 * nonce with real Eaglesong. Built on the dev chain's own codec, so it is an independent
 * check of the pool's template code, not a copy of it.
 */
import type { Header } from '../ckb/header.js';
import { hexToBytes } from '../ckb/hex.js';
import type { BlockJson, BlockTemplateJson } from '../ckb/rpc-types.js';
import { blockToJson, extraHash, proposalsHash, transactionsRoot } from './codec.js';
import { type Block, decodeHeader, decodeTransaction, decodeUint } from './json-decode.js';
import { compactToTarget, grindNonce, type PowFunc, powValue } from './pow-check.js';

/** The block a template describes, with `nonce`. */
export function templateToDecodedBlock(t: BlockTemplateJson, nonce = 0n): Block {
  const transactions = [t.cellbase.data, ...t.transactions.map((x) => x.data)].map((tx, i) =>
    decodeTransaction(tx, `template.transactions[${i}]`),
  );
  const uncles = t.uncles.map((u, i) => ({
    header: decodeHeader(u.header, `template.uncles[${i}].header`),
    proposals: u.proposals.map((p) => hexToBytes(p)),
  }));
  const proposals = t.proposals.map((p) => hexToBytes(p));
  const extension = t.extension ? hexToBytes(t.extension) : null;
  const header: Header = {
    version: Number(decodeUint(t.version, 'Uint32', 'version')),
    compactTarget: Number(decodeUint(t.compact_target, 'Uint32', 'compact_target')),
    timestamp: decodeUint(t.current_time, 'Uint64', 'current_time'),
    number: decodeUint(t.number, 'Uint64', 'number'),
    epoch: decodeUint(t.epoch, 'Uint64', 'epoch'),
    parentHash: hexToBytes(t.parent_hash),
    transactionsRoot: transactionsRoot(transactions),
    proposalsHash: proposalsHash(proposals),
    extraHash: extraHash(uncles, extension),
    dao: hexToBytes(t.dao),
    nonce,
  };
  return { header, uncles, transactions, proposals, extension };
}

/** Finds a nonce meeting the template's compact_target and returns it with the submit_block JSON. */
export function solveTemplate(
  t: BlockTemplateJson,
  pow: PowFunc = 'eaglesong',
  maxTries = 1 << 22,
): { nonce: bigint; block: BlockJson } {
  const block = templateToDecodedBlock(t);
  const nonce = grindNonce(block.header, pow, 0n, maxTries);
  if (nonce === null)
    throw new Error(`no nonce within ${maxTries} tries for compact_target ${t.compact_target}`);
  block.header.nonce = nonce;
  return { nonce, block: blockToJson(block) };
}

/** A nonce whose PoW does NOT meet the target (to test rejection honestly). */
export function failingNonce(t: BlockTemplateJson, pow: PowFunc = 'eaglesong'): bigint {
  const block = templateToDecodedBlock(t);
  const [target] = compactToTarget(block.header.compactTarget);
  for (let n = 1n; n < 10_000n; n++) {
    block.header.nonce = n;
    if (powValue(block.header, pow) > target) return n;
  }
  throw new Error('every nonce meets this target; use a harder compact_target');
}
