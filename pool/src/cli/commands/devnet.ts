import { parseArgs } from 'node:util';
import { bytesToHex0x } from '../../ckb/hex.js';
import {
  DEFAULT_DEVNET_COMPACT_TARGET,
  type Devnet,
  type DevnetOptions,
  startDevnet,
} from '../../devnet/index.js';
import { SECP256K1_BLAKE160_CODE_HASH } from '../../devnet/lock.js';
import { compactToTarget, type PowFunc } from '../../devnet/pow-check.js';
import { parseHostPort } from '../../net/address.js';
import { type Command, UsageError } from '../command.js';

const help = `Usage: ckb-pool devnet [options]

Runs a CKB dev chain in this process — what regtest is to bitcoind. It serves the node's
mining RPC (get_block_template, submit_block, get_tip_header, get_block, get_header_by_number,
get_blockchain_info, sync_state, local_node_info) over HTTP and 'subscribe new_tip_header' over
TCP, and judges submitted blocks as the node does (Eaglesong PoW against compact_target, strict
JSON, header fields against the block's contents). For development and tests only.
Runs until SIGINT or SIGTERM, then closes its ports and exits 0.

Options:
  --rpc HOST:PORT            HTTP JSON-RPC listen address (default 127.0.0.1:8114; port 0 = any free port)
  --subscribe HOST:PORT      TCP subscription listen address (default 127.0.0.1:18114; port 0 = any)
  --compact-target 0xHEX     difficulty of every block, CKB compact form (default 0x20010000 = the dev
                             chain's genesis difficulty, 256 hashes per block; 0x20ffffff ≈ 1 hash)
  --block-interval-ms N      other miners find a block every N ms (default 0 = only submitted blocks)
  --seed N                   seed of the deterministic secp256k1-blake160 payout lock (default 0)
  --lock-args 0xHEX          pay templates to the secp256k1-blake160 lock with these 20-byte args instead
  --pow eaglesong|eaglesong-blake2b
                             PoW function (default eaglesong, as mainnet; eaglesong-blake2b = testnet)
  --epoch-length N           blocks per epoch (default 10)
  --cellbase-maturity N      epochs before a cellbase output may be spent (default 4, the node's);
                             with --epoch-length 2 --cellbase-maturity 1 the first reward is
                             spendable at block 14
  --forks reject|accept      a solved block whose parent is not the tip: refuse it with -3 (default) or
                             keep it as a fork block as the node does (the longest chain wins)
  --notify URL               POST each new template to URL, like [block_assembler] notify (repeatable)
  -h, --help                 show this help
`;

function parseAddress(value: string, flag: string): { host: string; port: number } {
  try {
    return parseHostPort(value);
  } catch {
    throw new UsageError(`${flag} expects HOST:PORT, got "${value}"`);
  }
}

function parseInteger(value: string, flag: string, min: number, max: number): number {
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
    throw new UsageError(`${flag} expects an integer from ${min} to ${max}, got "${value}"`);
  }
  return Number(value);
}

/** Parses the command line into startDevnet options (exported for tests). */
export function devnetOptions(argv: string[]): DevnetOptions {
  let values: ReturnType<typeof parse>['values'];
  function parse() {
    return parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        rpc: { type: 'string', default: '127.0.0.1:8114' },
        subscribe: { type: 'string', default: '127.0.0.1:18114' },
        'compact-target': { type: 'string' },
        'block-interval-ms': { type: 'string', default: '0' },
        seed: { type: 'string', default: '0' },
        'lock-args': { type: 'string' },
        pow: { type: 'string', default: 'eaglesong' },
        'epoch-length': { type: 'string', default: '10' },
        'cellbase-maturity': { type: 'string', default: '4' },
        forks: { type: 'string', default: 'reject' },
        notify: { type: 'string', multiple: true },
      },
    });
  }
  try {
    ({ values } = parse());
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const rpc = parseAddress(values.rpc!, '--rpc');
  const sub = parseAddress(values.subscribe!, '--subscribe');
  let compactTarget = DEFAULT_DEVNET_COMPACT_TARGET;
  const ct = values['compact-target'];
  if (ct !== undefined) {
    if (!/^0x[0-9a-fA-F]{1,8}$/.test(ct))
      throw new UsageError(`--compact-target expects 0x + up to 8 hex digits, got "${ct}"`);
    compactTarget = Number.parseInt(ct.slice(2), 16);
    const [target, overflow] = compactToTarget(compactTarget);
    if (overflow || target === 0n) {
      throw new UsageError(`--compact-target ${ct} is not a valid CKB target (zero or exponent above 32)`);
    }
  }
  if (values.pow !== 'eaglesong' && values.pow !== 'eaglesong-blake2b') {
    throw new UsageError(`--pow expects eaglesong or eaglesong-blake2b, got "${values.pow}"`);
  }
  if (values.forks !== 'reject' && values.forks !== 'accept') {
    throw new UsageError(`--forks expects reject or accept, got "${values.forks}"`);
  }
  if (!/^\d+$/.test(values.seed!))
    throw new UsageError(`--seed expects a non-negative integer, got "${values.seed}"`);
  const lockArgs = values['lock-args'];
  if (lockArgs !== undefined && !/^0x[0-9a-f]{40}$/.test(lockArgs)) {
    throw new UsageError(`--lock-args expects 0x + 40 lowercase hex digits (20 bytes), got "${lockArgs}"`);
  }
  for (const url of values.notify ?? []) {
    if (!/^https?:\/\//.test(url)) throw new UsageError(`--notify expects an http(s) URL, got "${url}"`);
  }
  return {
    rpcHost: rpc.host,
    rpcPort: rpc.port,
    subscribeHost: sub.host,
    subscribePort: sub.port,
    compactTarget,
    blockIntervalMs: parseInteger(values['block-interval-ms']!, '--block-interval-ms', 0, 86_400_000),
    seed: BigInt(values.seed!),
    lockScript: lockArgs
      ? {
          code_hash: bytesToHex0x(SECP256K1_BLAKE160_CODE_HASH),
          hash_type: 'type',
          args: lockArgs,
        }
      : undefined,
    pow: values.pow as PowFunc,
    epochLength: parseInteger(values['epoch-length']!, '--epoch-length', 1, 65535),
    cellbaseMaturity: {
      number: BigInt(parseInteger(values['cellbase-maturity']!, '--cellbase-maturity', 0, 1000)),
      index: 0,
      length: 1,
    },
    forks: values.forks,
    notifyUrls: values.notify,
  };
}

/** Starts the chain, prints where it listens, and resolves when `signal` fires and all is closed. */
export async function runDevnet(
  options: DevnetOptions,
  signal: AbortSignal,
  print: (line: string) => void,
): Promise<void> {
  let devnet: Devnet;
  try {
    devnet = await startDevnet(options);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'EADDRINUSE' || e.code === 'EACCES' || e.code === 'EADDRNOTAVAIL') {
      throw new UsageError(`cannot listen: ${e.message}`, 1);
    }
    throw err;
  }
  print(`rpc:        ${devnet.rpcUrl}`);
  print(`subscribe:  ${devnet.subscribeAddress}`);
  print(`compact_target: 0x${(options.compactTarget ?? DEFAULT_DEVNET_COMPACT_TARGET).toString(16)}`);
  print(`payout lock: ${JSON.stringify(devnet.lock)}`);
  if (options.blockIntervalMs) print(`other miners: a block every ${options.blockIntervalMs} ms`);
  print(`tip: #${BigInt(devnet.tip().number)} ${devnet.tip().hash}`);
  devnet.chain.onTip((b) => print(`tip: #${b.block.header.number} ${b.hashHex}`));
  await new Promise<void>((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
  await devnet.close();
  print('closed');
}

const command: Command = {
  help,
  async run(argv) {
    const options = devnetOptions(argv);
    const ac = new AbortController();
    const stop = () => ac.abort();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    try {
      await runDevnet(options, ac.signal, (line) => process.stdout.write(`${line}\n`));
    } finally {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
    }
    return 0;
  },
};
export default command;
