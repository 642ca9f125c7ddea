/** The CKB chains this project knows: the two public ones, and a dev chain for tests. */
export type Chain = 'mainnet' | 'testnet' | 'dev';
export const CHAINS: readonly Chain[] = ['mainnet', 'testnet', 'dev'];

/** A chain a deployment runs on (the dev chain is for development and tests only). */
export type PublicChain = Exclude<Chain, 'dev'>;
export const PUBLIC_CHAINS: readonly PublicChain[] = ['mainnet', 'testnet'];

export function isChain(s: unknown): s is Chain {
  return typeof s === 'string' && (CHAINS as readonly string[]).includes(s);
}
