import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { type Command, UsageError } from '../command.js';
import { DEFAULT_IMAGES } from '../config/fields.js';
import { ConfigError, loadConfig } from '../config/schema.js';
import { runImagePin } from '../image/pin-command.js';
import { buildPoolImage, ImageBuildError, poolPackageDir, saveImageArchive } from '../image/pool-image.js';
import { createRunner } from '../process/runner.js';

const help = `Usage: ckb-pool-deploy image build [--tag TAG] [--config FILE] [--tarball FILE]
                              [--node-image IMAGE] [--ca-file FILE] [--platform P] [--archive FILE]
       ckb-pool-deploy image pin [--config FILE] [--check]

image pin: asks each image's registry (anonymously, as docker pull would) which digest its tag
names today and writes it beside the tag in the config (images.<name>: name:tag@sha256:…), so
the host pulls exactly those bytes even if the tag moves. A mainnet bundle needs every image
pinned (\`render\` and \`up\` refuse tags alone unless --allow-unpinned). Images already pinned
are kept. --check changes nothing: it reports images without a digest and tags that now name
other content, and exits 1 if there are any. Exits 1 when an image could not be pinned.

image build: builds the pool image (ckb-pool serve, translate, devnet) on this machine's Docker engine from
the ckb-pool package installed with this deployer — the same files \`npm install ckb-pool\`
gives — for a fork, an unreleased version or a host that cannot pull the published image.
\`up\` does this by itself when the pool image cannot be pulled.

Options:
  --tag TAG           image reference to build (default: images.pool of --config, or
                      ${DEFAULT_IMAGES.pool} when there is no config)
  --config FILE       deployment config to read images.pool from (default: ckb-pool.yaml, if present)
  --tarball FILE      build from this packed ckb-pool tarball instead of the installed package
  --node-image IMAGE  base image with Node.js >= 20.19 and npm (default: node:22-bookworm-slim)
  --ca-file FILE      a CA certificate npm must trust inside the build (TLS-intercepting proxy);
                      default: the file in NODE_EXTRA_CA_CERTS, when that is set
  --platform P        build for another architecture, e.g. linux/arm64 (needs buildx + QEMU)
  --archive FILE      also write the image to FILE (docker save, gzip) for \`up --image-archive\`
`;

const options = {
  tag: { type: 'string' },
  config: { type: 'string' },
  tarball: { type: 'string' },
  'node-image': { type: 'string' },
  'ca-file': { type: 'string' },
  platform: { type: 'string' },
  archive: { type: 'string' },
  check: { type: 'boolean' },
} as const;

function defaultTag(configPath: string | undefined): string {
  const path = configPath ?? 'ckb-pool.yaml';
  if (configPath === undefined && !existsSync(path)) return DEFAULT_IMAGES.pool;
  try {
    return loadConfig(path).images.pool;
  } catch (e) {
    if (e instanceof ConfigError) throw new UsageError(e.message, 1);
    throw e;
  }
}

function parse(argv: string[]) {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

const command: Command = {
  help,
  async run(argv) {
    const parsed = parse(argv);
    const [action, ...extra] = parsed.positionals;
    if (action !== 'build' && action !== 'pin')
      throw new UsageError(
        action ? `unknown action '${action}' (known: build, pin)` : 'name an action: build or pin',
      );
    if (extra.length > 0) throw new UsageError(`unexpected argument '${extra[0]}'`);
    const v = parsed.values;
    if (action === 'pin') {
      const misplaced = (['tag', 'tarball', 'node-image', 'ca-file', 'platform', 'archive'] as const).find(
        (f) => v[f] !== undefined,
      );
      if (misplaced) throw new UsageError(`--${misplaced} belongs to \`image build\`, not \`image pin\``);
      return runImagePin({ configPath: v.config ?? 'ckb-pool.yaml', check: v.check === true });
    }
    if (v.check) throw new UsageError('--check belongs to `image pin`');
    for (const f of ['tarball', 'ca-file'] as const) {
      if (v[f] !== undefined && !existsSync(v[f])) throw new UsageError(`--${f} ${v[f]}: no such file`);
    }
    const tag = v.tag ?? defaultTag(v.config);
    const envCa = process.env.NODE_EXTRA_CA_CERTS;
    const caFile = v['ca-file'] ?? (envCa && existsSync(envCa) ? envCa : undefined);
    const runner = createRunner();
    const from = v.tarball ?? `the installed ckb-pool (${poolPackageDir()})`;
    process.stderr.write(`building ${tag} from ${from}${caFile ? `, trusting ${caFile}` : ''}\n`);
    try {
      await buildPoolImage(runner, {
        tag,
        tarball: v.tarball,
        nodeImage: v['node-image'],
        caFile,
        platform: v.platform,
        onLine: (line) => process.stderr.write(`  ${line}\n`),
      });
      if (v.archive) await saveImageArchive(runner, tag, v.archive);
    } catch (e) {
      if (e instanceof ImageBuildError) {
        process.stderr.write(`ckb-pool-deploy image: ${e.message}\n`);
        return 1;
      }
      throw e;
    }
    process.stdout.write(`built ${tag}${v.archive ? `, saved to ${v.archive}` : ''}\n`);
    return 0;
  },
};
export default command;
