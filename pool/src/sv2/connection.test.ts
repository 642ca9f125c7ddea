import { createServer, connect as netConnect, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ByteBudget } from './byte-budget.js';
import { type Sv2CloseInfo, type Sv2Connection, Sv2ConnectionError } from './connection.js';
import { encodeFrame } from './frame.js';
import { type AcceptOptions, acceptSv2, connectSv2, connectSv2Url } from './handshake-io.js';
import { encodeMessage, type Sv2Message } from './messages/index.js';
import { ACT2_SIZE, NoiseInitiator } from './noise/handshake.js';
import { EphemeralKeyPool, ServerIdentity } from './noise/identity.js';
import { encodeAuthorityPubkey, formatPoolUrl, generateAuthorityKeypair } from './noise/keys.js';
import { defaultBackend } from './noise/secp.js';
import { encryptFrame } from './noise/transport.js';
import { outboundBatch } from './outbound-batch.js';
import { TokenBucket } from './rate-limit.js';

const backend = defaultBackend();
const authority = generateAuthorityKeypair();
const identity = new ServerIdentity({ authoritySecret: authority.secret, backend });
const authorityText = encodeAuthorityPubkey(authority.publicXonly);

const SETUP: Sv2Message = {
  type: 'SetupConnection',
  protocol: 0,
  minVersion: 2,
  maxVersion: 2,
  flags: 0,
  endpointHost: '127.0.0.1',
  endpointPort: 3336,
  vendor: 'ckb-pool-test',
  hardwareVersion: '',
  firmware: '',
  deviceId: 'unit',
};

interface TestServer {
  port: number;
  server: Server;
  /** Each accepted socket's outcome: a connection or the reason it failed. */
  outcomes: Promise<Sv2Connection | Sv2CloseReasonOnly>[];
  close(): Promise<void>;
}
interface Sv2CloseReasonOnly {
  failed: string;
}

async function startServer(opts: Partial<AcceptOptions> = {}): Promise<TestServer> {
  const outcomes: TestServer['outcomes'] = [];
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    outcomes.push(
      acceptSv2(socket, { identity, backend, handshakeTimeoutMs: 2000, ...opts }).catch(
        (e: Sv2ConnectionError) => ({
          failed: e.reason,
        }),
      ),
    );
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    server,
    outcomes,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

async function waitFor<T>(f: () => T | undefined, ms = 3000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = f();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error('waitFor timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** The server side of the n-th accepted connection (which must have succeeded). */
async function serverSide(srv: TestServer, n: number): Promise<Sv2Connection> {
  const outcome = await waitFor(() => srv.outcomes[n]);
  const conn = await outcome;
  if ('failed' in conn) throw new Error(`server side failed: ${conn.failed}`);
  return conn;
}

function nextMessage(conn: Sv2Connection): Promise<Sv2Message> {
  return new Promise((resolve, reject) => {
    conn.once('message', (m) => resolve(m));
    conn.once('close', (i) => reject(new Error(`closed: ${i.reason}`)));
  });
}

async function failureOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(Sv2ConnectionError);
    return (e as Sv2ConnectionError).reason;
  }
  return 'no failure';
}

/** A raw TCP client; resolves when the server closes it (with what the server sent). */
function rawClient(port: number, send: Uint8Array | null): { socket: Socket; ended: Promise<Buffer> } {
  const socket = netConnect({ host: '127.0.0.1', port });
  const got: Buffer[] = [];
  socket.on('data', (d) => got.push(d));
  socket.on('error', () => {});
  if (send) socket.on('connect', () => socket.write(send));
  const ended = new Promise<Buffer>((r) => socket.on('close', () => r(Buffer.concat(got))));
  return { socket, ended };
}

/** Counts a socket's writes until restored. */
function countWrites(socket: Sv2Connection['socket']): { readonly count: number; restore(): void } {
  const realWrite = socket.write;
  const counter = { count: 0, restore: () => (socket.write = realWrite) };
  socket.write = ((...args: Parameters<typeof socket.write>) => {
    counter.count++;
    return realWrite.apply(socket, args);
  }) as typeof socket.write;
  return counter;
}

describe('SV2 connections over TCP (ours ↔ ours)', () => {
  let srv: TestServer;
  let healthy: Sv2Connection;
  let healthyServerSide: Sv2Connection;

  beforeAll(async () => {
    srv = await startServer({
      ephemeralPool: new EphemeralKeyPool({ backend, size: 4 }),
      maxPayload: 100_000,
    });
    healthy = await connectSv2({
      host: '127.0.0.1',
      port: srv.port,
      authorityPubkey: authorityText,
      backend,
    });
    const first = await waitFor(() => srv.outcomes[0]);
    healthyServerSide = (await first) as Sv2Connection;
  });
  afterAll(async () => {
    healthy?.close();
    await srv?.close();
  });

  /** A new connection to the shared server: the client and the server's side of it. */
  async function freshPair(): Promise<{ client: Sv2Connection; server: Sv2Connection }> {
    const n = srv.outcomes.length;
    const client = await connectSv2({
      host: '127.0.0.1',
      port: srv.port,
      authorityPubkey: authorityText,
      backend,
    });
    return { client, server: await serverSide(srv, n) };
  }

  it('handshakes and carries messages both ways', async () => {
    expect(healthy.server?.serverStaticXonly).toEqual(identity.staticKey.xonly);
    expect(healthy.handshakeHash).toEqual(healthyServerSide.handshakeHash);
    const got = nextMessage(healthyServerSide);
    healthy.send(SETUP);
    const m = await got;
    expect(m).toMatchObject({ type: 'SetupConnection', vendor: 'ckb-pool-test', deviceId: 'unit' });
    const back = nextMessage(healthy);
    healthyServerSide.send({ type: 'SetupConnectionSuccess', usedVersion: 2, flags: 0 });
    expect(await back).toEqual({ type: 'SetupConnectionSuccess', usedVersion: 2, flags: 0 });
  });

  it('completes a handshake and a frame that arrive a few bytes at a time', async () => {
    const n = srv.outcomes.length;
    const initiator = new NoiseInitiator({ authorityPubkey: authority.publicXonly, backend });
    const socket = netConnect({ host: '127.0.0.1', port: srv.port });
    socket.setNoDelay(true);
    await new Promise<void>((r) => socket.once('connect', () => r()));
    const dribble = async (bytes: Uint8Array) => {
      for (let i = 0; i < bytes.length; i += 7) {
        socket.write(bytes.subarray(i, i + 7));
        await new Promise((r) => setTimeout(r, 1));
      }
    };
    const act2 = new Promise<Buffer>((resolve) => {
      const parts: Buffer[] = [];
      socket.on('data', (d) => {
        parts.push(d);
        const all = Buffer.concat(parts);
        if (all.length >= ACT2_SIZE) resolve(all);
      });
    });
    await dribble(initiator.writeAct1());
    const { transport } = initiator.readAct2(new Uint8Array(await act2));
    const server = await serverSide(srv, n);
    const got = nextMessage(server);
    await dribble(
      encryptFrame(transport.send, encodeMessage({ ...SETUP, deviceId: 'dribble' } as Sv2Message)),
    );
    expect(await got).toMatchObject({ deviceId: 'dribble' });
    socket.destroy();
  });

  it('dials a stratum2+tcp:// URL', async () => {
    const url = formatPoolUrl({ host: '127.0.0.1', port: srv.port, authorityPubkey: authority.publicXonly });
    const c = await connectSv2Url(url, { backend });
    expect(c.server?.serverStaticXonly).toEqual(identity.staticKey.xonly);
    c.close();
    expect((await c.closed).reason).toBe('local-close');
  });

  it('carries a payload larger than one Noise message (several AEAD chunks)', async () => {
    const payload = new Uint8Array(70_000).map((_, i) => i & 0xff);
    const got = nextMessage(healthyServerSide);
    healthy.sendFrame(encodeFrame({ extensionType: 0x4000, channelMsg: false, msgType: 7, payload }));
    const m = await got;
    expect(m.type).toBe('Unknown');
    // Compared as one buffer: an element-wise deep equal of 70 kB is needlessly slow.
    expect(m.type === 'Unknown' && Buffer.compare(m.payload, payload)).toBe(0);
  });

  it('keeps nonce order and every byte when broadcast frames and messages interleave in a burst', async () => {
    // Thousands of writes in one turn: most queue behind a full socket buffer, so a wire buffer
    // reused before its write completes would show up here as a failed tag or a wrong job.
    const count = 3000;
    const got: Sv2Message[] = [];
    const all = new Promise<void>((resolve) => {
      const on = (m: Sv2Message) => {
        got.push(m);
        if (got.length === count) {
          healthy.off('message', on);
          resolve();
        }
      };
      healthy.on('message', on);
    });
    const job = (i: number): Sv2Message => ({
      type: 'NewCkbJob',
      channelId: 1 + (i % 5),
      jobId: i,
      cleanJobs: i % 3 === 0,
      height: BigInt(i),
      powHash: new Uint8Array(32).fill(i & 0xff),
      parentHash: new Uint8Array(32).fill((i * 7) & 0xff),
      compactTarget: 0x1d00ffff,
    });
    const shared = encodeMessage(job(0));
    // The reader pauses and large frames go first, so the kernel's buffers fill and the burst
    // is queued in the socket (checked below) rather than written through at once.
    healthy.socket.pause();
    const filler = encodeFrame({
      extensionType: 0x4000,
      channelMsg: false,
      msgType: 7,
      payload: new Uint8Array(60_000),
    });
    const fillers = 100;
    for (let i = 0; i < fillers; i++) healthyServerSide.sendFrame(filler);
    for (let i = fillers; i < count; i++) {
      if (i % 3 === 0) healthyServerSide.sendFrame(shared);
      else if (i % 3 === 1) healthyServerSide.sendFrame(encodeMessage(job(i)));
      else healthyServerSide.send(job(i));
    }
    expect(healthyServerSide.socket.writableLength).toBeGreaterThan(100_000);
    healthy.socket.resume();
    await all;
    got.forEach((m, i) => {
      if (i < fillers) expect(m.type).toBe('Unknown');
      else expect(m).toEqual(i % 3 === 0 ? job(0) : job(i));
    });
    expect(healthy.closeInfo).toBeNull();
  });

  it('holds writes while a fan-out batch is open, in send order, one write per connection', async () => {
    const job = (i: number): Sv2Message => ({
      type: 'NewCkbJob',
      channelId: i,
      jobId: i,
      cleanJobs: false,
      height: BigInt(i),
      powHash: new Uint8Array(32).fill(i),
      parentHash: new Uint8Array(32),
      compactTarget: 0x1d00ffff,
    });
    const got: Sv2Message[] = [];
    const all = new Promise<void>((resolve) => {
      const on = (m: Sv2Message) => {
        got.push(m);
        if (got.length === 5) {
          healthy.off('message', on);
          resolve();
        }
      };
      healthy.on('message', on);
    });
    const writes = countWrites(healthyServerSide.socket);
    try {
      healthyServerSide.send(job(1));
      expect(writes.count).toBe(1);
      outboundBatch.run(() => {
        healthyServerSide.sendFrame(encodeMessage(job(2)));
        healthyServerSide.send(job(3));
        healthyServerSide.sendFrame(encodeMessage(job(4)));
        expect(writes.count).toBe(1);
      });
      // Three sealed frames, one write.
      expect(writes.count).toBe(2);
      healthyServerSide.send(job(5));
      expect(writes.count).toBe(3);
    } finally {
      writes.restore();
    }
    await all;
    expect(got).toEqual([1, 2, 3, 4, 5].map(job));
  });

  it.each([
    ['locally', 'local-close'],
    ['for a protocol reason (an error answer, then rate-limit)', 'rate-limit'],
  ] as const)('sends what a batch held before closing %s inside the batch', async (_, reason) => {
    const { client, server } = await freshPair();
    const got = nextMessage(client);
    outboundBatch.run(() => {
      server.send({ type: 'SetupConnectionSuccess', usedVersion: 2, flags: 7 });
      server.close(reason, 'bye');
    });
    expect(await got).toEqual({ type: 'SetupConnectionSuccess', usedVersion: 2, flags: 7 });
    expect((await client.closed).reason).toBe('peer-closed');
  });

  it('answers the messages of one read with one write, in order', async () => {
    const { client, server } = await freshPair();
    server.on('message', (m: Sv2Message) => {
      if (m.type === 'SetupConnectionSuccess') server.send({ ...m, flags: m.flags + 100 });
    });
    const writes = countWrites(server.socket);
    const got: number[] = [];
    const three = new Promise<void>((resolve) =>
      client.on('message', (m: Sv2Message) => {
        if (m.type === 'SetupConnectionSuccess' && got.push(m.flags) === 3) resolve();
      }),
    );
    // Three frames in one client write arrive in one read on loopback.
    outboundBatch.run(() => {
      for (const flags of [1, 2, 3]) client.send({ type: 'SetupConnectionSuccess', usedVersion: 2, flags });
    });
    await three;
    writes.restore();
    expect(got).toEqual([101, 102, 103]);
    expect(writes.count).toBe(1);
    client.close();
  });

  it('delivers messages to an async iterator', async () => {
    const it = healthyServerSide[Symbol.asyncIterator]();
    healthy.send({ ...SETUP, deviceId: 'a' } as Sv2Message);
    healthy.send({ ...SETUP, deviceId: 'b' } as Sv2Message);
    const a = await it.next();
    const b = await it.next();
    await it.return?.();
    expect([a.value, b.value].map((m) => (m as { deviceId: string }).deviceId)).toEqual(['a', 'b']);
  });

  it('names garbage instead of act 1 (a Stratum V1 miner) bad-act1', async () => {
    const n = srv.outcomes.length;
    const line = '{"id":1,"method":"mining.subscribe","params":["cgminer/4.10.0"]}\n';
    const { ended } = rawClient(srv.port, new TextEncoder().encode(line));
    const answer = await ended;
    expect(answer.length).toBe(0);
    expect(await await waitFor(() => srv.outcomes[n])).toEqual({ failed: 'bad-act1' });
  });

  it('names a short text line bad-act1 at once, without waiting for the timeout', async () => {
    const n = srv.outcomes.length;
    const t0 = Date.now();
    const { ended } = rawClient(srv.port, new TextEncoder().encode('GET / HTTP/1.0\r\nHost: pool\r\n'));
    await ended;
    expect(await await waitFor(() => srv.outcomes[n])).toEqual({ failed: 'bad-act1' });
    expect(Date.now() - t0).toBeLessThan(1500);
  });

  it('names 64 random-looking bytes followed by more bad-act1', async () => {
    const n = srv.outcomes.length;
    const { ended } = rawClient(
      srv.port,
      new Uint8Array(100).map((_, i) => (i * 37 + 128) & 0xff),
    );
    await ended;
    expect(await await waitFor(() => srv.outcomes[n])).toEqual({ failed: 'bad-act1' });
  });

  it('closes a client that stalls mid-handshake with handshake-timeout', async () => {
    const stall = await startServer({ handshakeTimeoutMs: 150 });
    try {
      const { ended } = rawClient(stall.port, new Uint8Array(30).fill(0x99));
      await ended;
      expect(await await waitFor(() => stall.outcomes[0])).toEqual({ failed: 'handshake-timeout' });
    } finally {
      await stall.close();
    }
  });

  it('gives up on a server that never answers act 1 (handshake-timeout)', async () => {
    const silent = createServer(() => {});
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const port = (silent.address() as { port: number }).port;
    try {
      const reason = await failureOf(
        connectSv2({ host: '127.0.0.1', port, authorityPubkey: authorityText, timeoutMs: 150, backend }),
      );
      expect(reason).toBe('handshake-timeout');
    } finally {
      silent.close();
    }
  });

  it('refuses a certificate from another authority (wrong-authority)', async () => {
    const other = encodeAuthorityPubkey(generateAuthorityKeypair().publicXonly);
    const reason = await failureOf(
      connectSv2({ host: '127.0.0.1', port: srv.port, authorityPubkey: other, backend }),
    );
    expect(reason).toBe('wrong-authority');
  });

  it('refuses an expired certificate (certificate-expired)', async () => {
    const longAgo = Date.now() / 1000 - 7200;
    const old = new ServerIdentity({
      authoritySecret: authority.secret,
      backend,
      validitySeconds: 600,
      now: () => longAgo,
    });
    const s = await startServer({
      identity: { staticKey: old.staticKey, certificate: old.current().certificate },
    });
    try {
      const reason = await failureOf(
        connectSv2({ host: '127.0.0.1', port: s.port, authorityPubkey: authorityText, backend }),
      );
      expect(reason).toBe('certificate-expired');
    } finally {
      await s.close();
    }
  });

  it('refuses a tampered act 2 (bad-act2)', async () => {
    // A man in the middle that flips one bit of the certificate ciphertext.
    const mitm = createServer((client) => {
      const up = netConnect({ host: '127.0.0.1', port: srv.port });
      let seen = 0;
      up.on('data', (d) => {
        const b = Buffer.from(d);
        if (seen < 234 && seen + b.length > 200) b[200 - seen] ^= 0x01;
        seen += b.length;
        client.write(b);
      });
      client.on('data', (d) => up.write(d));
      client.on('close', () => up.destroy());
      up.on('close', () => client.destroy());
      client.on('error', () => {});
      up.on('error', () => {});
    });
    await new Promise<void>((r) => mitm.listen(0, '127.0.0.1', r));
    const port = (mitm.address() as { port: number }).port;
    try {
      const reason = await failureOf(
        connectSv2({ host: '127.0.0.1', port, authorityPubkey: authorityText, backend }),
      );
      expect(reason).toBe('bad-act2');
    } finally {
      mitm.close();
    }
  });

  it('closes on a forged transport message (aead-failure)', async () => {
    const { client: c, server: s } = await freshPair();
    c.socket.write(new Uint8Array(22).fill(7));
    const info: Sv2CloseInfo = await s.closed;
    expect(info.reason).toBe('aead-failure');
    expect((await c.closed).reason).toBe('peer-closed');
  });

  it('closes when a frame announces more than maxPayload (frame-too-large)', async () => {
    const { client: c, server: s } = await freshPair();
    c.sendFrame(
      encodeFrame({ extensionType: 0x4000, channelMsg: false, msgType: 1, payload: new Uint8Array(100_001) }),
    );
    expect((await s.closed).reason).toBe('frame-too-large');
  });

  it('closes a silent connection with idle-timeout', async () => {
    const idle = await startServer({ idleTimeoutMs: 100 });
    try {
      const c = await connectSv2({
        host: '127.0.0.1',
        port: idle.port,
        authorityPubkey: authorityText,
        backend,
      });
      const s = await serverSide(idle, 0);
      expect((await s.closed).reason).toBe('idle-timeout');
      expect((await c.closed).reason).toBe('peer-closed');
    } finally {
      await idle.close();
    }
  });

  it('left the first connection working through all of the failures above', async () => {
    expect(healthy.closeInfo).toBeNull();
    const got = nextMessage(healthyServerSide);
    healthy.send({ ...SETUP, deviceId: 'still-here' } as Sv2Message);
    expect(await got).toMatchObject({ deviceId: 'still-here' });
  });

  it('reports connect-failed when nothing listens', async () => {
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as { port: number }).port;
    await new Promise<void>((r) => probe.close(() => r()));
    const reason = await failureOf(
      connectSv2({ host: '127.0.0.1', port, authorityPubkey: authorityText, backend }),
    );
    expect(reason).toBe('connect-failed');
  });
});

/** The ciphertext `c` would write for `frame`, captured instead of sent (to send it in pieces). */
function ciphertextOf(c: Sv2Connection, frame: Uint8Array): Uint8Array {
  const socket = c.socket as Socket & { write: unknown };
  const write = socket.write;
  let captured: Uint8Array = new Uint8Array(0);
  socket.write = (b: Uint8Array) => {
    captured = b;
    return true;
  };
  try {
    c.sendFrame(frame);
  } finally {
    socket.write = write;
  }
  return captured;
}

const BIG_FRAME = encodeFrame({
  extensionType: 0,
  channelMsg: false,
  msgType: 0x00,
  payload: new Uint8Array(4_000),
});

async function dial(port: number): Promise<Sv2Connection> {
  return connectSv2({ host: '127.0.0.1', port, authorityPubkey: authorityText, backend });
}

describe('SV2 connections hold a peer to its frames', () => {
  it('closes a connection whose frame does not complete within the deadline (frame-timeout)', async () => {
    const srv = await startServer({ frameTimeoutMs: 150 });
    try {
      const c = await dial(srv.port);
      const s = await serverSide(srv, 0);
      const ct = ciphertextOf(c, BIG_FRAME);
      const t0 = Date.now();
      c.socket.write(ct.subarray(0, 100));
      expect((await s.closed).reason).toBe('frame-timeout');
      expect(Date.now() - t0).toBeLessThan(1_000);
    } finally {
      await srv.close();
    }
  });

  it('keeps a connection whose frames complete, however they are split across reads', async () => {
    const srv = await startServer({ frameTimeoutMs: 150 });
    try {
      const c = await dial(srv.port);
      const s = await serverSide(srv, 0);
      let got = 0;
      s.on('message', () => got++);
      // Each write ends inside the next frame: a frame is always in progress, none is late.
      const frames = Array.from({ length: 8 }, () => ciphertextOf(c, encodeMessage(SETUP)));
      const stream = Buffer.concat(frames);
      const step = Math.ceil(stream.length / 16);
      for (let i = 0; i < stream.length; i += step) {
        c.socket.write(stream.subarray(i, i + step));
        await new Promise((r) => setTimeout(r, 40));
      }
      await waitFor(() => (got === 8 ? true : undefined));
      expect(s.closeInfo).toBeNull();
      c.close();
    } finally {
      await srv.close();
    }
  });

  it('lets only complete frames reset the idle timer, not trickled bytes (idle-timeout)', async () => {
    const srv = await startServer({ idleTimeoutMs: 300 });
    try {
      const c = await dial(srv.port);
      const s = await serverSide(srv, 0);
      const ct = ciphertextOf(c, BIG_FRAME);
      const t0 = Date.now();
      let i = 0;
      const drip = setInterval(() => c.socket.write(ct.subarray(i, ++i)), 30);
      try {
        expect((await s.closed).reason).toBe('idle-timeout');
      } finally {
        clearInterval(drip);
      }
      expect(Date.now() - t0).toBeLessThan(1_000);
    } finally {
      await srv.close();
    }
  });

  it('closes the connection that grows a partial frame past the shared budget (frame-memory), not the others', async () => {
    const budget = new ByteBudget(1_000);
    const srv = await startServer({ pendingFrameBytes: budget });
    try {
      const honest = await dial(srv.port);
      const honestSide = await serverSide(srv, 0);
      const hog = await dial(srv.port);
      const hogSide = await serverSide(srv, 1);
      const ct = ciphertextOf(hog, BIG_FRAME);
      hog.socket.write(ct.subarray(0, 600));
      await waitFor(() => (budget.total > 0 ? true : undefined));
      hog.socket.write(ct.subarray(600, 1_500));
      expect((await hogSide.closed).reason).toBe('frame-memory');
      expect(budget.total).toBe(0);
      const got = nextMessage(honestSide);
      honest.send(SETUP);
      expect(await got).toMatchObject({ type: 'SetupConnection' });
      honest.close();
    } finally {
      await srv.close();
    }
  });

  it('closes the connection that empties the bucket its IP shares (ip-rate-limit)', async () => {
    const shared = new TokenBucket(1, 3, performance.now());
    const srv = await startServer({ ipMessageRate: shared });
    try {
      const a = await dial(srv.port);
      const aSide = await serverSide(srv, 0);
      const b = await dial(srv.port);
      const bSide = await serverSide(srv, 1);
      const gotA = nextMessage(aSide);
      a.send(SETUP);
      await gotA;
      let n = 0;
      bSide.on('message', () => n++);
      b.send(SETUP);
      b.send(SETUP);
      b.send(SETUP);
      expect((await bSide.closed).reason).toBe('ip-rate-limit');
      // The third message found the shared bucket empty: nothing beyond it was delivered.
      expect(n).toBeLessThanOrEqual(2);
      a.close();
    } finally {
      await srv.close();
    }
  });
});
