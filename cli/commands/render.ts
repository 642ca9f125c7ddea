import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { imagePinVerdict } from '../bundle/image-pins.js';
import { BundleDirError, renderBundle, writeBundle } from '../bundle/render.js';
import type { Command } from '../command.js';
import { UsageError } from '../command.js';
import { ConfigError, loadConfig } from '../config/schema.js';
import { readSecrets, SecretsError } from '../config/secrets.js';

const help = `Usage: ckb-pool-deploy render [--config FILE] --out DIR

Renders the compose bundle for the deployment in FILE into DIR: compose.yaml (runs with
\`docker compose\` v2 and \`docker-compose\` 1.29), .env (project name), secrets/ (the
secret files the containers read, folder mode 0700), README.md,
ckb/ckb.toml, pool/pool.yaml, pool/translator.yaml, pool/authority-public.key and, with
monitoring on, Prometheus, Alertmanager and Grafana configs. The same config and secrets always give the same bytes.

Images: a mainnet bundle needs every \`images.*\` pinned by digest as well as tag
(\`name:tag@sha256:<digest>\`): a registry can move a tag, not a digest. render refuses tags
alone on mainnet unless --allow-unpinned is given, and warns on testnet.

Options:
  --config FILE      deployment config written by \`init\` (default: ckb-pool.yaml)
  --out DIR          bundle folder; must be empty, new, or an earlier bundle (required)
  --allow-unpinned   render a mainnet bundle whose images are pinned by tag only (warns)
`;

const command: Command = {
  help,
  async run(argv) {
    let values: { config?: string; out?: string; 'allow-unpinned'?: boolean };
    try {
      ({ values } = parseArgs({
        args: argv,
        options: {
          config: { type: 'string', default: 'ckb-pool.yaml' },
          out: { type: 'string' },
          'allow-unpinned': { type: 'boolean', default: false },
        },
        strict: true,
      }));
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
    if (!values.out) throw new UsageError('--out DIR is required');
    try {
      const config = loadConfig(values.config ?? 'ckb-pool.yaml');
      const pins = imagePinVerdict(config, values['allow-unpinned'] === true);
      if (pins.error) throw new UsageError(pins.error, 1);
      if (pins.warning) process.stderr.write(`warning: ${pins.warning}\n`);
      const files = renderBundle(config, readSecrets(config.secretsDir));
      const out = resolve(values.out);
      writeBundle(out, files);
      process.stdout.write(`rendered ${files.length} files into ${out}\n`);
      return 0;
    } catch (e) {
      if (e instanceof ConfigError || e instanceof SecretsError || e instanceof BundleDirError) {
        throw new UsageError(e.message, 1);
      }
      throw e;
    }
  },
};
export default command;
