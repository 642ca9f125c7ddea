/**
 * The DAO field a declared block must carry (docs/job-declaration-ckb.md §4.3), derived from the
 * node's own template for the same parent. C and AR depend on the parent alone; U (occupied
 * capacity) and S (secondary issuance kept for the Nervos DAO) move with the transactions, so
 * the template's transaction set is taken out and the declared one put in. Only the differences
 * need resolving; the issuance rules stay the node's.
 */
import { readU64, u64le } from '../ckb/molecule.js';
import type { CellOutput } from '../ckb/transaction.js';

const SHANNONS_PER_BYTE = 100_000_000n;

/** RFC 0023: C ‖ AR ‖ S ‖ U, four u64 little-endian. */
export interface DaoParts {
  c: bigint;
  ar: bigint;
  s: bigint;
  u: bigint;
}

export function parseDao(dao: Uint8Array): DaoParts {
  if (dao.length !== 32) throw new RangeError(`a DAO field is 32 bytes, not ${dao.length}`);
  return { c: readU64(dao, 0), ar: readU64(dao, 8), s: readU64(dao, 16), u: readU64(dao, 24) };
}

export function packDao(p: DaoParts): Uint8Array {
  const out = new Uint8Array(32);
  [p.c, p.ar, p.s, p.u].forEach((v, i) => {
    out.set(u64le(v), i * 8);
  });
  return out;
}

/** Occupied capacity of a cell in shannons: its bytes (capacity, lock, type, data) × 1 CKB. */
export function occupiedCapacity(output: CellOutput, data: Uint8Array): bigint {
  const script = (s: { args: Uint8Array }) => 32 + 1 + s.args.length;
  const bytes = 8 + script(output.lock) + (output.type ? script(output.type) : 0) + data.length;
  return BigInt(bytes) * SHANNONS_PER_BYTE;
}

/** What a transaction set does to U and S. */
export interface DaoEffect {
  /** Σ occupied capacity of the outputs. */
  added: bigint;
  /** Σ occupied capacity of the spent inputs. */
  freed: bigint;
  /** Σ interest of Nervos DAO phase-2 withdrawals. */
  withdrawnInterest: bigint;
}

/** The effect of outputs `[output, data]` and resolved input cells, no withdrawals. */
export function daoEffect(
  outputs: ReadonlyArray<[CellOutput, Uint8Array]>,
  spent: ReadonlyArray<[CellOutput, Uint8Array]>,
): DaoEffect {
  const sum = (cells: ReadonlyArray<[CellOutput, Uint8Array]>) =>
    cells.reduce((acc, [o, d]) => acc + occupiedCapacity(o, d), 0n);
  return { added: sum(outputs), freed: sum(spent), withdrawnInterest: 0n };
}

/** The template's DAO with the template's transaction effect replaced by the declared one. */
export function daoByDelta(templateDao: Uint8Array, template: DaoEffect, declared: DaoEffect): Uint8Array {
  const t = parseDao(templateDao);
  const u = t.u - (template.added - template.freed) + (declared.added - declared.freed);
  const s = t.s + template.withdrawnInterest - declared.withdrawnInterest;
  if (u < 0n || s < 0n) throw new RangeError('the transaction effects make U or S negative');
  return packDao({ c: t.c, ar: t.ar, s, u });
}
