/**
 * The broadcast floor for a process tree: `processes` forked writers sharing one listening port
 * (node:cluster, as `ckb-pool serve` shares the SV2 port between its instances), each holding
 * the plain TCP sockets it accepted, and on each command one bare socket.write of a frame-sized
 * buffer to every one of them. No Noise, no SV2, no job: what any pool written on Node pays to
 * get one frame to every connection, measured with the same load process and the same clock
 * as the pool's own broadcast (serve-scale.ts), so the two p99s compare.
 *
 * Run as a script it is the tree's primary: JSON commands on stdin, JSON events on stdout.
 */
import cluster, { type Worker } from 'node:cluster';
import { createServer, type Socket } from 'node:net';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { type LoadDriver, startLoad } from './load-driver.js';
import { treeCpuSeconds } from './serve-tree.js';

export interface FloorRun {
  p50Ms: number;
  p99Ms: number;
  /** The writers' CPU for the writes (the tree's, from /proc). */
  writersCpuMs: number;
  /** The load process's CPU while the frames arrived. */
  clientCpuMs: number;
}

export interface BareWriteTree {
  processes: number;
  /** Sockets the writers hold (every one gets each write). */
  sockets: number;
  write(): Promise<FloorRun>;
  close(): Promise<void>;
}

const SCRIPT = fileURLToPath(import.meta.url);

/** Starts the writers and a load process of its own holding `count` sockets to them. */
export async function openBareWriteTree(
  processes: number,
  count: number,
  frameLength: number,
): Promise<BareWriteTree> {
  const tree = startLoad(SCRIPT, [String(processes), String(frameLength)]);
  let load: LoadDriver | null = null;
  try {
    const { port } = await tree.next('listening');
    load = startLoad();
    load.send({ cmd: 'rawConnect', address: `127.0.0.1:${port}`, count });
    await load.next('rawConnected');
    let sockets = 0;
    const end = Date.now() + 60_000;
    while (sockets < count && Date.now() < end) {
      await new Promise((r) => setTimeout(r, 200));
      tree.send({ cmd: 'count' });
      sockets = Number((await tree.next('count')).sockets);
    }
    const root = tree.child.pid as number;
    const client = load;
    return {
      processes,
      sockets,
      async write() {
        await new Promise((r) => setTimeout(r, 300));
        client.send({ cmd: 'watchRaw' });
        await client.next('watchingRaw');
        const cpu0 = treeCpuSeconds(root).seconds;
        const sentAt = performance.timeOrigin + performance.now();
        tree.send({ cmd: 'write' });
        const seen = await client.next('rawArrived');
        await tree.next('written');
        if (Number(seen.seen) < sockets)
          throw new Error(`bench: the bare write reached ${seen.seen} of ${sockets} sockets`);
        return {
          p50Ms: Number(seen.p50AtMs) - sentAt,
          p99Ms: Number(seen.p99AtMs) - sentAt,
          writersCpuMs: (treeCpuSeconds(root).seconds - cpu0) * 1000,
          clientCpuMs: Number(seen.clientCpuMs),
        };
      },
      async close() {
        client.child.kill('SIGKILL');
        tree.child.kill('SIGKILL');
      },
    };
  } catch (err) {
    load?.child.kill('SIGKILL');
    tree.child.kill('SIGKILL');
    throw err;
  }
}

function primaryMain(processes: number, frameLength: number): void {
  const out = (o: unknown) => process.stdout.write(`${JSON.stringify(o)}\n`);
  const workers: Worker[] = [];
  const ask = (cmd: string) =>
    Promise.all(
      workers.map(
        (w) =>
          new Promise<number>((resolve) => {
            w.once('message', (m: { n: number }) => resolve(m.n));
            w.send({ cmd });
          }),
      ),
    );
  cluster.setupPrimary({ exec: SCRIPT });
  let listening = 0;
  for (let i = 0; i < processes; i++) {
    const w = cluster.fork({ BENCH_FRAME_LENGTH: String(frameLength) });
    workers.push(w);
    w.on('listening', (a) => {
      if (++listening === processes) out({ ev: 'listening', port: a.port });
    });
  }
  createInterface({ input: process.stdin }).on('line', async (line) => {
    const cmd = (JSON.parse(line) as { cmd: string }).cmd;
    if (cmd === 'count') out({ ev: 'count', sockets: (await ask('count')).reduce((a, b) => a + b, 0) });
    if (cmd === 'write') out({ ev: 'written', writes: (await ask('write')).reduce((a, b) => a + b, 0) });
  });
}

function writerMain(frameLength: number): void {
  const sockets: Socket[] = [];
  const server = createServer({ noDelay: true }, (sock) => {
    sock.on('error', () => {});
    sockets.push(sock);
  });
  server.listen(0, '127.0.0.1');
  const frame = Buffer.alloc(frameLength, 7);
  process.on('message', (m: { cmd: string }) => {
    if (m.cmd === 'count') process.send?.({ n: sockets.length });
    if (m.cmd === 'write') {
      for (const sock of sockets) sock.write(frame);
      process.send?.({ n: sockets.length });
    }
  });
}

if (process.argv[1] === SCRIPT) {
  if (cluster.isPrimary) primaryMain(Number(process.argv[2]), Number(process.argv[3]));
  else writerMain(Number(process.env.BENCH_FRAME_LENGTH));
}
