/**
 * The bench's load process (load-driver.ts starts it): SV2 clients over real TCP and Noise, and
 * plain sockets for the bare-write floor, driven by JSON commands on stdin, answering JSON events
 * on stdout. A process of its own so the clients never share a core's time with the pool they
 * measure.
 */
import { connect as netConnect, type Socket } from 'node:net';
import { createInterface } from 'node:readline';
import type { Sv2Connection } from '../src/sv2/connection.js';
import { connectSv2 } from '../src/sv2/handshake-io.js';
import { EXTENSION_CKB, type Sv2Message } from '../src/sv2/messages/index.js';
import { benchWorker } from './worker-names.js';

interface Client {
  conn: Sv2Connection;
  /** Channels this connection opened (a proxy opens many; all share one group channel). */
  channels: number;
  channelId: number;
  groupId: number;
  jobId: number;
  seq: number;
  counter: number;
  inflight: Array<{ seq: number; at: number }>;
  jobSeenAt: number;
}

async function loadMain(): Promise<void> {
  const clients: Client[] = [];
  const raw: Socket[] = [];
  const out = (o: unknown) => process.stdout.write(`${JSON.stringify(o)}\n`);
  const rl = createInterface({ input: process.stdin });
  let watchJob: ((c: Client) => void) | null = null;
  let watchRaw: ((i: number) => void) | null = null;
  let onAck: ((c: Client, last: number) => void) | null = null;

  const open = async (
    host: string,
    port: number,
    authority: string,
    index: number,
    channels: number,
  ): Promise<Client> => {
    const conn = await connectSv2({ host, port, authorityPubkey: authority, timeoutMs: 120_000 });
    let firstJobs = 0;
    const c: Client = {
      conn,
      channels,
      channelId: 0,
      groupId: 0,
      jobId: 0,
      seq: 0,
      counter: 0,
      inflight: [],
      jobSeenAt: 0,
    };
    let ready: () => void = () => {};
    const opened = new Promise<void>((r) => {
      ready = r;
    });
    conn.on('message', (m: Sv2Message) => {
      switch (m.type) {
        case 'SetupConnectionSuccess':
          conn.send({ type: 'RequestExtensions', requestId: 1, requestedExtensions: [EXTENSION_CKB] });
          break;
        case 'RequestExtensionsSuccess':
          for (let k = 0; k < channels; k++) {
            conn.send({
              type: 'OpenStandardMiningChannel',
              requestId: k + 1,
              userIdentity: benchWorker(`w${(index + k) % 100}`),
              nominalHashRate: 0,
              maxTarget: new Uint8Array(32).fill(0xff),
            });
          }
          break;
        case 'OpenStandardMiningChannelSuccess':
          if (!c.channelId) c.channelId = m.channelId;
          c.groupId = m.groupChannelId;
          break;
        case 'NewCkbJob':
          c.jobId = m.jobId;
          if (m.channelId !== c.groupId && !c.jobSeenAt) {
            // Each new channel gets its first job on its own id.
            firstJobs += 1;
            if (firstJobs === channels) {
              c.jobSeenAt = 1;
              ready();
            }
          } else if (m.channelId === c.groupId) {
            watchJob?.(c);
          }
          break;
        case 'SubmitSharesSuccess':
          onAck?.(c, m.lastSequenceNumber);
          break;
        default:
          break;
      }
    });
    conn.send({
      type: 'SetupConnection',
      protocol: 0,
      minVersion: 2,
      maxVersion: 2,
      flags: 0,
      endpointHost: host,
      endpointPort: port,
      vendor: 'bench',
      hardwareVersion: '',
      firmware: '',
      deviceId: '',
    });
    await opened;
    return c;
  };

  for await (const line of rl) {
    const cmd = JSON.parse(line) as Record<string, unknown>;
    if (cmd.cmd === 'connect') {
      const [host, portText] = String(cmd.address).split(':');
      const total = Number(cmd.count);
      const perConnection = Number(cmd.channels ?? 1);
      const t0 = performance.now();
      const concurrency = 64;
      let next = clients.length;
      const target = clients.length + total;
      const errors: string[] = [];
      await Promise.all(
        Array.from({ length: concurrency }, async () => {
          while (next < target) {
            const i = next++;
            try {
              clients.push(
                await open(host as string, Number(portText), String(cmd.authority), i, perConnection),
              );
            } catch (err) {
              errors.push((err as Error).message);
            }
          }
        }),
      );
      out({
        ev: 'connected',
        count: clients.length,
        seconds: (performance.now() - t0) / 1000,
        errors: errors.slice(0, 3),
        failed: errors.length,
      });
    } else if (cmd.cmd === 'rawConnect') {
      // Plain TCP (no Noise, no SV2) for the bare socket.write baseline of the broadcast.
      const [host, portText] = String(cmd.address).split(':');
      for (let i = 0; i < Number(cmd.count); i++) {
        const sock = netConnect(Number(portText), host as string);
        const index = raw.length;
        sock.on('data', () => watchRaw?.(index));
        sock.on('error', () => {});
        raw.push(sock);
        if (i % 256 === 255) await new Promise((r) => setTimeout(r, 5));
      }
      out({ ev: 'rawConnected', count: raw.length });
    } else if (cmd.cmd === 'watchRaw') {
      // When bytes first reached each raw socket (the bare-write tree's floor, bare-write-tree.ts).
      const arrivals = new Float64Array(raw.length);
      let seen = 0;
      const done = new Promise<void>((resolve) => {
        watchRaw = (i) => {
          if (arrivals[i] !== 0) return;
          arrivals[i] = performance.timeOrigin + performance.now();
          if (++seen === raw.length) resolve();
        };
      });
      const cpu0 = process.cpuUsage();
      out({ ev: 'watchingRaw' });
      await Promise.race([done, new Promise((r) => setTimeout(r, 60_000))]);
      const cpu = process.cpuUsage(cpu0);
      watchRaw = null;
      const times = [...arrivals].filter((t) => t > 0).sort((a, b) => a - b);
      out({ ev: 'rawArrived', seen, ...quantiles(times), clientCpuMs: (cpu.user + cpu.system) / 1000 });
    } else if (cmd.cmd === 'rawClose') {
      for (const sock of raw) sock.destroy();
      raw.length = 0;
      out({ ev: 'rawClosed' });
    } else if (cmd.cmd === 'watchJob') {
      // When each connection's group NewCkbJob reached this process, counted once per channel
      // it covers. Decrypting 10,000 jobs here, one thread, as they come would put each
      // connection behind every other one's decrypt (~20 µs each): a queue no miner has (it
      // decrypts its own job) that also takes the cores the pool is writing with. So the bytes
      // are held as they arrive, stamped, and decrypted once every connection has had some;
      // each job counts with the time its last bytes came, and only if it decrypts.
      const need = clients.length;
      const held = holdIncoming(clients);
      const arrivals: number[] = [];
      let seen = 0;
      let stamp: number | null = null;
      let resolveSeen: () => void = () => {};
      const allSeen = new Promise<void>((r) => {
        resolveSeen = r;
      });
      watchJob = (c) => {
        seen += 1;
        const at = stamp ?? performance.timeOrigin + performance.now();
        for (let k = 0; k < c.channels; k++) arrivals.push(at);
        if (seen === need) resolveSeen();
      };
      // The client's CPU while the jobs arrive: with the pool's, what the machine's cores must fit.
      const cpu0 = process.cpuUsage();
      out({ ev: 'watching' });
      const deadline = setTimeout(() => held.giveUp(), 60_000);
      await held.everyOne;
      const cpu = process.cpuUsage(cpu0);
      const cpu1 = process.cpuUsage();
      for (const item of held.release()) {
        stamp = item.at;
        item.deliver();
      }
      stamp = null;
      const decryptCpu = process.cpuUsage(cpu1);
      // A connection whose first bytes were something else waits for its job as it comes.
      await Promise.race([allSeen, new Promise((r) => setTimeout(r, seen === need ? 0 : 10_000))]);
      clearTimeout(deadline);
      watchJob = null;
      arrivals.sort((a, b) => a - b);
      out({
        ev: 'jobs',
        seen,
        need,
        channels: arrivals.length,
        ...quantiles(arrivals),
        lastAtMs: arrivals[arrivals.length - 1] ?? 0,
        clientCpuMs: (cpu.user + cpu.system) / 1000,
        decryptCpuMs: (decryptCpu.user + decryptCpu.system) / 1000,
      });
    } else if (cmd.cmd === 'shares') {
      const n = Math.min(Number(cmd.connections), clients.length);
      const window = Number(cmd.window);
      const seconds = Number(cmd.seconds);
      // rate > 0: open loop at that many shares/s (latency at a given load), else closed loop.
      const rate = Number(cmd.rate ?? 0);
      const active = clients.slice(0, n);
      const latencies: number[] = [];
      let acked = 0;
      let sent = 0;
      let stop = false;
      const send = (c: Client) => {
        c.seq += 1;
        c.counter += 1;
        const suffix = new Uint8Array(12);
        const v = new DataView(suffix.buffer);
        v.setUint32(8, c.counter);
        v.setUint32(4, Math.floor(c.counter / 2 ** 32));
        v.setUint32(0, c.seq === 1 ? 0 : (c.seq * 2654435761) >>> 0);
        c.inflight.push({ seq: c.seq, at: performance.now() });
        c.conn.send({
          type: 'SubmitSharesCkb',
          channelId: c.channelId,
          sequenceNumber: c.seq,
          jobId: c.jobId,
          nonceSuffix: suffix,
        });
        sent += 1;
      };
      onAck = (c, last) => {
        const now = performance.now();
        while (c.inflight.length > 0 && (c.inflight[0] as { seq: number }).seq <= last) {
          const s = c.inflight.shift() as { at: number };
          latencies.push(now - s.at);
          acked += 1;
          if (!stop && rate === 0) send(c);
        }
      };
      const t0 = performance.now();
      let pacer: NodeJS.Timeout | null = null;
      if (rate > 0) {
        let next = 0;
        pacer = setInterval(() => {
          // Catch up to where the schedule says we should be (timers run late under load).
          const due = Math.floor(((performance.now() - t0) / 1000) * rate);
          while (sent < due) send(active[next++ % active.length] as Client);
        }, 5);
      } else {
        for (const c of active) for (let i = 0; i < window; i++) send(c);
      }
      await new Promise((r) => setTimeout(r, seconds * 1000));
      stop = true;
      if (pacer) clearInterval(pacer);
      const elapsed = (performance.now() - t0) / 1000;
      await new Promise((r) => setTimeout(r, 500));
      onAck = null;
      for (const c of active) c.inflight.length = 0;
      latencies.sort((a, b) => a - b);
      const q = (p: number) =>
        latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? null;
      out({ ev: 'shares', sent, acked, seconds: elapsed, p50Ms: q(0.5), p99Ms: q(0.99) });
    } else if (cmd.cmd === 'close') {
      for (const c of clients) c.conn.close('local-close', 'bench done');
      clients.length = 0;
      out({ ev: 'closed' });
      if (cmd.exit === false) continue;
      rl.close();
      setTimeout(() => process.exit(0), 200).unref();
      return;
    }
  }
}

/** p50 and p99 of sorted times, as the events name them. */
function quantiles(sorted: number[]): { p50AtMs: number; p99AtMs: number } {
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  return { p50AtMs: at(0.5), p99AtMs: at(0.99) };
}

interface Held {
  /** Resolves once every connection has had bytes (or the watch gave up). */
  everyOne: Promise<void>;
  giveUp(): void;
  /** Stops holding; the held chunks in arrival order, each to hand to its connection. */
  release(): Array<{ at: number; deliver: () => void }>;
}

/**
 * Holds what arrives on each connection, stamped, instead of decrypting it: the connection's
 * own `onData` (the Noise and SV2 decoding) runs on release, in the order the bytes came.
 */
function holdIncoming(clients: Client[]): Held {
  const chunks: Array<{ at: number; c: Client; chunk: Uint8Array }> = [];
  const heard = new Set<Client>();
  let resolve: () => void = () => {};
  const everyOne = new Promise<void>((r) => {
    resolve = r;
  });
  if (clients.length === 0) resolve();
  for (const c of clients) {
    c.conn.onData = (chunk: Uint8Array) => {
      chunks.push({ at: performance.timeOrigin + performance.now(), c, chunk });
      heard.add(c);
      if (heard.size === clients.length) resolve();
    };
  }
  return {
    everyOne,
    giveUp: resolve,
    release() {
      for (const c of clients) Reflect.deleteProperty(c.conn, 'onData');
      return chunks.map(({ at, c, chunk }) => ({ at, deliver: () => c.conn.onData(chunk) }));
    },
  };
}

await loadMain();
