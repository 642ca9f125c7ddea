/**
 * Judging a DeclareCkbMiningJob (docs/job-declaration-ckb.md §4): token, parent, header,
 * cellbase, proposals, uncles and extension first (cheap, no transaction data); then the
 * transactions, which may need a ProvideMissingTransactions round; then the checks that need
 * every transaction: proposal window, block limits and the DAO field. An accepted declaration
 * becomes a DeclaredJob: the block without its nonce, and the pow_hash the miners will hash.
 */
import {
  type Block,
  type BlockBody,
  calcExtraHash,
  calcProposalsHash,
  calcTransactionsRootParts,
  calcUnclesHash,
  serializeBlock,
  type UncleBlock,
} from '../ckb/block.js';
import type { PayoutLock } from '../ckb/cellbase-lock.js';
import { powHash, type RawHeader } from '../ckb/header.js';
import { bytesToHex0x } from '../ckb/hex.js';
import { MoleculeError } from '../ckb/molecule.js';
import { deserializeTransaction, type Transaction, txHash, witnessHash } from '../ckb/transaction.js';
import type { DeclareCkbMiningJob } from '../sv2/messages/ckb-jd.js';
import { JdErrorCodes } from '../sv2/messages/constants.js';
import {
  checkCellbase,
  checkExtension,
  checkHeader,
  checkProposals,
  checkUncles,
  isCellbaseShaped,
  isRefusal,
  type JdRefusal,
  refuse,
} from './checks.js';
import type { JdNodeView, ParentContext, PoolTransaction } from './node-view.js';
import type { JobTokens } from './tokens.js';

/** A declaration the JDS accepted: everything but the nonce. */
export interface DeclaredJob {
  /** DeclareMiningJob.Success.new_mining_job_token: names the job in SetCustomCkbMiningJob and PushCkbSolution. */
  token: Uint8Array;
  parentHash: Uint8Array;
  number: bigint;
  compactTarget: number;
  rawHeader: RawHeader;
  powHash: Uint8Array;
  body: BlockBody;
}

export interface DeclareEnv {
  view: JdNodeView;
  payoutLock: PayoutLock;
  tokens: JobTokens;
  connectionId: number;
  /** The new_mining_job_token of an accepted job. */
  newToken: () => Uint8Array;
}

/** A declaration waiting for ProvideMissingTransactions.Success. */
export interface PendingDeclaration {
  msg: DeclareCkbMiningJob;
  parent: ParentContext;
  cellbase: Transaction;
  proposals: Uint8Array[];
  uncles: UncleBlock[];
  extension: Uint8Array | null;
  /** Per declared position: the node's entry, or null while missing. */
  entries: (PoolTransaction | null)[];
  missing: number[];
}

export type DeclareOutcome =
  | { kind: 'refused'; refusal: JdRefusal }
  | { kind: 'missing'; positions: number[]; pending: PendingDeclaration }
  | { kind: 'accepted'; job: DeclaredJob };

const refused = (refusal: JdRefusal): DeclareOutcome => ({ kind: 'refused', refusal });
const sameBytes = (a: Uint8Array, b: Uint8Array): boolean => bytesToHex0x(a) === bytesToHex0x(b);

const TOKEN_PROBLEM = {
  unknown: 'the token was never allocated, or was already used',
  expired: 'the token expired',
  'other-connection': 'the token belongs to another connection',
} as const;

/** Token and parent (§4.1). */
async function checkTokenAndParent(
  m: DeclareCkbMiningJob,
  env: DeclareEnv,
): Promise<ParentContext | JdRefusal> {
  const token = env.tokens.consume(env.connectionId, m.miningJobToken, Number(env.view.nowMs()));
  if (token !== 'ok') return refuse(JdErrorCodes.invalidMiningJobToken, TOKEN_PROBLEM[token]);
  const parentHex = bytesToHex0x(m.parentHash);
  const parent = await env.view.parent(parentHex);
  if (!parent) return refuse(JdErrorCodes.unknownParent, `the node does not know ${parentHex}`);
  if (parent.status === 'stale')
    return refuse(JdErrorCodes.staleParent, `${parentHex} (#${parent.number}) is not the node's tip`);
  return parent;
}

/** First round: everything up to the transactions the node does not hold. */
export async function declareJob(m: DeclareCkbMiningJob, env: DeclareEnv): Promise<DeclareOutcome> {
  const parent = await checkTokenAndParent(m, env);
  if (isRefusal(parent)) return refused(parent);
  const header = checkHeader(m, parent, env.view.nowMs());
  if (header) return refused(header);
  const cellbase = checkCellbase(m, parent, env.payoutLock);
  if (isRefusal(cellbase)) return refused(cellbase);
  const proposals = checkProposals(m);
  if (isRefusal(proposals)) return refused(proposals);
  const uncles = checkUncles(m, parent);
  if (isRefusal(uncles)) return refused(uncles);
  const extension = checkExtension(m, parent);
  if (isRefusal(extension)) return refused(extension);

  const listProblem = transactionListProblem(m);
  if (listProblem) return refused(listProblem);
  const entries: (PoolTransaction | null)[] = [];
  const missing: number[] = [];
  for (let i = 0; i < m.txHashList.length; i++) {
    const hashHex = bytesToHex0x(m.txHashList[i]);
    if (await env.view.isCommitted(hashHex))
      return refused(refuse(JdErrorCodes.invalidTransaction, `transaction ${hashHex} is already committed`));
    const entry = await env.view.poolTransaction(hashHex);
    const known = entry !== null && sameBytes(witnessHash(entry.tx), m.witnessHashList[i]);
    entries.push(known ? entry : null);
    if (!known) missing.push(i);
  }
  const pending: PendingDeclaration = {
    msg: m,
    parent,
    cellbase: cellbase.cellbase,
    proposals: proposals.proposals,
    uncles: uncles.uncles,
    extension: extension.extension,
    entries,
    missing,
  };
  if (missing.length > 0) return { kind: 'missing', positions: missing, pending };
  return finish(pending, env);
}

function transactionListProblem(m: DeclareCkbMiningJob): JdRefusal | null {
  if (m.txHashList.length !== m.witnessHashList.length) {
    return refuse(
      JdErrorCodes.invalidTransaction,
      `${m.txHashList.length} tx hashes but ${m.witnessHashList.length} witness hashes`,
    );
  }
  const unique = new Set(m.txHashList.map(bytesToHex0x));
  if (unique.size !== m.txHashList.length)
    return refuse(JdErrorCodes.invalidTransaction, 'a transaction is declared twice');
  return null;
}

/**
 * Second round: ProvideMissingTransactions.Success. Each transaction must hash to what was
 * declared and be accepted by the node's pool (which runs its scripts and resolves its inputs).
 */
export async function provideMissing(
  pending: PendingDeclaration,
  transactionList: readonly Uint8Array[],
  env: DeclareEnv,
): Promise<DeclareOutcome> {
  if (transactionList.length !== pending.missing.length) {
    return refused(
      refuse(
        JdErrorCodes.missingTransactions,
        `${pending.missing.length} transactions were requested, ${transactionList.length} provided`,
      ),
    );
  }
  const entries = [...pending.entries];
  for (let k = 0; k < pending.missing.length; k++) {
    const position = pending.missing[k];
    const provided = providedTransaction(transactionList[k], position, pending.msg);
    if (isRefusal(provided)) return refused(provided);
    const submitted = await env.view.submitTransaction(provided);
    if (!submitted.ok) {
      return refused(
        refuse(
          JdErrorCodes.invalidTransaction,
          `the node refused transaction ${bytesToHex0x(txHash(provided))}: ${submitted.reason}`,
        ),
      );
    }
    entries[position] = submitted.entry;
  }
  return finish({ ...pending, entries, missing: [] }, env);
}

function providedTransaction(
  bytes: Uint8Array,
  position: number,
  m: DeclareCkbMiningJob,
): Transaction | JdRefusal {
  let tx: Transaction;
  try {
    tx = deserializeTransaction(bytes, `transaction_list[${position}]`);
  } catch (err) {
    if (err instanceof MoleculeError) return refuse(JdErrorCodes.invalidTransaction, err.message);
    throw err;
  }
  if (
    !sameBytes(txHash(tx), m.txHashList[position]) ||
    !sameBytes(witnessHash(tx), m.witnessHashList[position])
  ) {
    return refuse(
      JdErrorCodes.invalidTransaction,
      `the transaction provided for position ${position} does not hash to ${bytesToHex0x(m.txHashList[position])} with the declared witness hash`,
    );
  }
  if (isCellbaseShaped(tx))
    return refuse(JdErrorCodes.invalidTransaction, `position ${position} is cellbase-shaped`);
  return tx;
}

/** The checks that need every transaction, then the header the miners will hash (§4.3, 4.5, 4.6). */
async function finish(p: PendingDeclaration, env: DeclareEnv): Promise<DeclareOutcome> {
  const m = p.msg;
  const entries = p.entries as PoolTransaction[];
  const notProposed = entries.findIndex((e) => !e.proposed);
  if (notProposed >= 0) {
    return refused(
      refuse(
        JdErrorCodes.transactionNotProposed,
        `transaction ${bytesToHex0x(m.txHashList[notProposed])} was not proposed in the window [N − 10, N − 2]`,
      ),
    );
  }
  const transactions = [p.cellbase, ...entries.map((e) => e.tx)];
  const roots = calcTransactionsRootParts(transactions);
  const rawHeader: RawHeader = {
    version: m.version,
    compactTarget: m.compactTarget,
    timestamp: m.timestamp,
    number: m.number,
    epoch: m.epoch,
    parentHash: m.parentHash,
    transactionsRoot: roots.transactionsRoot,
    proposalsHash: calcProposalsHash(p.proposals),
    extraHash: calcExtraHash(calcUnclesHash(p.uncles), p.extension),
    dao: m.dao,
  };
  const body: BlockBody = {
    uncles: p.uncles,
    transactions,
    proposals: p.proposals,
    ...(p.extension ? { extension: p.extension } : {}),
  };
  const limits = limitProblem({ header: { ...rawHeader, nonce: 0n }, ...body }, entries, p.parent);
  if (limits) return refused(limits);

  const dao = await env.view.expectedDao(bytesToHex0x(m.parentHash), m.number, transactions);
  if ('refusal' in dao) return refused(refuse(JdErrorCodes.invalidDao, dao.refusal));
  if (!sameBytes(dao.dao, m.dao)) {
    return refused(
      refuse(
        JdErrorCodes.invalidDao,
        `dao ${bytesToHex0x(m.dao)}, the node computes ${bytesToHex0x(dao.dao)}`,
      ),
    );
  }
  const job: DeclaredJob = {
    token: env.newToken(),
    parentHash: m.parentHash,
    number: m.number,
    compactTarget: m.compactTarget,
    rawHeader,
    powHash: powHash(rawHeader),
    body,
  };
  return { kind: 'accepted', job };
}

function limitProblem(block: Block, entries: PoolTransaction[], parent: ParentContext): JdRefusal | null {
  const size = BigInt(serializeBlock(block).length);
  if (size > parent.child.bytesLimit)
    return refuse(JdErrorCodes.blockTooLarge, `the block is ${size} bytes, limit ${parent.child.bytesLimit}`);
  const cycles = entries.reduce((sum, e) => sum + e.cycles, 0n);
  if (cycles > parent.child.cyclesLimit) {
    return refuse(
      JdErrorCodes.blockCyclesExceeded,
      `the transactions take ${cycles} cycles, limit ${parent.child.cyclesLimit}`,
    );
  }
  return null;
}

/** The block a found nonce completes (what both sides submit). */
export function blockWithNonce(job: DeclaredJob, nonce: bigint): Block {
  return { header: { ...job.rawHeader, nonce }, ...job.body };
}
