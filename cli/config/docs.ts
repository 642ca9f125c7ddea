/**
 * docs/config.md, generated from the field table. Regenerate with
 * `npx tsx --conditions=ckb-pool-source cli/config/docs.ts --write`; a test fails when the file is out of date.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cell, defaultText } from 'ckb-pool/config-engine/docs';
import { packageRoot } from '../package-root.js';
import { FIELD_LIST, type FieldSpec } from './fields.js';

/** How a field's default reads, in docs/config.md and in `init --help`. */
export { defaultText } from 'ckb-pool/config-engine/docs';

export const CONFIG_DOC_PATH = join(packageRoot(import.meta.url), 'docs', 'config.md');

/** The field's `init` flag as typed, e.g. `--chain mainnet|testnet`. */
export function flagUsage(f: FieldSpec): string {
  const value = f.kind.choices
    ? f.kind.choices.join('|')
    : f.kind.list
      ? 'CIDR'
      : f.kind.describe === 'boolean'
        ? 'on|off'
        : 'VALUE';
  return `--${f.flag} ${value}`;
}

export function configReferenceMarkdown(): string {
  const rows = FIELD_LIST.map(
    (f) =>
      `| \`${f.path}\` | ${cell(f.kind.describe)} | ${cell(defaultText(f))} | ${cell(`\`${flagUsage(f)}\``)}${f.kind.list ? ' (repeatable)' : ''} | ${cell(f.doc)} |`,
  );
  return `# ckb-pool.yaml — configuration of \`ckb-pool-deploy\`

<!-- Generated from cli/config/fields.ts by \`npx tsx cli/config/docs.ts --write\`. Do not edit by hand. -->

One YAML file describes a deployment. \`ckb-pool-deploy init\` writes it (interactively, or from
flags with \`--yes\`), and every other command reads it: \`render\` turns it into the compose
bundle (compose.yaml, ckb.toml, pool.yaml, Prometheus/Alertmanager/Grafana configs), the
stacks into cloud resources, the Ansible role into host settings. Ports, image tags, the chain
and the secrets are defined here once and rendered everywhere else.

Unknown fields are errors (a typo never falls back to a default silently), and every error
names the field and the fix, e.g.
\`payoutAddress: is a testnet address but chain is mainnet; use a ckb1… address or set chain: testnet\`.

## Example

\`\`\`yaml
project: ckb-pool
chain: mainnet
payoutAddress: ckb1qzda0cr08m85hc8jlnfp3zer7xulejywt49kt2rr0vthywaa50xwsqdnnw7qkdnnclfkg59uzn8umtfd2kwxceqxwquc4
cloud: aws
region: us-east-1
adminCidrs: [203.0.113.7/32]
monitoring:
  enabled: true
  alertWebhookUrl: https://hooks.example.com/ckb-pool
\`\`\`

## Network exposure

| port | default | reachable from |
|---|---|---|
| Stratum V2 (\`ports.sv2\`) | 3336 | \`publicCidrs\` |
| Stratum V1 (\`ports.v1\`) | 3333 | \`publicCidrs\` |
| CKB P2P (\`ports.p2p\`) | 8115 | \`publicCidrs\` |
| SSH | 22 | \`adminCidrs\` |
| pool API (\`ports.api\`), Prometheus, Grafana | 8080, 9090, 3000 | 127.0.0.1 on the host only (SSH tunnel) |
| CKB RPC 8114, subscription 18114, pool notify | — | never published: the node's own network (node, pool, Prometheus) only; notify also needs the notify secret |

Why these ports: 3333 is the Stratum port CKB ASIC/GPU firmware and pool lists use by
convention, so V1 miners need no port change; the SV2 port sits next to it at 3336 so both fit
one firewall range (SRI's examples use 34254; any free port works). 8115 is CKB's own P2P port.

## Payout address

The address is decoded (RFC 0021: full bech32m format, and the deprecated short and full
bech32 formats) into the lock script the node's \`[block_assembler]\` pays to. Only the default
secp256k1-blake160 lock is accepted: the node ignores other locks unless started with
\`--ba-advanced\`, and a pool must never mine to an address it cannot check.

## Secrets

\`init\` creates \`secretsDir\` (mode 0700) once and never overwrites what is in it:
\`authority-secret.key\` (the SV2 authority key; miners pin its public key, also written to
\`authority-public.key\`, in the pool URL), \`grafana-admin-password\` and \`notify-secret\`
(authenticates the node's block-assembler notify POSTs to the pool), all mode 0600; re-running
\`init\` adds one that is missing. \`render\` copies them into the bundle's \`secrets/\` folder
(mode 0700) and the containers read them as files (compose \`secrets:\`, mounted read-only at
\`/run/secrets/\`): never environment variables, which \`docker inspect\` shows. There are no
default passwords.

## What \`render\` produces

\`ckb-pool-deploy render --config ckb-pool.yaml --out DIR\` writes the compose bundle the
host runs (\`docker compose up -d\` or \`docker-compose up -d\`; file format 3.8, so Compose v2
and v1.29 both work). The same config and secrets always give the same bytes.

| file | what |
|---|---|
| \`compose.yaml\` | services \`ckb\` (nervos/ckb), \`pool\` (\`ckb-pool serve\`), \`translator\` (\`ckb-pool translate\`), and with monitoring \`prometheus\`, \`alertmanager\`, \`grafana\`; pinned images, healthchecks, restart policies, named volumes; every container without capabilities, with \`no-new-privileges\` and a read-only root filesystem; the bundle network, and the node's own network shared only with the pool and Prometheus |
| \`.env\` | the compose project name (no secrets) |
| \`secrets/\` | the SV2 authority secret, the notify secret and, with monitoring, the Grafana admin password, as files for compose \`secrets:\` (folder 0700) |
| \`README.md\` | how to start the bundle, the miner URLs and where the API and Grafana listen |
| \`ckb/ckb.toml\` | the node for the chain: bundled spec and bootnodes, RPC with only the modules the pool calls (Miner, Chain, Stats, Subscription) on the node's own network, \`[block_assembler]\` from \`payoutAddress\` with \`notify\` to the pool (the notify secret as the URL path) |
| \`pool/pool.yaml\`, \`pool/translator.yaml\` | the pool and V1 translator configs (docs/pool-config.md) |
| \`pool/authority-public.key\` | the SV2 authority public key miners pin |
| \`prometheus/\`, \`alertmanager/\`, \`grafana/\` | scrape config and alert rules (pool or translator down, node down or behind, no new job, a template paying another lock, rejected-share spike, block found or rejected), alert routing to \`monitoring.alertWebhookUrl\`, Grafana datasource and dashboards (pool overview, workers, node) |

## Paths

\`secretsDir\`, \`ssh.publicKeyPath\` and \`ssh.privateKeyPath\` are resolved against the folder of
the config file; \`~\` means the home folder.

## Fields

| field | type | default | \`init\` flag | meaning |
|---|---|---|---|---|
${rows.join('\n')}
`;
}

if (
  process.argv[1] &&
  fileURLToPath(import.meta.url) === process.argv[1] &&
  process.argv.includes('--write')
) {
  writeFileSync(CONFIG_DOC_PATH, configReferenceMarkdown());
  process.stdout.write(`wrote ${CONFIG_DOC_PATH}\n`);
}
