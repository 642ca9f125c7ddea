import { parentPort } from 'node:worker_threads';
import { eaglesongPowInto, powWordsToBytes, wordsToNonce } from '../ckb/eaglesong.js';
import { ckbhash } from '../ckb/hash.js';
import { meetsTarget, powWordsMeetTarget } from '../ckb/target.js';
import type { ToWorker } from './thread-protocol.js';

/**
 * One hashing thread: scans `count` nonces of the given work (the last nonce word counts up
 * from `nonceWords[3]`), posting every nonce that meets the target. Works in chunks and
 * yields to the event loop between them, so new work or a stop arrives within one chunk.
 */

const port = parentPort;
if (!port) throw new Error('worker.ts must run in a worker thread');

const CHUNK = 4096;
const REPORT_MS = 200;

let current: Extract<ToWorker, { type: 'work' }> | null = null;
let done = 0;
let hashesSinceReport = 0;
let lastReport = Date.now();
let scheduled = false;
const out = new Uint32Array(8);
const bytes = new Uint8Array(32);

function report(force = false): void {
  const now = Date.now();
  if (hashesSinceReport > 0 && (force || now - lastReport >= REPORT_MS)) {
    port?.postMessage({ type: 'hashes', count: hashesSinceReport });
    hashesSinceReport = 0;
    lastReport = now;
  }
}

function step(): void {
  scheduled = false;
  const w = current;
  if (!w) return;
  const words = w.nonceWords;
  const start = w.start >>> 0;
  const n = Math.min(CHUNK, w.count - done);
  const testnet = w.chain === 'testnet';
  for (let i = 0; i < n; i++) {
    words[3] = (start + done + i) >>> 0;
    eaglesongPowInto(w.midstate, words, out);
    const hit = testnet
      ? meetsTarget(ckbhash(powWordsToBytes(out, bytes)), w.target)
      : powWordsMeetTarget(out, w.targetWords);
    if (hit) port?.postMessage({ type: 'share', gen: w.gen, nonce: wordsToNonce(words) });
  }
  done += n;
  hashesSinceReport += n;
  report();
  if (done >= w.count) {
    report(true);
    port?.postMessage({ type: 'exhausted', gen: w.gen });
    current = null;
    return;
  }
  schedule();
}

function schedule(): void {
  if (scheduled) return;
  scheduled = true;
  setImmediate(step);
}

port.on('message', (m: ToWorker) => {
  if (m.type === 'work') {
    current = m;
    done = 0;
    schedule();
  } else if (m.type === 'idle') {
    report(true);
    current = null;
  } else if (m.type === 'exit') {
    report(true);
    current = null;
    port.close();
  }
});
