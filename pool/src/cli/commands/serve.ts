import { parseArgs } from 'node:util';
import { isLogLevel, LOG_LEVELS } from '../../log/levels.js';
import { ConfigError, loadPoolConfig, type PoolConfig } from '../../pool/config.js';
import { instanceRole, runInstance } from '../../pool/instances/instance.js';
import { instanceCount } from '../../pool/instances/layout.js';
import { startPrimary } from '../../pool/instances/primary.js';
import { startPool } from '../../pool/server.js';
import { type Command, UsageError } from '../command.js';

const help = `Usage: ckb-pool serve --config FILE [options]

Runs the Stratum V2 mining pool for CKB: takes templates from the CKB node (new_tip_header
subscription, block-assembler notify, get_block_template polling), serves jobs over
Noise-encrypted SV2 (extension 0x4CCB), validates shares, submits found blocks, keeps the
ledger (SQLite) and serves /metrics, /health and /api/v1/* over HTTP.

Every setting is in the config file; see docs/pool-config.md for all fields and defaults.
With \`instances: auto | N\` (N > 1) this process forks N acceptor instances that share the
SV2 port and keeps the node, the ledger, block submission and the API itself.

Options:
  --config FILE       pool.yaml to use (required).
  --check             Validate the config file and the authority key, print the effective
                      config as JSON and exit (0 = valid).
  --log-level LEVEL   Override log.level (fatal, error, warn, info, debug, trace, silent).
  -h, --help          Show this help.

Signals: SIGTERM or SIGINT drains cleanly — clients get Reconnect, acknowledged shares are
written, submissions in flight finish (blocks still unanswered stay pending in the ledger and
are resubmitted on the next start) — then the process exits 0.
`;

const command: Command = {
  help,
  async run(argv) {
    let values: { config?: string; check?: boolean; 'log-level'?: string };
    try {
      ({ values } = parseArgs({
        args: argv,
        options: {
          config: { type: 'string' },
          check: { type: 'boolean' },
          'log-level': { type: 'string' },
        },
        allowPositionals: false,
        strict: true,
      }));
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    if (!values.config) throw new UsageError('--config FILE is required');
    let config: PoolConfig;
    try {
      config = loadPoolConfig(values.config);
    } catch (err) {
      if (err instanceof ConfigError) throw new UsageError(err.message);
      throw err;
    }
    const level = values['log-level'];
    if (level !== undefined) {
      if (!isLogLevel(level)) throw new UsageError(`--log-level must be one of ${LOG_LEVELS.join(', ')}`);
      config.log.level = level as PoolConfig['log']['level'];
    }
    if (values.check) {
      const { readAuthoritySecret } = await import('../../pool/identity.js');
      try {
        readAuthoritySecret(config.sv2.authorityKeyFile);
      } catch (err) {
        throw new UsageError((err as Error).message);
      }
      process.stdout.write(`${JSON.stringify(config, null, 2)}\n`);
      return 0;
    }

    // With `instances` > 1 the primary forks this same command line as each instance.
    const role = instanceRole();
    if (role) process.exit(await runInstance(config, role));
    const start = instanceCount(config.instances) > 1 ? startPrimary : startPool;
    let pool: Awaited<ReturnType<typeof startPool>>;
    try {
      pool = await start(config, { processMetrics: true });
    } catch (err) {
      // Missing key file, port in use, unwritable ledger…: one line, no stack.
      process.stderr.write(`ckb-pool serve: cannot start: ${(err as Error).message}\n`);
      return 1;
    }
    process.stderr.write(
      `ckb-pool: SV2 on ${pool.sv2Address}, API on ${pool.apiUrl}\n` +
        (pool.webUrl ? `ckb-pool: web page on ${pool.webUrl}\n` : '') +
        `ckb-pool: miners connect to ${pool.poolUrl}\n`,
    );
    return await new Promise<number>((resolve) => {
      let stopping = false;
      const stop = (signal: string) => {
        if (stopping) return;
        stopping = true;
        process.stderr.write(`ckb-pool: ${signal}: draining\n`);
        pool.close().then(
          () => resolve(0),
          (err) => {
            process.stderr.write(`ckb-pool: error while stopping: ${(err as Error).message}\n`);
            resolve(1);
          },
        );
      };
      process.once('SIGTERM', () => stop('SIGTERM'));
      process.once('SIGINT', () => stop('SIGINT'));
    });
  },
};
export default command;
