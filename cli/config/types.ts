/**
 * The deployer's config, `ckb-pool.yaml`. The field table in `fields.ts` is checked against this
 * type at compile time (every leaf has exactly one field spec of the right value type), so types,
 * validation, defaults, `init` prompts and docs/config.md cannot drift apart.
 */
/** The chain a deployment runs on: one definition, the pool's (ckb-pool/ckb/chain). */
export type { PublicChain as Chain } from 'ckb-pool/ckb/chain';

import type { PublicChain as Chain } from 'ckb-pool/ckb/chain';
export type Cloud = 'aws' | 'alicloud' | 'local' | 'ssh';
export type StateBackend = 'local' | 's3' | 'oss';

export interface PoolDeployConfig {
  project: string;
  chain: Chain;
  payoutAddress: string;
  cloud: Cloud;
  region?: string;
  instance: { size: string; diskGb: number };
  adminCidrs: string[];
  publicCidrs: string[];
  ports: { sv2: number; v1: number; p2p: number; api: number; prometheus: number; grafana: number };
  images: {
    ckb: string;
    pool: string;
    translator: string;
    prometheus: string;
    alertmanager: string;
    grafana: string;
    nodeExporter: string;
  };
  monitoring: { enabled: boolean; alertWebhookUrl?: string };
  pool: { shareIntervalSeconds: number; hosts: number };
  secretsDir: string;
  ssh: { publicKeyPath: string; privateKeyPath: string; user?: string; host?: string };
  state: { backend: StateBackend; bucket?: string; key?: string; region?: string };
}

type Scalar = string | number | boolean | readonly unknown[];

/** Dotted paths of every leaf, e.g. `'instance.diskGb'`. Lists are leaves. */
export type LeafPath<T, Prefix extends string = ''> = {
  [K in keyof T & string]-?: NonNullable<T[K]> extends Scalar
    ? `${Prefix}${K}`
    : LeafPath<NonNullable<T[K]>, `${Prefix}${K}.`>;
}[keyof T & string];

/** The value type at a dotted path, without `undefined`. */
export type ValueAt<T, P extends string> = P extends `${infer H}.${infer R}`
  ? H extends keyof T
    ? ValueAt<NonNullable<T[H]>, R>
    : never
  : P extends keyof T
    ? NonNullable<T[P]>
    : never;

export type ConfigPath = LeafPath<PoolDeployConfig>;

/** A config under construction: fields resolved so far, in table order. */
export type Draft = Partial<PoolDeployConfig> & Record<string, unknown>;

/** Reads a dotted path from a nested object. */
export function getPath(obj: unknown, path: string): unknown {
  let cur: unknown = obj;
  for (const key of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}

/** Writes a dotted path into a nested object, creating groups on the way. */
export function setPath(obj: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  let cur = obj;
  for (const key of keys.slice(0, -1)) {
    if (cur[key] === null || typeof cur[key] !== 'object') cur[key] = {};
    cur = cur[key] as Record<string, unknown>;
  }
  cur[keys[keys.length - 1]] = value;
}
