/**
 * ckb.toml for the bundle's node, following the node's own template (resource/ckb.toml of
 * nervosnetwork/ckb v0.205) for the chosen chain: bundled spec, the chain's bootnodes, RPC with
 * the Miner and Subscription modules on the bundle network only, and a `[block_assembler]`
 * paying to the configured address whose template changes are pushed to the pool.
 */
import { payoutLock } from '../config/address.js';
import type { PoolDeployConfig } from '../config/types.js';
import { INTERNAL_PORT, SERVICE } from './layout.js';

// Bootnodes exactly as `ckb init --chain <chain>` writes them (resource/ckb.toml).
const BOOTNODES: Record<'mainnet' | 'testnet', string[]> = {
  mainnet: [
    '/ip4/47.110.15.57/tcp/8114/p2p/QmXS4Kbc9HEeykHUTJCm2tNmqghbvWyYpUp6BtE5b6VrAU',
    '/ip4/47.245.31.79/tcp/8114/p2p/QmUaSuEdXNGJEKvkE4rCn3cwBrpRFUm5TsouF4M3Sjursv',
    '/ip4/13.234.144.148/tcp/8114/p2p/QmbT7QimcrcD5k2znoJiWpxoESxang6z1Gy9wof1rT1LKR',
    '/ip4/3.218.170.86/tcp/8114/p2p/QmShw2vtVt49wJagc1zGQXGS6LkQTcHxnEV3xs6y8MAmQN',
    '/ip4/52.59.155.249/tcp/8114/p2p/QmRHqhSGMGm5FtnkW8D6T83X7YwaiMAZXCXJJaKzQEo3rb',
    '/ip4/39.107.100.85/tcp/8114/p2p/QmeQwD2GGuZyFzDPbQEKFJUjmNaY9FG3X7WHPL823zFD3a',
    '/ip4/47.103.44.208/tcp/8114/p2p/QmWVt9kNFv8XM1CMqeJj2nmG4tJ4ViqgwzJMr7yYynp6qd',
    '/ip4/120.24.85.239/tcp/8114/p2p/QmaJP1sDiWZuwAEMghNHt7TrTgaMCyYaEMMYLc4YvoUGSV',
    '/ip4/47.91.238.128/tcp/8114/p2p/QmTjLAewCM6SivjpW7BJfSj1ABuPA7x6FsFu5ga7Xy2xig',
    '/ip4/147.139.137.53/tcp/8114/p2p/QmQBLw9TqkS8yu2Kg8UtiYzvxEQ7DfKiXLx8iD7bF8XRyj',
    '/ip4/13.52.18.181/tcp/8114/p2p/QmcEK1wUR287qSYdw8eHNWeQrFitQsCaZHHTM9wgvakxnS',
    '/ip4/18.140.240.153/tcp/8114/p2p/QmVi7reKhqVnoBYzW2nJYnrujVeckrZXhwuYbX7P2whPJg',
    '/ip4/35.183.172.68/tcp/8114/p2p/QmNRAvtC6L85hwp6vWnqaKonJw3dz1q39B4nXVQErzC4Hx',
    '/ip4/3.10.216.39/tcp/8114/p2p/QmagxSv7GNwKXQE7mi1iDjFHghjUpbqjBgqSot7PmMJqHA',
    '/ip4/3.105.209.193/tcp/8114/p2p/QmQidJaxciY3NT2PjsaCR4Gz8vB8kFn3Avwz96u6b3jGc1',
    '/ip4/18.229.214.173/tcp/8114/p2p/QmVeeCh81GTLGRwB7vRHXeTRdUHRYcfn6qKEfewhtiRJZC',
  ],
  testnet: [
    '/ip4/47.111.169.36/tcp/8111/p2p/QmNQ4jky6uVqLDrPU7snqxARuNGWNLgSrTnssbRuy3ij2W',
    '/ip4/18.217.146.65/tcp/8111/p2p/QmT6DFfm18wtbJz3y4aPNn3ac86N4d4p4xtfQRRPf73frC',
    '/ip4/18.136.60.221/tcp/8111/p2p/QmTt6HeNakL8Fpmevrhdna7J4NzEMf9pLchf1CXtmtSrwb',
    '/ip4/35.176.207.239/tcp/8111/p2p/QmSJTsMsMGBjzv1oBNwQU36VhQRxc2WQpFoRu1ZifYKrjZ',
  ],
};

/** The RPC modules the pool needs (Miner: templates and submit; Subscription: new tips), plus the defaults. */
export const RPC_MODULES = ['Net', 'Pool', 'Miner', 'Chain', 'Stats', 'Subscription', 'Experiment'];

const q = (s: string): string => JSON.stringify(s);
const list = (xs: string[]): string => `[${xs.map(q).join(', ')}]`;

export function renderCkbToml(config: PoolDeployConfig): string {
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
# 0.0.0.0 inside the container = the bundle's internal network only: 8114 is never published.
listen_address = ${q(`0.0.0.0:${INTERNAL_PORT.ckbRpc}`)}
max_request_body_size = 10485760
modules = ${list(RPC_MODULES)}
# new_tip_header subscriptions for the pool (internal network only).
tcp_listen_address = ${q(`0.0.0.0:${INTERNAL_PORT.ckbSubscribe}`)}
reject_ill_transactions = true
enable_deprecated_rpc = false

[tx_pool]
max_mem_size = 20_000_000
max_cycles = 200_000_000_000
min_fee_rate = 1_000
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
# The node POSTs every new template to the pool at once (internal network only).
notify = ${list([`http://${SERVICE.pool}:${INTERNAL_PORT.poolNotify}`])}
`;
}
