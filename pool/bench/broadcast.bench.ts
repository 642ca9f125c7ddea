/**
 * The per-connection cost of a new-tip broadcast against the bare-write floor, on the same
 * sockets in the same run. BENCH_BROADCAST_SOCKETS (default 3,000) loopback TCP connections to
 * a child process that only reads; on this side each socket is wrapped in an Sv2Connection
 * (transport keys made up: no handshake needed to seal and write). Each round sends one
 * NewCkbJob-sized frame to every connection, one way after another, and counts this process's
 * CPU until the writes' completions have run; medians of BENCH_ROUNDS rounds (default 7):
 *
 * - `bareWrite`: socket.write of one ready-made frame-sized Buffer — the floor;
 * - `sealAndWrite`: Sv2Connection.sendFrame one connection after another (seal, write, seal…);
 * - `batched`: the pool's fan-out path — sendFrame inside an outbound batch (seal all, write all);
 * - `sealOnly`: the sealing alone, for scale.
 *
 * pool.bench.ts measures the whole pool (templates, sessions, the client decrypting) end to end;
 * this isolates what a connection costs, which that benchmark's noise hides.
 */
import { fork } from 'node:child_process';
import { createServer, connect as netConnect, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { Sv2Connection } from '../src/sv2/connection.js';
import { defaultAead } from '../src/sv2/noise/aead.js';
import type { TransportKeys } from '../src/sv2/noise/handshake.js';
import { CipherState } from '../src/sv2/noise/symmetric.js';
import { encryptedFrameLength, encryptFrameInto } from '../src/sv2/noise/transport.js';
import { outboundBatch } from '../src/sv2/outbound-batch.js';
import { JOB_FRAME } from './bench-util.js';

const SOCKETS = Number(process.env.BENCH_BROADCAST_SOCKETS ?? 3000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);

async function sink(port: number): Promise<void> {
  for (let i = 0; i < SOCKETS; i++) {
    const s = netConnect(port, '127.0.0.1');
    s.on('data', () => {});
    s.on('error', () => {});
    if (i % 200 === 199) await new Promise((r) => setTimeout(r, 5));
  }
  process.send?.('connected');
}

const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

async function main(): Promise<void> {
  const sockets: Socket[] = [];
  const server = createServer({ noDelay: true }, (s) => {
    s.on('error', () => {});
    sockets.push(s);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const child = fork(
    fileURLToPath(import.meta.url),
    ['sink', String((server.address() as { port: number }).port)],
    {
      execArgv: ['--import', 'tsx'],
    },
  );
  await new Promise((r) => child.once('message', r));
  while (sockets.length < SOCKETS) await new Promise((r) => setTimeout(r, 20));
  const aead = defaultAead();
  const conns = sockets.map((s, i) => {
    const keys = {
      send: new CipherState(new Uint8Array(32).fill(i & 0xff), aead),
      recv: new CipherState(new Uint8Array(32).fill(1), aead),
      handshakeHash: new Uint8Array(32),
    } as TransportKeys;
    return new Sv2Connection(s, 'responder', keys, {});
  });
  const frame = JOB_FRAME;
  const wireLength = encryptedFrameLength(frame.length);
  const ready = Buffer.alloc(wireLength, 7);
  const scratch = Buffer.alloc(wireLength);
  const sealer = new CipherState(new Uint8Array(32).fill(3), aead);
  const ways: Record<string, () => void> = {
    bareWrite: () => {
      for (const s of sockets) s.write(ready);
    },
    sealAndWrite: () => {
      for (const c of conns) c.sendFrame(frame);
    },
    batched: () =>
      outboundBatch.run(() => {
        for (const c of conns) c.sendFrame(frame);
      }),
    sealOnly: () => {
      for (let i = 0; i < conns.length; i++) encryptFrameInto(sealer, frame, scratch, 0);
    },
  };
  const runs: Record<string, number[]> = Object.fromEntries(Object.keys(ways).map((k) => [k, []]));
  for (let r = 0; r < ROUNDS; r++) {
    for (const [name, way] of Object.entries(ways)) {
      await new Promise((res) => setTimeout(res, 150));
      const c0 = cpuMs();
      way();
      await new Promise((res) => setImmediate(res));
      runs[name]?.push(cpuMs() - c0);
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)] as number;
  const usPerConnection = (name: string) =>
    Math.round((median(runs[name] ?? []) / SOCKETS) * 1000 * 100) / 100;
  const floor = usPerConnection('bareWrite');
  const ratio = (name: string) => Math.round((usPerConnection(name) / floor) * 100) / 100;
  process.stdout.write(
    `${JSON.stringify({
      bench: 'broadcast',
      sockets: SOCKETS,
      rounds: ROUNDS,
      frameBytes: wireLength,
      usPerConnection: Object.fromEntries(Object.keys(ways).map((k) => [k, usPerConnection(k)])),
      batchedVsBareWrite: ratio('batched'),
      sealAndWriteVsBareWrite: ratio('sealAndWrite'),
      goalVsBareWrite: 2,
    })}\n`,
  );
  child.kill();
  process.exit(0);
}

if (process.argv[2] === 'sink') await sink(Number(process.argv[3]));
else await main();
