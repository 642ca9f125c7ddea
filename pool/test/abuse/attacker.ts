import type { Socket } from 'node:net';
import { connect } from 'node:net';
import { eaglesongPow, powMidstate } from '../../src/ckb/eaglesong.js';
import { meetsTarget } from '../../src/ckb/target.js';
import type { Sv2Connection } from '../../src/sv2/connection.js';
import { encodeFrame } from '../../src/sv2/frame.js';
import { connectSv2 } from '../../src/sv2/handshake-io.js';
import { EXTENSION_CKB, type Sv2Message } from '../../src/sv2/messages/index.js';

/**
 * The attacker, run as its own process (`node --import tsx attacker.ts ATTACK JSON`) so its
 * CPU never counts against the honest miners' latency in the test process. It prints `READY`
 * once loaded and starts when a line arrives on stdin (so its start-up is not measured as part
 * of the attack); then one `RESULT {json}` line: what it sent and how the other side answered
 * or closed.
 */

type Counts = Record<string, number>;
const bump = (c: Counts, k: string, n = 1) => {
  c[k] = (c[k] ?? 0) + n;
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Sv2Target {
  address: string;
  authority: string;
  localAddress: string;
}

async function dial(t: Sv2Target): Promise<Sv2Connection> {
  const i = t.address.lastIndexOf(':');
  return connectSv2({
    host: t.address.slice(0, i),
    port: Number(t.address.slice(i + 1)),
    authorityPubkey: t.authority,
    localAddress: t.localAddress,
  });
}

const SETUP: Sv2Message = {
  type: 'SetupConnection',
  protocol: 0,
  minVersion: 2,
  maxVersion: 2,
  flags: 0,
  endpointHost: '127.0.0.1',
  endpointPort: 0,
  vendor: 'abuse',
  hardwareVersion: '',
  firmware: '',
  deviceId: '',
};

/** Connects, sets up and negotiates 0x4CCB; counts what the connection is told afterwards. */
async function ready(t: Sv2Target, seen: Counts): Promise<Sv2Connection> {
  const c = await dial(t);
  c.on('message', (m) => {
    bump(seen, m.type === 'OpenMiningChannelError' ? `error:${m.errorCode}` : m.type);
  });
  c.send(SETUP);
  c.send({ type: 'RequestExtensions', requestId: 1, requestedExtensions: [EXTENSION_CKB] });
  await new Promise<void>((resolve) => {
    const check = (m: Sv2Message) => {
      if (m.type === 'RequestExtensionsSuccess' || m.type === 'RequestExtensionsError') {
        c.off('message', check);
        resolve();
      }
    };
    c.on('message', check);
  });
  return c;
}

function closeReasons(conns: Sv2Connection[]): Counts {
  const out: Counts = {};
  for (const c of conns) bump(out, c.closeInfo?.reason ?? 'open');
  return out;
}

/**
 * Opens channels pipelined, `perConnection[i]` on connection i; names are one shared name or
 * a new one per channel. Holds them `holdMs` (idle), then closes.
 */
async function sv2Channels(
  o: Sv2Target & { perConnection: number[]; distinctNames: boolean; holdMs: number },
) {
  const seen: Counts = {};
  const conns = await Promise.all(o.perConnection.map(() => ready(o, seen)));
  let sent = 0;
  o.perConnection.forEach((n, ci) => {
    const c = conns[ci] as Sv2Connection;
    for (let i = 0; i < n; i++) {
      c.send({
        type: 'OpenStandardMiningChannel',
        requestId: i + 1,
        userIdentity: o.distinctNames ? `attacker.c${ci}w${i}` : 'attacker',
        nominalHashRate: 0,
        maxTarget: new Uint8Array(32).fill(0xff),
      });
      sent += 1;
    }
  });
  const answered = () =>
    (seen.OpenStandardMiningChannelSuccess ?? 0) +
    Object.entries(seen)
      .filter(([k]) => k.startsWith('error:'))
      .reduce((a, [, v]) => a + v, 0);
  const end = Date.now() + 30_000;
  while (answered() < sent && Date.now() < end && conns.some((c) => !c.closeInfo)) await sleep(20);
  const setTargetsBefore = seen.SetTarget ?? 0;
  await sleep(o.holdMs);
  const setTargetsWhileIdle = (seen.SetTarget ?? 0) - setTargetsBefore;
  const closes = closeReasons(conns);
  for (const c of conns) c.close('local-close', 'done');
  return { sent, seen, setTargetsWhileIdle, closes };
}

/** Each connection sends `perConnection` invalid shares at once (a flood). */
async function sv2Flood(o: Sv2Target & { connections: number; perConnection: number }) {
  const seen: Counts = {};
  const conns = await Promise.all(Array.from({ length: o.connections }, () => ready(o, seen)));
  let seq = 0;
  for (const c of conns) {
    for (let i = 0; i < o.perConnection && !c.closeInfo; i++) {
      c.send({
        type: 'SubmitSharesCkb',
        channelId: 999,
        sequenceNumber: ++seq,
        jobId: 1,
        nonceSuffix: new Uint8Array(12),
      });
    }
  }
  const end = Date.now() + 10_000;
  while (Date.now() < end && conns.some((c) => !c.closeInfo)) await sleep(50);
  const closes = closeReasons(conns);
  for (const c of conns) c.close('local-close', 'done');
  return { sent: seq, closes };
}

/** The ciphertext `c` would write for `frame`, captured instead of sent. */
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

/**
 * Each connection starts a large frame and sends only `bytes` of it; one more trickles a byte
 * every 200 ms. Waits (up to `waitMs`) for the pool to close them all.
 */
async function sv2Partial(o: Sv2Target & { connections: number; bytes: number; waitMs: number }) {
  const frame = encodeFrame({
    extensionType: 0,
    channelMsg: false,
    msgType: 0,
    payload: new Uint8Array(16_000),
  });
  const conns = await Promise.all(Array.from({ length: o.connections }, () => dial(o)));
  for (const c of conns) c.socket.write(ciphertextOf(c, frame).subarray(0, o.bytes));
  const trickler = await dial(o);
  const ct = ciphertextOf(trickler, frame);
  let i = 0;
  const drip = setInterval(() => {
    if (!trickler.closeInfo) trickler.socket.write(ct.subarray(i, ++i));
  }, 200);
  const all = [...conns, trickler];
  const t0 = Date.now();
  while (Date.now() - t0 < o.waitMs && all.some((c) => !c.closeInfo)) await sleep(50);
  clearInterval(drip);
  const closes = closeReasons(conns);
  const tricklerClosedAfterMs = trickler.closeInfo ? Date.now() - t0 : null;
  for (const c of all) c.close('local-close', 'done');
  return { closes, trickler: trickler.closeInfo?.reason ?? 'open', tricklerClosedAfterMs };
}

// ---- V1 ----------------------------------------------------------------------------------

interface V1Target {
  v1Url: string;
  localAddress: string;
}

class V1Conn {
  lines: Array<Record<string, unknown>> = [];
  closed = false;
  private buf = '';
  constructor(readonly socket: Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => {
      this.buf += d;
      for (let nl = this.buf.indexOf('\n'); nl >= 0; nl = this.buf.indexOf('\n')) {
        try {
          this.lines.push(JSON.parse(this.buf.slice(0, nl)) as Record<string, unknown>);
        } catch {
          this.lines.push({ raw: this.buf.slice(0, nl) });
        }
        this.buf = this.buf.slice(nl + 1);
      }
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      this.closed = true;
    });
  }
  static open(t: V1Target): Promise<V1Conn> {
    const u = new URL(t.v1Url);
    return new Promise((resolve, reject) => {
      const s = connect({ host: u.hostname, port: Number(u.port), localAddress: t.localAddress }, () =>
        resolve(new V1Conn(s)),
      );
      s.once('error', reject);
    });
  }
  send(id: number, method: string, params: unknown[]): void {
    if (!this.closed) this.socket.write(`${JSON.stringify({ id, method, params })}\n`);
  }
  async until(cond: () => boolean, ms: number): Promise<boolean> {
    const end = Date.now() + ms;
    while (!cond()) {
      if (Date.now() > end || this.closed) return cond();
      await sleep(10);
    }
    return true;
  }
  answers(): Counts {
    const out: Counts = {};
    for (const l of this.lines) {
      if (typeof l.id !== 'number') continue;
      bump(out, l.error ? `error:${(l.error as unknown[])[0]}` : 'ok');
    }
    return out;
  }
}

/** Subscribes and authorizes; resolves once a job and a target arrived. */
async function v1Mining(
  t: V1Target,
  user: string,
): Promise<{ c: V1Conn; en1: Uint8Array; job: string; powHash: string; target: bigint }> {
  const c = await V1Conn.open(t);
  c.send(1, 'mining.subscribe', ['abuse']);
  c.send(2, 'mining.authorize', [user, 'x']);
  await c.until(
    () =>
      c.lines.some((l) => l.method === 'mining.notify') &&
      c.lines.some((l) => l.method === 'mining.set_target'),
    10_000,
  );
  const sub = c.lines.find((l) => l.id === 1)?.result as [null, string, number];
  const notify = [...c.lines].reverse().find((l) => l.method === 'mining.notify')?.params as [string, string];
  const target = [...c.lines].reverse().find((l) => l.method === 'mining.set_target')?.params as [string];
  return {
    c,
    en1: new Uint8Array(Buffer.from(sub[1], 'hex')),
    job: notify[0],
    powHash: notify[1],
    target: BigInt(`0x${target[0]}`),
  };
}

/** One valid share submitted `count` times as fast as the socket takes it. */
async function v1Duplicates(o: V1Target & { count: number }) {
  const m = await v1Mining(o, 'attacker.dup');
  const mid = powMidstate(new Uint8Array(Buffer.from(m.powHash, 'hex')));
  const nonce = new Uint8Array(16);
  nonce.set(m.en1);
  const view = new DataView(nonce.buffer);
  for (let i = 1; ; i++) {
    view.setUint32(12, i);
    if (meetsTarget(eaglesongPow(mid, nonce), m.target)) break;
  }
  const en2 = Buffer.from(nonce.subarray(m.en1.length)).toString('hex');
  for (let i = 0; i < o.count && !m.c.closed; i++)
    m.c.send(100 + i, 'mining.submit', ['attacker.dup', m.job, en2]);
  await m.c.until(() => m.c.closed, 10_000);
  return { sent: o.count, answers: m.c.answers(), closed: m.c.closed };
}

/** `count` mining.authorize with a new name each, pipelined. */
async function v1AuthorizeChurn(o: V1Target & { count: number }) {
  const c = await V1Conn.open(o);
  c.send(1, 'mining.subscribe', ['abuse']);
  c.send(2, 'mining.extranonce.subscribe', []);
  await c.until(() => c.lines.some((l) => l.id === 1), 10_000);
  for (let i = 0; i < o.count && !c.closed; i++) c.send(10 + i, 'mining.authorize', [`churn${i}`, 'x']);
  await c.until(() => c.closed, 10_000);
  return { sent: o.count, answers: c.answers(), closed: c.closed };
}

/**
 * `perAddress` V1 connections from each of `localAddresses`, each subscribed, then held idle;
 * then one newcomer from `newcomerAddress`, which records what it is told. Waits (up to
 * `waitMs`) for the translator to close the idle ones.
 */
async function v1Fill(o: {
  v1Url: string;
  localAddresses: string[];
  perAddress: number;
  newcomerAddress: string;
  waitMs: number;
}) {
  const byAddress: Record<string, V1Conn[]> = {};
  for (const localAddress of o.localAddresses) {
    const conns: V1Conn[] = [];
    for (let i = 0; i < o.perAddress; i++) {
      const c = await V1Conn.open({ v1Url: o.v1Url, localAddress });
      c.send(1, 'mining.subscribe', ['idle']);
      conns.push(c);
    }
    byAddress[localAddress] = conns;
  }
  const newcomer = await V1Conn.open({ v1Url: o.v1Url, localAddress: o.newcomerAddress });
  await newcomer.until(() => newcomer.closed, 3_000);
  const all = Object.values(byAddress).flat();
  // Every admitted connection's subscribe is answered once the pool opened its channel.
  const settled = Date.now() + 10_000;
  while (Date.now() < settled && all.some((c) => !c.closed && !c.lines.some((l) => l.id === 1)))
    await sleep(50);
  const refusedLine = (c: V1Conn) =>
    c.lines.find((l) => l.id === null && l.error)?.error as unknown[] | undefined;
  const perAddress = Object.fromEntries(
    Object.entries(byAddress).map(([a, conns]) => [
      a,
      {
        attempted: conns.length,
        admitted: conns.filter((c) => c.lines.some((l) => l.id === 1 && !l.error)).length,
        refusals: [
          ...new Set(
            conns
              .map(refusedLine)
              .filter(Boolean)
              .map((e) => String(e?.[1])),
          ),
        ],
      },
    ]),
  );
  const t0 = Date.now();
  while (Date.now() - t0 < o.waitMs && all.some((c) => !c.closed)) await sleep(100);
  const openAtEnd = all.filter((c) => !c.closed).length;
  for (const c of all) c.socket.destroy();
  return {
    perAddress,
    newcomer: refusedLine(newcomer)?.[1] ?? null,
    openAtEnd,
    idleClosedAfterMs: Date.now() - t0,
  };
}

const attacks: Record<string, (o: never) => Promise<unknown>> = {
  'sv2-channels': sv2Channels,
  'sv2-flood': sv2Flood,
  'sv2-partial': sv2Partial,
  'v1-duplicates': v1Duplicates,
  'v1-authorize-churn': v1AuthorizeChurn,
  'v1-fill': v1Fill,
};

const [name, json] = process.argv.slice(2);
const attack = attacks[name ?? ''];
if (!attack) {
  process.stderr.write(`unknown attack '${name}'; known: ${Object.keys(attacks).join(', ')}\n`);
  process.exit(2);
}
process.stdout.write('READY\n');
await new Promise((r) => process.stdin.once('data', r));
process.stdin.pause();
attack(JSON.parse(json ?? '{}') as never).then(
  (r) => {
    process.stdout.write(`RESULT ${JSON.stringify(r)}\n`);
    process.exit(0);
  },
  (err: Error) => {
    process.stderr.write(`${err.stack ?? err.message}\n`);
    process.exit(1);
  },
);
