import type { ccc } from '@ckb-ccc/core';

/**
 * A ccc Transaction as the `TransactionLike` ccc's own functions take. ccc declares a cell
 * input's optional fields `?: T | undefined` on the class but `?: T | null` on the Like type,
 * which exactOptionalPropertyTypes treats as incompatible although ccc reads both the same.
 */
export const asLike = (tx: ccc.Transaction): ccc.TransactionLike => tx as ccc.TransactionLike;
