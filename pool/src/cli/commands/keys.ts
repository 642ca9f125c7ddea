import { type ParseArgsConfig, parseArgs } from 'node:util';
import {
  PUBLIC_KEY_FILE,
  readAuthorityKeyFile,
  SECRET_KEY_FILE,
  writeAuthorityKeyFiles,
} from '../../sv2/noise/key-files.js';
import {
  AuthorityKeyError,
  encodeAuthorityPubkey,
  formatPoolUrl,
  generateAuthorityKeypair,
} from '../../sv2/noise/keys.js';
import { type Command, UsageError } from '../command.js';

const DEFAULT_PORT = 3336;

const help = `Usage:
  ckb-pool keys generate --out DIR [--force]
  ckb-pool keys show FILE [--host HOST] [--port PORT]

The authority key signs the pool's Noise certificate; miners pin its public key, so it
authenticates the pool like a TLS certificate would.

generate   Creates a new authority key pair in DIR (created if missing):
             DIR/${SECRET_KEY_FILE}   the secret, base58check, file mode 0600 — keep it private
             DIR/${PUBLIC_KEY_FILE}   the public key (base58check of 0x01 0x00 ‖ x-only key)
           and prints the public key.
  --out DIR    where to write the files (required)
  --force      replace an existing ${SECRET_KEY_FILE} (default: refuse; a new key means
               every miner must be reconfigured)

show       Prints the public key of FILE (a public or a secret key file; a secret is never
           printed), and with --host the pool URL miners use.
  --host HOST  the pool's public host name or address (default: none, no URL printed)
  --port PORT  the pool's SV2 port for the URL (default: ${DEFAULT_PORT})
`;

/** parseArgs with its errors (unknown option, missing value) as usage errors: exit 2, no stack. */
function parse<T extends ParseArgsConfig['options']>(argv: string[], options: T) {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

function fail(e: unknown): never {
  if (e instanceof AuthorityKeyError) throw new UsageError(e.message, 1);
  throw e;
}

async function generate(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, {
    out: { type: 'string' },
    force: { type: 'boolean', default: false },
  });
  if (positionals.length) throw new UsageError(`unexpected argument '${positionals[0]}'`);
  if (!values.out) throw new UsageError('--out DIR is required');
  try {
    const written = writeAuthorityKeyFiles(values.out, generateAuthorityKeypair(), values.force);
    process.stdout.write(
      `authority public key: ${written.publicKey}\n` +
        `secret key written to ${written.secretPath} (mode 0600)\n` +
        `public key written to ${written.publicPath}\n`,
    );
  } catch (e) {
    fail(e);
  }
  return 0;
}

async function show(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, { host: { type: 'string' }, port: { type: 'string' } });
  if (positionals.length !== 1) throw new UsageError('expected exactly one key FILE');
  const port = values.port === undefined ? DEFAULT_PORT : Number(values.port);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new UsageError(`--port must be an integer 1..65535, got '${values.port}'`);
  }
  if (values.port !== undefined && !values.host) throw new UsageError('--port needs --host');
  try {
    const key = readAuthorityKeyFile(positionals[0]);
    process.stdout.write(`authority public key: ${encodeAuthorityPubkey(key.publicXonly)}\n`);
    if (values.host) {
      process.stdout.write(
        `pool URL: ${formatPoolUrl({ host: values.host, port, authorityPubkey: key.publicXonly })}\n`,
      );
    }
  } catch (e) {
    fail(e);
  }
  return 0;
}

const command: Command = {
  help,
  async run(argv) {
    const [sub, ...rest] = argv;
    if (sub === 'generate') return generate(rest);
    if (sub === 'show') return show(rest);
    throw new UsageError(
      sub ? `unknown subcommand '${sub}' (generate or show)` : 'expected a subcommand: generate or show',
    );
  },
};
export default command;
