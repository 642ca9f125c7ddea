/**
 * `startDevnet`: a CKB dev chain in TypeScript — what regtest is to bitcoind. It serves the
 * node's mining RPC over HTTP, `subscribe` over TCP, optionally pushes templates to
 * block-assembler `notify` URLs, judges submitted blocks the way the node does (Eaglesong PoW
 * against compact_target, strict JSON, header/body consistency) and, with `blockIntervalMs`,
 * advances on its own as if other miners found blocks.
 */
import { randomBytes } from 'node:crypto';
import type { HeaderViewJson } from '../ckb/header.js';
import type { BlockTemplateJson, ScriptJson } from '../ckb/rpc-types.js';
import { DevChain, type StoredBlock } from './chain.js';
import { scriptToJson } from './codec.js';
import { decodeScript, type Script } from './json-decode.js';
import { devnetLock } from './lock.js';
import { grindNonce, type PowFunc } from './pow-check.js';
import { hostForUrl, startHttpRpc, startTcpRpc } from './servers.js';
import type { EpochFraction } from './tx-verify.js';

/** The dev chain spec's genesis difficulty (256 expected hashes per block). */
export const DEFAULT_DEVNET_COMPACT_TARGET = 0x20010000;

export interface DevnetOptions {
  /** Default 127.0.0.1. */
  rpcHost?: string;
  /** 0 = ephemeral. */
  rpcPort: number;
  /** Default: rpcHost. */
  subscribeHost?: string;
  /** Default 0 (ephemeral): the TCP subscription port always runs. */
  subscribePort?: number;
  compactTarget?: number;
  /** When set, "other miners" add a block every so many milliseconds. */
  blockIntervalMs?: number;
  /** Seed of the default payout lock (and of the other miners' lock). Default 0. */
  seed?: number | bigint;
  /** Lock paid by template cellbases (default: secp256k1-blake160 lock derived from seed). */
  lockScript?: ScriptJson | undefined;
  pow?: PowFunc;
  epochLength?: number | undefined;
  forks?: 'reject' | 'accept' | undefined;
  templateTransactions?: number | undefined;
  templateProposals?: number | undefined;
  /** URLs that get each new template POSTed, like `[block_assembler] notify`. */
  notifyUrls?: string[] | undefined;
  /** Clock (ms); tests may pin it. */
  now?: () => number;
  /** Epochs before a cellbase output may be spent (default 4, the node's). */
  cellbaseMaturity?: EpochFraction;
}

export interface Devnet {
  rpcUrl: string;
  /** `host:port` of the TCP subscription endpoint. */
  subscribeAddress: string;
  chain: DevChain;
  /** Lock the templates pay (JSON form). */
  lock: ScriptJson;
  /** Lock of the chain's own "other miners". */
  otherMinerLock: ScriptJson;
  tip(): HeaderViewJson;
  /** Mines `count` blocks as another miner would (not through the pool). */
  mine(count?: number): Promise<HeaderViewJson[]>;
  close(): Promise<void>;
}

const GRIND_CHUNK = 4096;

/** Grinds a block on the current tip with `lock`, yielding to the event loop between chunks. */
async function mineOne(
  chain: DevChain,
  lock: Script,
  signal: { stopped: boolean },
): Promise<StoredBlock | null> {
  for (;;) {
    if (signal.stopped) return null;
    const parent = chain.tip();
    const block = chain.buildBlock(lock, parent);
    let nonce = BigInt(`0x${randomBytes(16).toString('hex')}`);
    for (;;) {
      if (signal.stopped) return null;
      const found = grindNonce(block.header, chain.pow, nonce, GRIND_CHUNK);
      if (found !== null) {
        block.header.nonce = found;
        if (chain.tip() !== parent) break; // someone else extended the chain: start over
        return chain.accept(block);
      }
      nonce = (nonce + BigInt(GRIND_CHUNK)) & ((1n << 128n) - 1n);
      await new Promise((r) => setImmediate(r));
      if (chain.tip() !== parent) break;
    }
  }
}

export async function startDevnet(options: DevnetOptions): Promise<Devnet> {
  const seed = BigInt(options.seed ?? 0);
  const lock = options.lockScript ? decodeScript(options.lockScript, 'lockScript') : devnetLock(seed);
  const otherLock = devnetLock(seed + 1n);
  const chain = new DevChain({
    compactTarget: options.compactTarget ?? DEFAULT_DEVNET_COMPACT_TARGET,
    pow: options.pow ?? 'eaglesong',
    lock,
    epochLength: options.epochLength,
    forks: options.forks,
    templateTransactions: options.templateTransactions,
    templateProposals: options.templateProposals,
    now: options.now,
    cellbaseMaturity: options.cellbaseMaturity,
  });
  const rpcHost = options.rpcHost ?? '127.0.0.1';
  const subHost = options.subscribeHost ?? rpcHost;
  const identity = { nodeId: `QmDevnet${randomBytes(8).toString('hex')}`, rpcUrl: '' };
  const http = await startHttpRpc(chain, identity, rpcHost, options.rpcPort);
  const tcp = await startTcpRpc(chain, identity, subHost, options.subscribePort ?? 0).catch(async (err) => {
    await http.close();
    throw err;
  });
  const rpcUrl = `http://${hostForUrl(rpcHost)}:${http.port}/`;
  identity.rpcUrl = rpcUrl;

  const stop = { stopped: false };
  const pending = new Set<Promise<unknown>>();
  const track = <T>(p: Promise<T>): Promise<T> => {
    pending.add(p);
    p.finally(() => pending.delete(p)).catch(() => {});
    return p;
  };

  // Block-assembler notify: POST the new template after each tip change (the node also
  // re-sends on template refreshes; one push per tip is what pools rely on).
  let offTip: (() => void) | null = null;
  if (options.notifyUrls && options.notifyUrls.length > 0) {
    const urls = options.notifyUrls;
    const post = (t: BlockTemplateJson) => {
      const body = JSON.stringify(t);
      for (const url of urls) {
        track(
          fetch(url, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body,
            signal: AbortSignal.timeout(800),
          }).then((r) => r.arrayBuffer()),
        ).catch(() => {});
      }
    };
    offTip = chain.onTip(() => {
      if (!stop.stopped) post(chain.getBlockTemplate());
    });
  }

  let timer: NodeJS.Timeout | null = null;
  if (options.blockIntervalMs && options.blockIntervalMs > 0) {
    const interval = options.blockIntervalMs;
    const loop = () => {
      timer = setTimeout(() => {
        track(mineOne(chain, otherLock, stop))
          .catch(() => {})
          .finally(() => {
            if (!stop.stopped) loop();
          });
      }, interval);
    };
    loop();
  }

  return {
    rpcUrl,
    subscribeAddress: `${hostForUrl(subHost)}:${tcp.port}`,
    chain,
    lock: scriptToJson(lock),
    otherMinerLock: scriptToJson(otherLock),
    tip: () => chain.headerView(chain.tip()),
    async mine(count = 1) {
      const out: HeaderViewJson[] = [];
      for (let i = 0; i < count; i++) {
        const b = await track(mineOne(chain, otherLock, stop));
        if (!b) break;
        out.push(chain.headerView(b));
      }
      return out;
    },
    async close() {
      if (stop.stopped) return;
      stop.stopped = true;
      if (timer) clearTimeout(timer);
      offTip?.();
      await Promise.allSettled([...pending]);
      await Promise.all([http.close(), tcp.close()]);
    },
  };
}

export { DevChain } from './chain.js';
export { devnetAddress, devnetLock } from './lock.js';
export type { PowFunc } from './pow-check.js';
export type { EpochFraction } from './tx-verify.js';
