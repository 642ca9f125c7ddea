/**
 * ckb.toml for the bundle's node, following the node's own template (resource/ckb.toml of
 * nervosnetwork/ckb v0.205) for the chosen chain: bundled spec, the chain's bootnodes, RPC with
 * the Miner and Subscription modules on the bundle network only, and a `[block_assembler]`
 * paying to the configured address whose template changes are pushed to the pool.
 */
import { payoutLock } from '../config/address.js';
import type { PoolDeployConfig } from '../config/types.js';
import { INTERNAL_PORT, POOL_NOTIFY_HOST } from './layout.js';

// Bootnodes exactly as `ckb init --chain <chain>` of the pinned node (nervos/ckb v0.205.0,
// resource/ckb.toml) writes them; cli/bundle/ckb-toml.test.ts compares them with that template.
// Moving the pin: docs/deploy.md, "Moving the CKB node pin".
const BOOTNODES: Record<'mainnet' | 'testnet', string[]> = {
  mainnet: [
    '/ip4/16.163.82.218/tcp/8114/p2p/QmaZMemLXSsxKUrYNucjEbPxVX3rBKsGhWW2muWtWxUWyh',
    '/ip4/35.79.196.111/tcp/8114/p2p/QmYCRVonLfP18LSoz2WCHaXDorUYxuUMfhtcXK1TuZ1iwF',
    '/ip4/13.234.144.148/tcp/8114/p2p/QmbT7QimcrcD5k2znoJiWpxoESxang6z1Gy9wof1rT1LKR',
    '/ip4/34.64.120.143/tcp/8114/p2p/QmejEJEbDcGGMp4D6WtftMMVLkR1ZuBfMgyLFDMJymkDt6',
    '/ip4/3.218.170.86/tcp/8114/p2p/QmShw2vtVt49wJagc1zGQXGS6LkQTcHxnEV3xs6y8MAmQN',
    '/ip4/35.236.107.161/tcp/8114/p2p/QmSRj57aa9sR2AiTvMyrEea8n1sEM1cDTrfb2VHVJxnGuu',
    '/ip4/23.101.191.12/tcp/8114/p2p/QmexvXVDiRt2FBGptgK4gBJusWyyTEEaHeuCAa35EPNkZS',
    '/ip4/20.151.143.237/tcp/8114/p2p/QmNsGNQjYA6iP472bNnNE2GR31kCYBifhY1XcaUxRjZ1py',
    '/ip4/52.59.155.249/tcp/8114/p2p/QmRHqhSGMGm5FtnkW8D6T83X7YwaiMAZXCXJJaKzQEo3rb',
    '/ip4/3.10.216.39/tcp/8114/p2p/QmagxSv7GNwKXQE7mi1iDjFHghjUpbqjBgqSot7PmMJqHA',
    '/ip4/13.37.172.80/tcp/8114/p2p/QmXJg4iKbQzMpLhX75RyDn89Mv7N2H8vLePBR7kgZf6hYk',
    '/ip4/34.118.49.255/tcp/8114/p2p/QmeCzzVmSAU5LNYAeXhdJj8TCq335aJMqUxcvZXERBWdgS',
    '/ip4/40.115.75.216/tcp/8114/p2p/QmW3P1WYtuz9hitqctKnRZua2deHXhNePNjvtc9Qjnwp4q',
    '/ip4/34.176.239.95/tcp/8114/p2p/QmQoWrmuFauCn3zZ2mYYKAciG9opTbjzC2wVEfWveZNDt8',
    '/ip4/13.245.217.98/tcp/8114/p2p/Qmf4t1SzFhRWuGcFcgs7r4pXvkACsz3FcaBMcmMKQMMpn7',
  ],
  testnet: [
    '/ip4/18.217.146.65/tcp/8111/p2p/QmT6DFfm18wtbJz3y4aPNn3ac86N4d4p4xtfQRRPf73frC',
    '/ip4/18.136.60.221/tcp/8111/p2p/QmTt6HeNakL8Fpmevrhdna7J4NzEMf9pLchf1CXtmtSrwb',
    '/ip4/35.176.207.239/tcp/8111/p2p/QmSJTsMsMGBjzv1oBNwQU36VhQRxc2WQpFoRu1ZifYKrjZ',
    '/ip4/13.228.149.113/tcp/8111/p2p/QmQoTR39rBkpZVgLApDGDoFnJ2YDBS9hYeiib1Z6aoAdEf',
    '/ip4/157.241.73.87/tcp/8111/p2p/QmSPkAyXqsWpRiS7HpHLTProVdhQWLKFHCXbRjaLpJj7ZL',
    '/ip4/4.241.132.26/tcp/8111/p2p/QmX5D6aJiAQ5Fxn4BfVqSn6zrgyuQM1oXVC9yvmzLuHXnx',
    '/ip4/52.147.120.180/tcp/8111/p2p/QmPcJY2gZLUm66szYA9QaG1P3rzwseWCMgbj6AyNCyW4G2',
    '/ip4/18.167.196.121/tcp/8111/p2p/QmQMjFrNGaphzfHin3mbYybbJcFMDUihKAcknquYvm9J3W',
    '/ip4/34.216.103.183/tcp/8111/p2p/Qmd41MaByDprkC5gP1XBKgamZ9DTLNk37zbPgwtiWCzRV6',
    '/ip4/3.98.152.180/tcp/8111/p2p/QmWVuW5KquiWDSqgMJRFW1xRtVqkYJrWz6S9NNk6fFn3wh',
    '/ip4/18.192.147.65/tcp/8111/p2p/QmWcEhsMNRcfJit62EbKgzpgtAJZX1G3Ur4shXjcvLsYDb',
    '/ip4/13.236.13.195/tcp/8111/p2p/QmfUTZxsse7rFJTJfoUv8bbStoDLETxst5nJEpJozNuAnH',
  ],
};

/**
 * Only the RPC modules the pool calls (pool/src/ckb/rpc.ts): Miner (get_block_template,
 * submit_block), Chain (get_tip_header, get_header_by_number, get_block: confirmations),
 * Stats (get_blockchain_info: sync state) and Subscription (new_tip_header over TCP). Not the
 * template's Net, Pool, Experiment or Terminal: nothing here needs to add peers, send
 * transactions or dry-run scripts through the node.
 */
export const RPC_MODULES = ['Miner', 'Chain', 'Stats', 'Subscription'];

const q = (s: string): string => JSON.stringify(s);
const list = (xs: string[]): string => `[${xs.map(q).join(', ')}]`;

/** The node's notify URL: the pool's address on the node network, the secret as the path. */
export const notifyUrl = (notifySecret: string): string =>
  `http://${POOL_NOTIFY_HOST}:${INTERNAL_PORT.poolNotify}/${notifySecret}`;

/** `notifyUrls`: with several pool hosts, each one's notify listener (cli/bundle/hosts.ts). */
export function renderCkbToml(
  config: PoolDeployConfig,
  notifySecret: string,
  notifyUrls: string[] = [notifyUrl(notifySecret)],
): string {
  const lock = payoutLock(config.payoutAddress, config.chain);
  const spec = config.chain === 'mainnet' ? 'specs/mainnet.toml' : 'specs/testnet.toml';
  const bootnodes = BOOTNODES[config.chain].map((b) => `  ${q(b)},`).join('\n');
  return `# ckb.toml rendered by ckb-pool-deploy for ${config.chain}. Do not edit: change ckb-pool.yaml and re-render.
data_dir = "data"

[chain]
spec = { bundled = ${q(spec)} }

[logger]
filter = "info"
color = false
log_to_file = false
log_to_stdout = true

[sentry]
dsn = ""

[db]
cache_size = 134217728

[network]
listen_addresses = ${list([`/ip4/0.0.0.0/tcp/${config.ports.p2p}`])}
bootnodes = [
${bootnodes}
]
max_peers = 125
max_outbound_peers = 8
ping_interval_secs = 120
ping_timeout_secs = 1200
connect_outbound_interval_secs = 15
upnp = false
discovery_local_address = false
bootnode_mode = false

[rpc]
# 0.0.0.0 inside the container = the node's own network (the pool, Prometheus): 8114 is never
# published. Only the modules the pool calls.
listen_address = ${q(`0.0.0.0:${INTERNAL_PORT.ckbRpc}`)}
max_request_body_size = 10485760
modules = ${list(RPC_MODULES)}
# new_tip_header subscriptions for the pool (internal network only).
tcp_listen_address = ${q(`0.0.0.0:${INTERNAL_PORT.ckbSubscribe}`)}
reject_ill_transactions = true
enable_deprecated_rpc = false

[tx_pool]
max_tx_pool_size = 180_000_000
min_fee_rate = 1_000
min_rbf_rate = 1_500
max_tx_verify_cycles = 70_000_000
max_ancestors_count = 25

[store]
header_cache_size = 4096
cell_data_cache_size = 128
block_proposals_cache_size = 30
block_tx_hashes_cache_size = 30
block_uncles_cache_size = 30

[metrics.exporter.prometheus]
target = { type = "prometheus", listen_address = ${q(`0.0.0.0:${INTERNAL_PORT.ckbMetrics}`)} }

# Block rewards go to ${config.payoutAddress}
[block_assembler]
code_hash = ${q(lock.codeHash)}
args = ${q(lock.args)}
hash_type = ${q(lock.hashType)}
message = "0x"
# The node POSTs every new template to the pool at once (node network only; the path is the
# shared secret the pool checks).
notify = ${list(notifyUrls)}
`;
}
