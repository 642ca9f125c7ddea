/**
 * The compose bundle: every file the host needs, rendered from the config and the secrets.
 * Pure and deterministic (sorted keys, no timestamps): the same inputs give the same bytes.
 */
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { stringify } from 'yaml';
import { AUTHORITY_PUBLIC_FILE, type DeploymentSecrets } from '../config/secrets.js';
import type { PoolDeployConfig } from '../config/types.js';
import { payoutWalletKey } from '../config/wallet.js';
import { renderCkbToml } from './ckb-toml.js';
import { bundleSecretNames, composeFile, envFile } from './compose.js';
import { withConfigHashes } from './config-hash.js';
import { DASHBOARDS } from './dashboards.js';
import { bundleEndpoints } from './endpoints.js';
import { SECRET, SECRETS_DIR } from './layout.js';
import {
  alertmanagerConfig,
  grafanaDashboardProviders,
  grafanaDatasources,
  prometheusAlerts,
  prometheusConfig,
} from './monitoring.js';
import { poolConfig, translatorConfig } from './pool-config.js';

export interface BundleFile {
  /** Relative to the bundle folder, `/`-separated. */
  path: string;
  content: string;
  mode: number;
}

/** Marks a folder as a rendered bundle and lists its files, so a re-render can remove stale ones. */
export const MANIFEST = '.ckb-pool-bundle';

const HEADER =
  '# Rendered by ckb-pool-deploy from ckb-pool.yaml. Do not edit: change the config and re-render.\n';

/**
 * YAML as YAML 1.1 readers see it: docker-compose 1.29 parses with PyYAML (YAML 1.1), where an
 * unquoted `22:22` is a base-60 number and `on` a boolean; the 1.1 schema quotes those.
 */
export function yamlText(value: unknown): string {
  return (
    HEADER +
    stringify(value, { version: '1.1', sortMapEntries: true, lineWidth: 0, aliasDuplicateObjects: false })
  );
}

/** JSON with object keys sorted at every level (arrays keep their order). */
function stableJson(value: unknown): string {
  const sort = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sort);
    if (v && typeof v === 'object') {
      return Object.fromEntries(
        Object.keys(v)
          .sort()
          .map((k) => [k, sort((v as Record<string, unknown>)[k])]),
      );
    }
    return v;
  };
  return `${JSON.stringify(sort(value), null, 2)}\n`;
}

function readme(config: PoolDeployConfig, secrets: DeploymentSecrets): string {
  const e = bundleEndpoints(config, secrets.authorityPublicKey);
  return `# ${config.project}: CKB ${config.chain} mining pool bundle

Start: \`docker compose up -d\` (or \`docker-compose up -d\`) in this folder.

Miner URLs (replace HOST with the server's public address):

- Stratum V2: \`${e.sv2Url('HOST')}\`
- Stratum V1: \`${e.v1Url('HOST')}\`

Miners' web page: ${config.web.public ? `\`${e.webUrl('HOST')}\`` : `${e.webUrl('127.0.0.1')} on the host (SSH tunnel; \`web.public: true\` opens it)`}.
Payouts: ${config.payouts.enabled ? `on (pool wallet ${config.payoutAddress}, fee ${config.payouts.feePercent} % to ${config.payouts.operatorAddress})` : 'off (solo: rewards stay at the payout address)'}.

Pool API and metrics: ${e.healthUrl} on the host (SSH tunnel).
${config.monitoring.enabled ? `Grafana: http://127.0.0.1:${config.ports.grafana} (user admin, password in ${SECRETS_DIR}/${SECRET.grafanaPassword}), Prometheus: http://127.0.0.1:${config.ports.prometheus}.\n` : ''}
\`${SECRETS_DIR}/\` holds the secrets (folder mode 0700); the containers read them as files. \`ckb/ckb.toml\` holds the notify secret in the node's notify URL. Everything here is rendered by ckb-pool-deploy; edit ckb-pool.yaml and re-render instead.
`;
}

/**
 * Mode of the secret files. Compose bind-mounts a file secret with its host owner and mode
 * (uid/gid/mode are swarm-only: docker/compose#9648), and the containers run as their own
 * users (pool 10001, Grafana 472), so the files are readable inside; on the host the 0700
 * `secrets/` folder is what keeps other users out.
 */
export const SECRET_FILE_MODE = 0o444;
export const SECRETS_DIR_MODE = 0o700;

/**
 * The wallet key is the exception: the pool refuses a key file others may read, so it is 0400
 * and the role hands it to the pool's uid (ansible/roles/ckb_pool/tasks/bundle.yml).
 */
export const WALLET_FILE_MODE = 0o400;

function secretFiles(config: PoolDeployConfig, secrets: DeploymentSecrets): BundleFile[] {
  const value: Record<string, string | undefined> = {
    [SECRET.authority]: secrets.authoritySecret,
    [SECRET.notify]: secrets.notifySecret,
    [SECRET.grafanaPassword]: secrets.grafanaAdminPassword,
    [SECRET.poolWallet]: config.payouts.enabled ? payoutWalletKey(config, secrets) : undefined,
  };
  return bundleSecretNames(config).map((name) => ({
    path: `${SECRETS_DIR}/${name}`,
    content: `${value[name]}\n`,
    mode: name === SECRET.poolWallet ? WALLET_FILE_MODE : SECRET_FILE_MODE,
  }));
}

/** All files of the bundle, sorted by path. */
export function renderBundle(config: PoolDeployConfig, secrets: DeploymentSecrets): BundleFile[] {
  const files: BundleFile[] = [
    { path: '.env', content: envFile(config), mode: 0o600 },
    { path: 'README.md', content: readme(config, secrets), mode: 0o644 },
    // Holds the notify secret (the node reads it as its own user): the bundle folder, 0750,
    // is the boundary, as for alertmanager.yml's webhook URL.
    { path: 'ckb/ckb.toml', content: renderCkbToml(config, secrets.notifySecret), mode: 0o644 },
    ...secretFiles(config, secrets),
    { path: 'pool/pool.yaml', content: yamlText(poolConfig(config)), mode: 0o644 },
    {
      path: 'pool/translator.yaml',
      content: yamlText(translatorConfig(config, secrets.authorityPublicKey)),
      mode: 0o644,
    },
    { path: `pool/${AUTHORITY_PUBLIC_FILE}`, content: `${secrets.authorityPublicKey}\n`, mode: 0o644 },
  ];
  if (config.monitoring.enabled) {
    files.push(
      { path: 'prometheus/prometheus.yml', content: yamlText(prometheusConfig()), mode: 0o644 },
      { path: 'prometheus/alerts.yml', content: yamlText(prometheusAlerts()), mode: 0o644 },
      // May hold a webhook token; the bundle folder is 0750, and alertmanager (uid 65534) must read it.
      { path: 'alertmanager/alertmanager.yml', content: yamlText(alertmanagerConfig(config)), mode: 0o644 },
      {
        path: 'grafana/provisioning/datasources/prometheus.yml',
        content: yamlText(grafanaDatasources()),
        mode: 0o644,
      },
      {
        path: 'grafana/provisioning/dashboards/ckb-pool.yml',
        content: yamlText(grafanaDashboardProviders()),
        mode: 0o644,
      },
      ...Object.entries(DASHBOARDS).map(([name, build]) => ({
        path: `grafana/dashboards/${name}`,
        content: stableJson(build()),
        mode: 0o644,
      })),
    );
  }
  // Last, because its service labels hash the files each service mounts.
  const compose = withConfigHashes(composeFile(config) as { services: Record<string, unknown> }, files);
  files.push({ path: 'compose.yaml', content: yamlText(compose), mode: 0o644 });
  return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

export class BundleDirError extends Error {}

/**
 * Writes the bundle into `outDir`. A folder that is not empty must be an earlier bundle (it has
 * the manifest); files the new bundle no longer has are removed, nothing else is touched.
 */
export function writeBundle(outDir: string, files: BundleFile[]): void {
  const manifestPath = join(outDir, MANIFEST);
  if (existsSync(outDir)) {
    const entries = readdirSync(outDir);
    if (entries.length > 0 && !existsSync(manifestPath)) {
      throw new BundleDirError(
        `${outDir} is not empty and holds no earlier bundle; choose an empty or new folder`,
      );
    }
    if (existsSync(manifestPath)) {
      const previous = readFileSync(manifestPath, 'utf8').split('\n').filter(Boolean);
      const now = new Set(files.map((f) => f.path));
      for (const p of previous)
        if (!now.has(p) && !p.includes('..')) rmSync(join(outDir, p), { force: true });
    }
  }
  mkdirSync(outDir, { recursive: true, mode: 0o750 });
  const secretsDir = join(outDir, SECRETS_DIR);
  mkdirSync(secretsDir, { recursive: true, mode: SECRETS_DIR_MODE });
  chmodSync(secretsDir, SECRETS_DIR_MODE);
  for (const f of files) {
    const target = join(outDir, f.path);
    mkdirSync(dirname(target), { recursive: true, mode: 0o755 });
    // Replaced, not rewritten: a read-only (0444) secret file cannot be opened for writing.
    rmSync(target, { force: true });
    writeFileSync(target, f.content, { mode: f.mode });
    chmodSync(target, f.mode); // the umask may have narrowed it
  }
  writeFileSync(manifestPath, `${files.map((f) => f.path).join('\n')}\n`, { mode: 0o644 });
}
