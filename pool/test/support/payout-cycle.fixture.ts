/**
 * Child process for the payout crash tests (payouts/crash.test.ts): opens the SQLite ledger,
 * runs one payout cycle against the dev chain and prints its result as one JSON line. With
 * CKB_POOL_PAYOUT_CRASH_AT set, the payer kills this process with SIGKILL at that step.
 */
import pino from 'pino';
import { Registry } from 'prom-client';
import { CkbRpcClient } from '../../src/ckb/rpc.js';
import { Ledger } from '../../src/ledger/ledger.js';
import { openPayoutService } from '../../src/payouts/service.js';

const [ledgerPath, settingsJson] = process.argv.slice(2);
const s = JSON.parse(settingsJson as string);
const ledger = new Ledger(ledgerPath as string, { flushIntervalMs: 0 });
const rpc = new CkbRpcClient(s.rpcUrl, { timeoutMs: 5000 });
const service = await openPayoutService(
  { ...s, thresholdShannons: BigInt(s.thresholdShannons), maxFeeRate: BigInt(s.maxFeeRate) },
  {
    rpc,
    ledger,
    log: pino({ level: 'warn' }, process.stderr),
    registry: new Registry(),
    crashAt: process.env.CKB_POOL_PAYOUT_CRASH_AT ?? null,
  },
);
const run = await service.cycle();
ledger.close();
process.stdout.write(`${JSON.stringify(run, (_k, v) => (typeof v === 'bigint' ? v.toString() : v))}\n`);
