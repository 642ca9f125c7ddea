import { parseArgs } from 'node:util';
import pino from 'pino';
import { isChain } from '../../ckb/pow.js';
import { ConfigError } from '../../config-engine/errors.js';
import { FAILBACK_DEFAULTS } from '../../sv2/client/failback.js';
import {
  checkHostPort,
  checkLogLevel,
  checkMode,
  checkUpstreamUrl,
  loadTranslatorConfig,
  parseFailback,
  TRANSLATOR_DEFAULTS,
  type TranslatorConfig,
} from '../../translator/config.js';
import { startTranslator } from '../../translator/translator.js';
import { type Command, UsageError } from '../command.js';

const help = `Usage: ckb-pool translate --listen HOST:PORT --upstream stratum2+tcp://HOST:PORT/AUTHORITY_PUBKEY [options]
       ckb-pool translate --config FILE

Runs the Stratum V1 → V2 translator: CKB Stratum V1 miners (ASICs, GPU miners) connect to
--listen; their work and shares travel to the pool over Noise-encrypted SV2 (extension 0x4CCB).
Each V1 miner gets its own SV2 extended channel (the pool tunes and credits it by name), or,
with --mode aggregated, one channel is shared and each miner gets 2 of its nonce bytes.
When the pool is lost the translator reconnects with backoff and fails over to the next
--upstream; V1 miners stay connected and get fresh work when the pool is back.

Options:
  --listen HOST:PORT       V1 listener (default ${TRANSLATOR_DEFAULTS.listen}).
  --upstream URL           Pool URL with its authority key; repeat for failover, tried in order.
                           The first is preferred: while on another, it is probed and mined on
                           again once healthy (see --failback-interval).
  --failback-interval MS   Probe the more preferred pools every MS ms while on a backup
                           (default 30000; 0 = never fail back).
  --failback-probes N      Consecutive healthy probes before the switch (default 2).
  --config FILE            translator.yaml instead of the flags above (see below). Flags given
                           as well override the file.
  --chain CHAIN            mainnet (default), testnet or dev: the PoW of the local share check.
  --mode MODE              per-worker (default) or aggregated.
  --user-identity NAME     Name of the aggregated channel and of channels opened before a miner
                           authorizes (default ${TRANSLATOR_DEFAULTS.userIdentity}). Use your account, e.g.
                           alice.proxy: with a pool that supports SV2 extension 0x0002, shares
                           of miners on such channels are credited to alice.<their worker name>.
  --metrics-listen H:P     /metrics and /health (default ${TRANSLATOR_DEFAULTS.metricsListen}; 'off' = none).
  --log-level LEVEL        fatal, error, warn, info (default), debug, trace, silent.
  -h, --help               Show this help.

translator.yaml:
  chain: mainnet
  v1: { listen: 0.0.0.0:3333, maxLineBytes: 16384, maxConnections: 10000 }
  upstream: { url: [stratum2+tcp://HOST:PORT/KEY, ...], mode: per-worker, userIdentity: translator,
              failback: { probeIntervalMs: 30000, healthyProbes: 2 } }   # or failback: false
  metrics: { listen: 127.0.0.1:9101 }
  log: { level: info }
  Per-miner limits (v1.maxConnectionsPerIp, v1.idleTimeoutMs, v1.maxAuthorizes,
  v1.maxMessagesPerSecond, v1.maxMessageBurst) and the budget of the shared pool connection
  (upstream.maxMessagesPerSecond, upstream.maxMessageBurst) have safe defaults; see
  docs/pool-config.md, "Translator limits".

Signals: SIGTERM or SIGINT closes miners' connections and the pool connection, then exits 0.
`;

const command: Command = {
  help,
  async run(argv) {
    let values: {
      listen?: string;
      upstream?: string[];
      config?: string;
      chain?: string;
      mode?: string;
      'user-identity'?: string;
      'metrics-listen'?: string;
      'log-level'?: string;
      'failback-interval'?: string;
      'failback-probes'?: string;
    };
    try {
      ({ values } = parseArgs({
        args: argv,
        options: {
          listen: { type: 'string' },
          upstream: { type: 'string', multiple: true },
          config: { type: 'string' },
          chain: { type: 'string' },
          mode: { type: 'string' },
          'user-identity': { type: 'string' },
          'metrics-listen': { type: 'string' },
          'log-level': { type: 'string' },
          'failback-interval': { type: 'string' },
          'failback-probes': { type: 'string' },
        },
        allowPositionals: false,
        strict: true,
      }));
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    let cfg: TranslatorConfig;
    try {
      if (values.config) {
        cfg = loadTranslatorConfig(values.config);
      } else {
        if (!values.upstream?.length) throw new UsageError('--upstream URL (or --config FILE) is required');
        cfg = { ...TRANSLATOR_DEFAULTS };
      }
      if (values.upstream?.length)
        cfg.upstreams = values.upstream.map((u, i) => checkUpstreamUrl(u, `--upstream #${i + 1}`));
      if (values.listen) cfg.listen = checkHostPort(values.listen, '--listen');
      if (values.mode) cfg.mode = checkMode(values.mode, '--mode');
      if (values['user-identity']) cfg.userIdentity = values['user-identity'];
      const ml = values['metrics-listen'];
      if (ml) cfg.metricsListen = ml === 'off' ? null : checkHostPort(ml, '--metrics-listen');
      if (values.chain) {
        if (!isChain(values.chain)) throw new UsageError('--chain must be mainnet, testnet or dev');
        cfg.chain = values.chain;
      }
      if (values['log-level']) cfg.logLevel = checkLogLevel(values['log-level'], '--log-level');
      if (values['failback-interval'] !== undefined || values['failback-probes'] !== undefined) {
        const fb = cfg.failback === false ? {} : { ...(cfg.failback ?? FAILBACK_DEFAULTS) };
        const flagInt = (flag: string, text: string, min: number, max: number): number => {
          const n = Number(text);
          if (!/^\d+$/.test(text) || n < min || n > max)
            throw new UsageError(`--${flag} must be an integer ${min}..${max}, got '${text}'`);
          return n;
        };
        const interval = values['failback-interval'];
        const probes = values['failback-probes'];
        cfg.failback = parseFailback(
          {
            ...fb,
            ...(interval !== undefined && {
              probeIntervalMs: flagInt('failback-interval', interval, 0, 86_400_000),
            }),
            ...(probes !== undefined && { healthyProbes: flagInt('failback-probes', probes, 1, 1_000) }),
          },
          'failback',
        );
      }
    } catch (err) {
      if (err instanceof ConfigError) throw new UsageError(err.message);
      throw err;
    }
    const log = pino({ level: cfg.logLevel, base: { svc: 'ckb-pool-translate' } });
    const t = await startTranslator({
      listen: cfg.listen,
      upstreams: cfg.upstreams,
      chain: cfg.chain,
      mode: cfg.mode,
      userIdentity: cfg.userIdentity,
      failback: cfg.failback,
      metricsListen: cfg.metricsListen,
      maxLineBytes: cfg.maxLineBytes,
      maxConnections: cfg.maxConnections,
      limits: cfg.limits,
      dialectPorts: cfg.dialectPorts,
      vardiff: cfg.vardiff,
      processMetrics: true,
      log,
    });
    process.stderr.write(
      `ckb-pool translate: V1 miners connect to ${t.v1Url}` +
        (t.metricsUrl ? `; metrics on ${t.metricsUrl}/metrics\n` : '\n'),
    );
    for (const p of t.dialectPorts)
      process.stderr.write(`ckb-pool translate: ${p.dialect} miners (forced dialect) connect to ${p.url}\n`);
    return await new Promise<number>((resolve) => {
      const stop = () => {
        t.close().then(
          () => resolve(0),
          () => resolve(1),
        );
      };
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
    });
  },
};
export default command;
