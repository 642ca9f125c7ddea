import { type Chain, powOutput } from '../../src/ckb/pow.js';
import { compactToTarget, meetsTarget } from '../../src/ckb/target.js';
import { E2E_NET_COMPACT } from './harness.js';
import type { RawV1 } from './v1-raw.js';

/** The dev chain's network target in the end-to-end tests. */
const NET_TARGET = compactToTarget(E2E_NET_COMPACT);

/** An extranonce2 whose share meets `target` and is not a block (hex). */
function grind(
  chain: Chain,
  powHash: Uint8Array,
  en1: Uint8Array,
  en2Size: number,
  target: bigint,
  start: number,
) {
  const en2 = new Uint8Array(en2Size);
  const view = new DataView(en2.buffer);
  for (let i = start; ; i++) {
    view.setUint32(en2Size - 4, i);
    const out = powOutput(chain, powHash, new Uint8Array([...en1, ...en2]));
    if (meetsTarget(out, target) && !meetsTarget(out, NET_TARGET))
      return { en2: Buffer.from(en2).toString('hex'), next: i + 1 };
  }
}

let nextId = 1_000;
/** Where each connection's grinding goes on: a share is never sent twice. */
const grindFrom = new WeakMap<RawV1, number>();

/**
 * Submits shares from a raw V1 connection (subscribed as id 1, with work) until one gets the
 * pool's answer, and returns that answer: `true`, or the error the miner hears. Retries on a
 * newer job only when the share went stale between notify and submit.
 */
export async function submitShare(c: RawV1, user: string): Promise<true | unknown[]> {
  const sub = (await c.find((l) => l.id === 1)) as { result: [null, string, number] };
  await c.find((l) => l.method === 'mining.notify');
  await c.find((l) => l.method === 'mining.set_target');
  const latest = (method: string) =>
    [...c.lines].reverse().find((l) => l.method === method) as { params: [string, string] };
  const en1 = new Uint8Array(Buffer.from(sub.result[1], 'hex'));
  let start = grindFrom.get(c) ?? 0;
  for (let attempt = 0; attempt < 5; attempt++) {
    const notify = latest('mining.notify');
    const target = BigInt(`0x${latest('mining.set_target').params[0]}`);
    const powHash = new Uint8Array(Buffer.from(notify.params[1], 'hex'));
    const g = grind('dev', powHash, en1, sub.result[2], target, start);
    start = g.next;
    grindFrom.set(c, start);
    const id = nextId++;
    const from = c.lines.length;
    c.send(id, 'mining.submit', [user, notify.params[0], g.en2]);
    const r = (await c.find((l) => l.id === id, 10_000, from)) as { result: unknown; error: unknown[] };
    if (r.result === true) return true;
    if (r.error?.[0] !== 21) return r.error;
  }
  throw new Error('every share went stale');
}
