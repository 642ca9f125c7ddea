/** pool.yaml rows of the Job Declarator Server (`jd.*`; docs/job-declaration-ckb.md). */
import { hostPort, int, type Kind } from '../config-engine/kinds.js';
import type { FieldSpec } from '../config-engine/table.js';

/** One pool.yaml row, spread into POOL_CONFIG_TABLE (config.ts), which says if it may be unset. */
type Row<P extends string, V> = [path: P, kind: Kind<V>, spec: FieldSpec<V, unknown>];

export const JD_LISTEN: Row<'jd.listen', string> = [
  'jd.listen',
  hostPort(),
  {
    doc: 'host:port of the Job Declarator Server: miners with their own CKB node declare their own blocks there (Noise with the same authority key as `sv2.listen`; URL `stratum2+tcp://HOST:PORT/AUTHORITY_PUBKEY`), and the mining listener then accepts `REQUIRES_WORK_SELECTION` and `SetCustomCkbMiningJob` on extended channels. Needs `node.payoutLock` (the lock declared cellbases must pay). Unset: no JDS, work selection refused.',
  },
];

export const JD_PARENT_WAIT_MS: Row<'jd.parentWaitMs', number> = [
  'jd.parentWaitMs',
  int(0, 60_000),
  {
    default: 2_000,
    doc: "How long a declaration whose parent the pool's node does not know yet waits for the node to reach it before it is refused `unknown-parent`.",
  },
];

export const JD_TOKEN_TTL_SEC: Row<'jd.tokenTtlSec', number> = [
  'jd.tokenTtlSec',
  int(10, 86_400),
  {
    default: 600,
    doc: 'How long an allocated mining_job_token stays valid for one declaration.',
  },
];

export const JD_MAX_TOKENS_PER_CONNECTION: Row<'jd.maxTokensPerConnection', number> = [
  'jd.maxTokensPerConnection',
  int(1, 1_024),
  {
    default: 16,
    doc: 'Unused tokens one JD connection may hold; allocating one more evicts its oldest.',
  },
];

export const JD_MISSING_TX_TIMEOUT_MS: Row<'jd.missingTxTimeoutMs', number> = [
  'jd.missingTxTimeoutMs',
  int(100, 600_000),
  {
    default: 10_000,
    doc: 'How long a `ProvideMissingTransactions` may stay unanswered before the declaration is refused `missing-transactions`.',
  },
];

export const JD_MAX_CONNECTIONS: Row<'jd.maxConnections', number> = [
  'jd.maxConnections',
  int(1, 1_000_000),
  {
    default: 1_000,
    doc: 'Most open JD connections in total (one per miner that runs a JD client); further ones are closed at once.',
  },
];

export const JD_MAX_CONNECTIONS_PER_IP: Row<'jd.maxConnectionsPerIp', number> = [
  'jd.maxConnectionsPerIp',
  int(1, 1_000_000),
  {
    default: 16,
    doc: 'Most open JD connections from one IP address.',
  },
];
