import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { blockHash, epochParts, headerViewFromJson, nonceToBytes, powHash } from '../../ckb/header.js';
import { bytesToHex0x, toMinimalHex } from '../../ckb/hex.js';
import { JsonFieldError } from '../../ckb/molecule-json.js';
import { type Chain, isChain, powOutput } from '../../ckb/pow.js';
import { decodeCompact, meetsTarget, targetToBeHex, targetToDifficulty } from '../../ckb/target.js';
import { type Command, UsageError } from '../command.js';

const HELP = `Usage: ckb-pool header inspect FILE [--chain mainnet|testnet|dev]

Reads one block header in the node's JSON-RPC form and prints one JSON object describing it:
pow_hash (ckbhash of the 192-byte raw header, what miners hash), hash (ckbhash of the header
with its nonce), target and difficulty from compact_target, the PoW output of pow_hash and the
nonce, pow_valid (output ≤ target) and hash_matches (computed hash = the file's "hash", or
null when the file has none).

FILE     A JSON file, or - for standard input. It holds a header as get_tip_header /
         get_header return it (version, compact_target, timestamp, number, epoch,
         parent_hash, transactions_root, proposals_hash, extra_hash, dao, nonce, and an
         optional hash), or an object wrapping it as {"header": …} (a block), or a JSON-RPC
         response {"result": …} around either.

Options:
  --chain NAME   Which PoW the header is checked with (default: mainnet):
                 mainnet  Eaglesong(pow_hash ‖ nonce)
                 testnet  ckbhash(Eaglesong(pow_hash ‖ nonce)) (EaglesongBlake2b)
                 dev      Eaglesong, as our dev chains are configured
  -h, --help     Show this help.

Exit codes: 0 printed (whatever pow_valid says), 2 bad arguments or a malformed header (the
message names the field).`;

/** Unwraps `{result: …}` (JSON-RPC) and `{header: …}` (a block) around a header. */
function findHeader(json: unknown): { value: unknown; path: string } {
  let value = json;
  let path = 'header';
  const isObj = (v: unknown): v is Record<string, unknown> =>
    typeof v === 'object' && v !== null && !Array.isArray(v);
  if (isObj(value) && 'result' in value && !('version' in value)) {
    value = value.result;
    path = 'result';
  }
  if (isObj(value) && isObj(value.header)) {
    value = value.header;
    path = path === 'result' ? 'result.header' : 'header';
  }
  return { value, path };
}

export interface HeaderInspection {
  chain: Chain;
  number: string;
  epoch: { number: string; index: number; length: number };
  timestamp: string;
  timestamp_utc: string | null;
  compact_target: string;
  pow_hash: string;
  nonce: string;
  nonce_bytes: string;
  pow_output: string;
  target: string | null;
  difficulty: string | null;
  pow_valid: boolean;
  hash: string;
  hash_in_file: string | null;
  hash_matches: boolean | null;
}

/** Everything `header inspect` prints, for a parsed JSON document. Throws JsonFieldError. */
export function inspectHeader(json: unknown, chain: Chain): HeaderInspection {
  const { value, path } = findHeader(json);
  const { header, hash: fileHash } = headerViewFromJson(value, path);
  const ph = powHash(header);
  const nonce16 = nonceToBytes(header.nonce);
  const out = powOutput(chain, ph, nonce16);
  const { target, overflow } = decodeCompact(header.compactTarget);
  const targetOk = !overflow && target !== 0n;
  const hash = blockHash(header);
  const ep = epochParts(header.epoch);
  const ms = Number(header.timestamp);
  const date = new Date(ms);
  return {
    chain,
    number: header.number.toString(),
    epoch: { number: ep.number.toString(), index: ep.index, length: ep.length },
    timestamp: toMinimalHex(header.timestamp),
    timestamp_utc: Number.isSafeInteger(ms) && !Number.isNaN(date.getTime()) ? date.toISOString() : null,
    compact_target: toMinimalHex(header.compactTarget),
    pow_hash: bytesToHex0x(ph),
    nonce: toMinimalHex(header.nonce),
    nonce_bytes: bytesToHex0x(nonce16),
    pow_output: bytesToHex0x(out),
    target: targetOk ? `0x${targetToBeHex(target)}` : null,
    difficulty: targetOk ? targetToDifficulty(target).toString() : null,
    pow_valid: targetOk && meetsTarget(out, target),
    hash: bytesToHex0x(hash),
    hash_in_file: fileHash ? bytesToHex0x(fileHash) : null,
    hash_matches: fileHash ? bytesToHex0x(fileHash) === bytesToHex0x(hash) : null,
  };
}

function readInput(file: string): string {
  try {
    return readFileSync(file === '-' ? 0 : file, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read ${file === '-' ? 'standard input' : file}: ${(err as Error).message}`);
  }
}

async function inspect(argv: string[]): Promise<number> {
  const parse = () =>
    parseArgs({
      args: argv,
      options: { chain: { type: 'string', default: 'mainnet' } },
      allowPositionals: true,
    });
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse();
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const chain = parsed.values.chain;
  if (!isChain(chain)) throw new UsageError(`--chain must be mainnet, testnet or dev, got '${chain}'`);
  if (parsed.positionals.length !== 1)
    throw new UsageError('expected exactly one FILE (or - for standard input)');
  const file = parsed.positionals[0];
  let json: unknown;
  try {
    json = JSON.parse(readInput(file));
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError(
      `${file === '-' ? 'standard input' : file} is not valid JSON: ${(err as Error).message}`,
    );
  }
  let result: HeaderInspection;
  try {
    result = inspectHeader(json, chain);
  } catch (err) {
    if (err instanceof JsonFieldError || err instanceof RangeError) throw new UsageError(err.message);
    throw err;
  }
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  return 0;
}

const command: Command = {
  help: HELP,
  async run(argv) {
    const [sub, ...rest] = argv;
    if (sub === 'inspect') return inspect(rest);
    throw new UsageError(
      sub ? `unknown subcommand '${sub}' (expected: inspect)` : 'missing subcommand (expected: inspect)',
    );
  },
};
export default command;
