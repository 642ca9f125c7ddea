import { parseArgs } from 'node:util';
import pino from 'pino';
import { isChain } from '../../ckb/pow.js';
import { CkbRpcClient } from '../../ckb/rpc.js';
import { JdClient } from '../../jd-client/jd-client.js';
import { rpcJdcNode } from '../../jd-client/node.js';
import { parseHostPort } from '../../net/address.js';
import { readAuthorityKeyFile } from '../../sv2/noise/key-files.js';
import { generateAuthorityKeypair, parsePoolUrl } from '../../sv2/noise/keys.js';
import { startTranslator } from '../../translator/translator.js';
import { type Command, UsageError } from '../command.js';

const DEFAULT_LISTEN = '127.0.0.1:3340';

const help = `Usage: ckb-pool jd-client --node URL --pool stratum2+tcp://HOST:PORT/KEY --jds stratum2+tcp://HOST:PORT/KEY
                          --user ACCOUNT [options]

Job Declaration client (docs/job-declaration-ckb.md): mine blocks YOUR node builds, through a
pool. Templates come from your own CKB node (get_block_template); the cellbase pays the pool's
payout lock (the pool sends it with each job token), so rewards are shared as usual, but the
transactions are yours. Each template is declared to the pool's Job Declarator (--jds),
announced on your connection to the pool (--pool, SetCustomCkbMiningJob) and handed to your own
miners, whose shares go to the pool. A block is submitted through your node AND pushed to the
pool. When a declaration is refused (the reason is logged) your miners mine the pool's own jobs
and the next template is declared again.

Options:
  --node URL              Your CKB node's JSON-RPC (e.g. http://127.0.0.1:8114).
  --pool URL              The pool's SV2 mining URL with its authority key.
  --jds URL               The pool's JD URL (its jd.listen), same authority key.
  --user ACCOUNT          The pool account to credit (e.g. ckt1….rig); sent to the pool and JDS.
  --listen HOST:PORT      SV2 listener for your miners (default ${DEFAULT_LISTEN}).
  --authority-key FILE    Secret key file (ckb-pool keys generate) your miners pin; default: a
                          new key each start (the URL is printed).
  --v1-listen HOST:PORT   Also run the Stratum V1 translator here, pointed at this client, for
                          V1 miners (ASICs, GPU miners).
  --include-tx HASH       Commit this transaction whenever your node holds it, also when your
                          node's template leaves it out (repeat). A pending one is proposed
                          first (CKB commits only proposed transactions).
  --chain CHAIN           mainnet (default), testnet or dev: the PoW of the local share check.
  --poll-interval MS      get_block_template polling (default 1000).
  --log-level LEVEL       fatal, error, warn, info (default), debug, trace, silent.
  -h, --help              Show this help.

Signals: SIGTERM or SIGINT closes miners' connections, the pool and JDS connections, exits 0.
`;

function requireUrl(value: string | undefined, flag: string): string {
  if (!value) throw new UsageError(`${flag} URL is required`);
  try {
    parsePoolUrl(value);
  } catch (err) {
    throw new UsageError(`${flag}: ${(err as Error).message}`);
  }
  return value;
}

function hostPort(value: string, flag: string): { host: string; port: number } {
  try {
    return parseHostPort(value, flag);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

const command: Command = {
  help,
  async run(argv) {
    let values: Record<string, string | string[] | undefined>;
    try {
      ({ values } = parseArgs({
        args: argv,
        options: {
          node: { type: 'string' },
          pool: { type: 'string' },
          jds: { type: 'string' },
          user: { type: 'string' },
          listen: { type: 'string' },
          'authority-key': { type: 'string' },
          'v1-listen': { type: 'string' },
          'include-tx': { type: 'string', multiple: true },
          chain: { type: 'string' },
          'poll-interval': { type: 'string' },
          'log-level': { type: 'string' },
        },
        allowPositionals: false,
        strict: true,
      }));
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    const str = (k: string) => values[k] as string | undefined;
    const nodeUrl = str('node');
    if (!nodeUrl || !/^https?:\/\//.test(nodeUrl)) throw new UsageError('--node http(s)://… is required');
    const poolUrl = requireUrl(str('pool'), '--pool');
    const jdsUrl = requireUrl(str('jds'), '--jds');
    const user = str('user');
    if (!user) throw new UsageError('--user ACCOUNT is required');
    const chain = str('chain') ?? 'mainnet';
    if (!isChain(chain)) throw new UsageError('--chain must be mainnet, testnet or dev');
    const includeTx = (values['include-tx'] as string[] | undefined) ?? [];
    for (const h of includeTx)
      if (!/^0x[0-9a-fA-F]{64}$/.test(h))
        throw new UsageError(`--include-tx ${h}: expected a 0x-prefixed 32-byte hash`);
    const poll = Number(str('poll-interval') ?? 1000);
    if (!Number.isInteger(poll) || poll < 50) throw new UsageError('--poll-interval must be an integer ≥ 50');
    const keyFile = str('authority-key');
    let secret: Uint8Array;
    if (keyFile) {
      const k = readAuthorityKeyFile(keyFile);
      if (k.kind !== 'secret' || !k.secret)
        throw new UsageError(`--authority-key ${keyFile} is not a secret key file`);
      secret = k.secret;
    } else secret = generateAuthorityKeypair().secret;

    const log = pino({ level: str('log-level') ?? 'info', base: { svc: 'ckb-pool-jd-client' } });
    const jdc = new JdClient({
      node: rpcJdcNode(new CkbRpcClient(nodeUrl)),
      poolUrl,
      jdsUrl,
      userIdentity: user,
      policy: { includeTx },
      chain,
      listen: hostPort(str('listen') ?? DEFAULT_LISTEN, '--listen'),
      authoritySecret: secret,
      pollIntervalMs: poll,
      log,
    });
    await jdc.start();
    process.stderr.write(`ckb-pool jd-client: SV2 miners connect to ${jdc.minerUrl}\n`);
    const v1 = str('v1-listen');
    const translator = v1
      ? await startTranslator({
          listen: `${hostPort(v1, '--v1-listen').host}:${hostPort(v1, '--v1-listen').port}`,
          upstreams: [jdc.minerUrl],
          chain,
          userIdentity: user,
          metricsListen: null,
          log: log.child({ part: 'translator' }),
        })
      : null;
    if (translator) process.stderr.write(`ckb-pool jd-client: V1 miners connect to ${translator.v1Url}\n`);
    return await new Promise<number>((resolve) => {
      const stop = () => {
        Promise.all([translator?.close(), jdc.close()]).then(
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
