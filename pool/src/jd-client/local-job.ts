/**
 * The block a JD client mines: the miner's own node's template with the pool's payout lock in
 * the cellbase witness and the transaction set its policy chose (docs/job-declaration-ckb.md
 * §2). The header is rebuilt here exactly as the JDS will rebuild it from the declaration, so
 * both hash the same pow_hash; the declaration message is derived from it.
 */
import {
  type Block,
  type BlockBody,
  calcExtraHash,
  calcProposalsHash,
  calcTransactionsRootParts,
  calcUnclesHash,
  serializeUncleBlockVec,
} from '../ckb/block.js';
import { powHash, type RawHeader } from '../ckb/header.js';
import { concatBytes } from '../ckb/molecule.js';
import type { TemplateBlock } from '../ckb/template.js';
import {
  cellbaseWitnessOf,
  type Script,
  serializeCellbaseWitness,
  serializeTransaction,
  type Transaction,
} from '../ckb/transaction.js';
import type { DeclareCkbMiningJob } from '../sv2/messages/ckb-jd.js';

/** What a policy changes in the node's template (policy.ts). */
export interface TemplateChoice {
  /** Transactions committed after the template's own. */
  commit: Transaction[];
  /** Proposal short ids added after the template's own. */
  propose: Uint8Array[];
  /** The DAO field for the chosen transaction set. */
  dao: Uint8Array;
}

/** A template turned into the JD client's block (everything but the nonce). */
export interface LocalJob {
  workId: bigint;
  rawHeader: RawHeader;
  powHash: Uint8Array;
  body: BlockBody;
  /** Committed transactions after the cellbase, with their hashes (what is declared). */
  txHashes: Uint8Array[];
  witnessHashes: Uint8Array[];
  /** How many of the committed transactions the policy added (not the node's template). */
  added: number;
}

const DEFAULT_MESSAGE = new TextEncoder().encode('ckb-pool jd-client');

/** The template's cellbase with `payout` as the witness lock (its outputs stay the chain's). */
export function cellbaseFor(cellbase: Transaction, payout: Script): Transaction {
  const message = cellbaseWitnessOf(cellbase)?.message ?? DEFAULT_MESSAGE;
  return { ...cellbase, witnesses: [serializeCellbaseWitness({ lock: payout, message })] };
}

export function localJob(template: TemplateBlock, payout: Script, choice: TemplateChoice): LocalJob {
  const [nodeCellbase, ...nodeTxs] = template.transactions;
  const transactions = [cellbaseFor(nodeCellbase, payout), ...nodeTxs, ...choice.commit];
  const proposals = [...template.proposals, ...choice.propose];
  const roots = calcTransactionsRootParts(transactions);
  const rawHeader: RawHeader = {
    ...template.rawHeader,
    transactionsRoot: roots.transactionsRoot,
    proposalsHash: calcProposalsHash(proposals),
    extraHash: calcExtraHash(calcUnclesHash(template.uncles), template.extension ?? null),
    dao: choice.dao,
  };
  return {
    workId: template.workId,
    rawHeader,
    powHash: powHash(rawHeader),
    body: {
      uncles: template.uncles,
      transactions,
      proposals,
      ...(template.extension ? { extension: template.extension } : {}),
    },
    txHashes: roots.txHashes.slice(1),
    witnessHashes: roots.witnessHashes.slice(1),
    added: choice.commit.length,
  };
}

/** DeclareCkbMiningJob for a local job (§8.2). */
export function declaration(job: LocalJob, token: Uint8Array, requestId: number): DeclareCkbMiningJob {
  const h = job.rawHeader;
  return {
    type: 'DeclareCkbMiningJob',
    requestId,
    miningJobToken: token,
    version: h.version,
    compactTarget: h.compactTarget,
    timestamp: h.timestamp,
    number: h.number,
    epoch: h.epoch,
    parentHash: h.parentHash,
    dao: h.dao,
    cellbase: serializeTransaction(job.body.transactions[0]),
    txHashList: job.txHashes,
    witnessHashList: job.witnessHashes,
    proposals: concatBytes(...job.body.proposals),
    uncles: serializeUncleBlockVec(job.body.uncles),
    extension: job.body.extension ?? new Uint8Array(0),
  };
}

/** The Molecule transactions at `positions` of the declared list (ProvideMissingTransactions). */
export function transactionsAt(job: LocalJob, positions: readonly number[]): Uint8Array[] | null {
  const committed = job.body.transactions.slice(1);
  if (positions.some((p) => p < 0 || p >= committed.length)) return null;
  return positions.map((p) => serializeTransaction(committed[p]));
}

export function blockOf(job: LocalJob, nonce: bigint): Block {
  return { header: { ...job.rawHeader, nonce }, ...job.body };
}
