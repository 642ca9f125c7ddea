import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { type Command, UsageError } from '../command.js';
import { DEV_COMPACT_TARGET, type DevEnvironment, startDevEnvironment } from '../dev/environment.js';
import { readStatus, renderStatus } from '../dev/summary.js';

const help = `Usage: ckb-pool-deploy dev [options]

The whole pool on this machine, in one process, with no Docker and no configuration: a CKB dev
chain (TypeScript, Eaglesong PoW, easy difficulty), the Stratum V2 pool (temporary ledger,
freshly generated authority key), the Stratum V1 translator and one CPU miner. Prints the SV2
URL (with the authority key) and the V1 URL so you can point your own miners at it, then a live
summary (hashrate, workers, shares, blocks found, and the built-in miner's balance, immature
reward and payouts). Payouts run as with payouts.enabled in a deployment: the dev chain's block
assembler pays a fresh pool wallet (temporary key file), epochs are short so rewards mature
within a minute or two, and a payout cycle runs every minute. Ctrl-C stops everything and
removes the temporary files.

Options:
  --host HOST             Address every listener binds to (default 127.0.0.1; 0.0.0.0 lets
                          miners on your network connect).
  --sv2-port PORT         SV2 listener (default: a free port).
  --v1-port PORT          Stratum V1 listener of the translator (default: a free port).
  --api-port PORT         Pool HTTP API, /metrics and /health (default: a free port).
  --web-port PORT         The miners' web page (default: a free port).
  --rpc-port PORT         Dev chain JSON-RPC (default: a free port).
  --jd                    Job declaration (docs/job-declaration-ckb.md): the pool also runs its
                          Job Declarator (jd.listen); a JD client (ckb-pool jd-client) builds
                          blocks from its own node view of the dev chain, declares them to the
                          pool and serves the built-in miner, whose blocks pay the pool as
                          usual. Prints the JD client's SV2 URL for more miners.
  --include-tx HASH       With --jd: the JD client's transaction policy (repeat), as
                          ckb-pool jd-client --include-tx.
  --no-miner              Do not start the built-in CPU miner.
  --miner-protocol P      sv2 (default: straight to the pool) or v1 (through the translator).
  --threads N             Threads of the built-in miner (default 1).
  --compact-target HEX    Dev chain compact target (default 0x${DEV_COMPACT_TARGET.toString(16)}: a block every
                          few seconds for one CPU thread).
  --endpoints-file FILE   Once everything is ready, write {"sv2_url","v1_url","api_url","web_url",
                          "rpc_url"} (and "miner_address" with the built-in miner) as one JSON
                          object to FILE (for scripts and CI).
  --interval S            Seconds between summary refreshes (default 1 on a terminal, 5 otherwise).
  --log-level LEVEL       Logs of the parts on stderr (default error).
  -h, --help              Show this help.
`;

function port(v: string | undefined, name: string): number {
  if (v === undefined) return 0;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65_535) throw new UsageError(`--${name} must be a port 0..65535`);
  return n;
}

const command: Command = {
  help,
  async run(argv) {
    let values: Record<string, string | boolean | string[] | undefined>;
    try {
      ({ values } = parseArgs({
        args: argv,
        options: {
          host: { type: 'string' },
          'sv2-port': { type: 'string' },
          'v1-port': { type: 'string' },
          'api-port': { type: 'string' },
          'web-port': { type: 'string' },
          'rpc-port': { type: 'string' },
          'no-miner': { type: 'boolean' },
          jd: { type: 'boolean' },
          'include-tx': { type: 'string', multiple: true },
          'miner-protocol': { type: 'string' },
          threads: { type: 'string' },
          'compact-target': { type: 'string' },
          'endpoints-file': { type: 'string' },
          interval: { type: 'string' },
          'log-level': { type: 'string' },
        },
        allowPositionals: false,
        strict: true,
      }));
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    const str = (k: string) => values[k] as string | undefined;
    const threads = Number(str('threads') ?? 1);
    if (!Number.isInteger(threads) || threads < 1 || threads > 256)
      throw new UsageError('--threads must be 1..256');
    const protocol = str('miner-protocol') ?? 'sv2';
    if (protocol !== 'sv2' && protocol !== 'v1') throw new UsageError('--miner-protocol must be sv2 or v1');
    let compactTarget = DEV_COMPACT_TARGET;
    const ct = str('compact-target');
    if (ct !== undefined) {
      compactTarget = Number.parseInt(ct.replace(/^0x/i, ''), 16);
      if (!Number.isInteger(compactTarget) || compactTarget <= 0 || compactTarget > 0xffffffff)
        throw new UsageError('--compact-target must be a 32-bit hex number like 0x1f00ffff');
    }
    const includeTx = (values['include-tx'] as string[] | undefined) ?? [];
    if (includeTx.length > 0 && !values.jd) throw new UsageError('--include-tx needs --jd');
    for (const h of includeTx)
      if (!/^0x[0-9a-fA-F]{64}$/.test(h))
        throw new UsageError(`--include-tx ${h}: expected a 0x-prefixed 32-byte hash`);
    const tty = process.stdout.isTTY === true;
    const interval = Number(str('interval') ?? (tty ? 1 : 5));
    if (!Number.isFinite(interval) || interval < 0.1)
      throw new UsageError('--interval must be ≥ 0.1 seconds');
    // Errors only by default: warnings would scroll the in-place summary away.
    const level = str('log-level') ?? 'error';
    const log = pino({ level, base: null }, pino.destination(2));

    process.stdout.write('ckb-pool-deploy dev: starting the dev chain, the pool, the translator…\n');
    let env: DevEnvironment;
    try {
      env = await startDevEnvironment({
        host: str('host') ?? '127.0.0.1',
        rpcPort: port(str('rpc-port'), 'rpc-port'),
        sv2Port: port(str('sv2-port'), 'sv2-port'),
        v1Port: port(str('v1-port'), 'v1-port'),
        apiPort: port(str('api-port'), 'api-port'),
        webPort: port(str('web-port'), 'web-port'),
        miner: values['no-miner'] ? null : protocol,
        minerThreads: threads,
        compactTarget,
        jd: values.jd ? { includeTx } : undefined,
        log,
      });
    } catch (err) {
      process.stderr.write(`ckb-pool-deploy dev: could not start: ${(err as Error).message}\n`);
      return 1;
    }
    const e = env.endpoints;
    process.stdout.write(
      [
        '',
        `  SV2 (Noise, authority key pinned):  ${e.sv2_url}`,
        `  Stratum V1 (ASIC / GPU miners):     ${e.v1_url}`,
        `  Miners' web page:                   ${e.web_url}`,
        `  Pool API, /metrics, /health:        ${e.api_url}`,
        `  Translator /metrics, /health:       ${env.translator.metricsUrl ?? 'off'}`,
        `  Dev chain JSON-RPC:                 ${e.rpc_url}`,
        ...(e.jdc_url
          ? [
              `  Pool's Job Declarator (JDS):        ${e.jds_url}`,
              `  JD client (your own blocks), SV2:   ${e.jdc_url}`,
            ]
          : []),
        '',
        `  Try:  npx ckb-pool mine --url ${e.sv2_url} --user YOUR_CKT_ADDRESS.rig1 --threads 1`,
        `        npx ckb-pool mine --url ${e.v1_url} --user YOUR_CKT_ADDRESS.rig2`,
        e.miner_address
          ? `  A built-in CPU miner is running as ${e.miner_address.slice(0, 16)}….cpu1 (its page: ${e.web_url}/miners/${e.miner_address}).\n  Ctrl-C stops everything.`
          : '  Ctrl-C stops everything.',
        '',
      ].join('\n'),
    );
    const endpointsFile = str('endpoints-file');
    if (endpointsFile) {
      try {
        writeFileSync(endpointsFile, `${JSON.stringify(e)}\n`);
      } catch (err) {
        process.stderr.write(
          `ckb-pool-deploy dev: cannot write ${endpointsFile}: ${(err as Error).message}\n`,
        );
        await env.close();
        return 1;
      }
    }

    let drawn = 0;
    let busy = false;
    const refresh = async () => {
      if (busy) return;
      busy = true;
      try {
        const lines = renderStatus(await readStatus(env));
        if (tty) {
          // Redraw in place: move up over the previous summary and clear each line.
          let out = drawn > 0 ? `\x1b[${drawn}A` : '';
          for (const l of lines) out += `\x1b[2K${l}\n`;
          if (drawn > lines.length) out += '\x1b[J';
          process.stdout.write(out);
          drawn = lines.length;
        } else {
          process.stdout.write(`${new Date().toISOString()} ${lines.join(' || ')}\n`);
        }
      } catch {
        // the API is momentarily unavailable (shutting down): skip this refresh
      } finally {
        busy = false;
      }
    };
    const timer = setInterval(() => void refresh(), interval * 1000);
    void refresh();

    return await new Promise<number>((resolve) => {
      let stopping = false;
      const stop = (signal: string) => {
        if (stopping) {
          // A second Ctrl-C: the user does not want to wait for a clean stop.
          process.stderr.write('ckb-pool-deploy dev: stopping now without cleaning up\n');
          process.exit(130);
        }
        stopping = true;
        clearInterval(timer);
        process.stdout.write(`\nckb-pool-deploy dev: ${signal}: stopping…\n`);
        env.close().then(
          () => {
            process.stdout.write('ckb-pool-deploy dev: stopped.\n');
            resolve(0);
          },
          (err: Error) => {
            process.stderr.write(`ckb-pool-deploy dev: error while stopping: ${err.message}\n`);
            resolve(1);
          },
        );
      };
      process.on('SIGINT', () => stop('SIGINT'));
      process.on('SIGTERM', () => stop('SIGTERM'));
    });
  },
};
export default command;
