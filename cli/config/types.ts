/**
 * The deployer's config, `ckb-pool.yaml`: its type is the field table's (fields.ts), so types,
 * validation, defaults, `init` prompts and docs/config.md cannot drift apart.
 */
import type { ConfigOf } from 'ckb-pool/config-engine/table';
import type { DEPLOY_TABLE } from './fields.js';

/** The chain a deployment runs on: one definition, the pool's (ckb-pool/ckb/chain). */
export type { PublicChain as Chain } from 'ckb-pool/ckb/chain';
export { getPath, setPath } from 'ckb-pool/config-engine/parse';
export type { Draft } from 'ckb-pool/config-engine/table';

export type PoolDeployConfig = ConfigOf<typeof DEPLOY_TABLE>;
export type Cloud = PoolDeployConfig['cloud'];
export type StateBackend = PoolDeployConfig['state']['backend'];
