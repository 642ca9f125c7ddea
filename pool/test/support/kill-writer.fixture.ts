/**
 * Child process for the kill -9 test in ledger.test.ts: records one share every 2 ms and prints
 * `ack <n>` after each (the point where the pool would acknowledge it), writes one pending block
 * after 50 shares, and runs until it is killed.
 */
import { Ledger } from '../../src/ledger/ledger.js';

const [path, interval] = process.argv.slice(2);
const ledger = new Ledger(path as string, { flushIntervalMs: Number(interval) });
let n = 0;
const timer = setInterval(() => {
  n += 1;
  ledger.recordShare({ worker: `w${n % 3}`, difficulty: 10 + (n % 7), timeMs: Date.now(), height: 1 });
  process.stdout.write(`ack ${n}\n`);
  if (n === 50) {
    const { id } = ledger.addPendingBlock(
      {
        height: 1,
        hash: `0x${'ab'.repeat(32)}`,
        powHash: `0x${'01'.repeat(32)}`,
        parentHash: `0x${'02'.repeat(32)}`,
        nonce: '0x1',
        worker: 'w2',
        foundAtMs: Date.now(),
        networkDifficulty: 100,
        shareDifficulty: 12,
        workId: '7',
        blockJson: '{}',
      },
      200,
    );
    process.stdout.write(`block ${id}\n`);
  }
}, 2);
timer.ref();
