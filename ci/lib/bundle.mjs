// The real bundle, made the way an operator makes it (`init --yes` + `render`), and the ONE
// CI-only compose override that swaps what no registry here can serve.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { parse as parseYaml, stringify } from 'yaml';
import { $ } from 'zx';
import { IMAGE, ROOT } from './docker.mjs';

/** A valid testnet address (default secp256k1-blake160 lock); the dev chain pays to its args. */
export const TESTNET_PAYOUT =
  'ckt1qzda0cr08m85hc8jlnfp3zer7xulejywt49kt2rr0vthywaa50xwsqtyqlpwlx7ed68pftzv69wcvr5nxxqzzus2zxwa6';

/**
 * The file name both `docker compose` (v2) and `docker-compose` (1.29) merge over
 * `compose.yaml` by themselves when run in the bundle folder without `-f`.
 */
export const OVERRIDE_FILE = 'compose.override.yaml';

const deployer = join(ROOT, 'bin/ckb-pool-deploy.js');

/**
 * `init --yes` a testnet config in `dir` and `render` its bundle into `dir/bundle`.
 * `ports` maps init's port flags (sv2, v1, p2p, api, prometheus, grafana) to numbers; `extra`
 * are more init flags, `renderArgs` more render flags.
 */
export async function initAndRender(
  dir,
  { project, ports = {}, adminCidr = '127.0.0.1/32', extra = [], renderArgs = [], afterInit },
) {
  const configPath = join(dir, 'ckb-pool.yaml');
  const bundleDir = join(dir, 'bundle');
  const portFlags = Object.entries(ports).flatMap(([name, port]) => [`--${name}-port`, String(port)]);
  const init = [
    'init',
    '--yes',
    '--config',
    configPath,
    '--project',
    project,
    '--chain',
    'testnet',
    '--payout-address',
    TESTNET_PAYOUT,
    '--cloud',
    'local',
    '--admin-cidr',
    adminCidr,
    ...portFlags,
    ...extra,
  ];
  await $`node ${deployer} ${init}`;
  if (afterInit) await afterInit(configPath);
  await $`node ${deployer} render --config ${configPath} --out ${bundleDir} ${renderArgs}`;
  const config = parseYaml(readFileSync(configPath, 'utf8'));
  const compose = parseYaml(readFileSync(join(bundleDir, 'compose.yaml'), 'utf8'));
  const authorityPublicKey = readFileSync(join(bundleDir, 'pool/authority-public.key'), 'utf8').trim();
  return { configPath, bundleDir, config, compose, authorityPublicKey };
}

/**
 * Writes the CI override into the bundle folder as `compose.override.yaml`, so it travels with
 * the bundle: any compose run in that folder without `-f` — by hand, here, or by the Ansible
 * role's systemd unit on a host after it copied the folder — applies it. It replaces only:
 * - the CKB node by the dev chain (`ckb-pool devnet` in the pool image) listening on the
 *   node's service name and ports, with the PoW of the bundle's chain, paying to the
 *   block assembler's lock args and notifying the pool as ckb.toml's block assembler does;
 * - Prometheus and Alertmanager by images built from Debian's packages (same command lines,
 *   same rendered configs mounted);
 * and keeps Grafana from starting (no Debian package, no registry): a profile nobody enables.
 */
export function writeCiOverride(bundleDir) {
  const compose = parseYaml(readFileSync(join(bundleDir, 'compose.yaml'), 'utf8'));
  const ckbToml = parseToml(readFileSync(join(bundleDir, 'ckb/ckb.toml'), 'utf8'));
  const poolYaml = parseYaml(readFileSync(join(bundleDir, 'pool/pool.yaml'), 'utf8'));
  const services = compose.services;
  for (const s of ['ckb', 'pool', 'prometheus', 'alertmanager']) {
    if (!services[s]) throw new Error(`the rendered compose.yaml has no '${s}' service`);
  }
  const port = (address, what) => {
    const m = /:(\d+)$/.exec(address ?? '');
    if (!m) throw new Error(`cannot read the port of ${what} (${address})`);
    return m[1];
  };
  const rpcPort = port(ckbToml.rpc?.listen_address, 'ckb.toml [rpc] listen_address');
  const subscribePort = port(ckbToml.rpc?.tcp_listen_address, 'ckb.toml [rpc] tcp_listen_address');
  const assembler = ckbToml.block_assembler ?? {};
  const chain = poolYaml.chain;
  const pow = { testnet: 'eaglesong-blake2b', mainnet: 'eaglesong' }[chain];
  if (!pow) throw new Error(`pool.yaml names an unknown chain '${chain}'`);
  const devnet = [
    'devnet',
    '--rpc',
    `0.0.0.0:${rpcPort}`,
    '--subscribe',
    `0.0.0.0:${subscribePort}`,
    '--pow',
    pow,
  ];
  if (assembler.args) devnet.push('--lock-args', assembler.args);
  for (const url of assembler.notify ?? []) devnet.push('--notify', url);

  const override = {
    version: compose.version,
    services: {
      ckb: {
        image: services.pool.image,
        entrypoint: ['/usr/bin/tini', '--', 'ckb-pool'],
        command: devnet,
        stop_grace_period: '10s',
      },
      prometheus: { image: IMAGE.prometheus },
      alertmanager: { image: IMAGE.alertmanager },
      ...(services['node-exporter'] ? { 'node-exporter': { image: IMAGE.nodeExporter } } : {}),
      ...(services.grafana ? { grafana: { profiles: ['grafana-not-in-ci'] } } : {}),
    },
  };
  const header =
    '# CI ONLY (written by ci/lib/bundle.mjs, not by ckb-pool-deploy): no image registry is\n' +
    '# reachable in CI. The CKB node runs as the dev chain (pool image, `ckb-pool devnet`),\n' +
    "# Prometheus, Alertmanager and the host exporter from Debian's packages; Grafana is not started.\n";
  writeFileSync(join(bundleDir, OVERRIDE_FILE), header + stringify(override, { version: '1.1' }), {
    mode: 0o644,
  });
  return override;
}
