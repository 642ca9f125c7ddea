import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { JdNodeView } from '../jd/node-view.js';
import type { Sv2Connection } from '../sv2/connection.js';
import { encodeFrameHeader } from '../sv2/frame.js';
import { connectSv2 } from '../sv2/handshake-io.js';
import {
  EXTENSION_CKB,
  JD_SETUP_DECLARE_TX_DATA,
  PROTOCOL_JOB_DECLARATION,
  type Sv2Message,
} from '../sv2/messages/index.js';
import { EphemeralKeyPool, ServerIdentity } from '../sv2/noise/identity.js';
import { authorityPublicFromSecret, generateAuthorityKeypair } from '../sv2/noise/keys.js';
import { parseConfig } from './config.js';
import { DeclaredWork } from './declared-work.js';
import { type JdListener, startJdListener } from './jd-listener.js';

const secret = generateAuthorityKeypair().secret;
const LOCK = { codeHash: `0x${'9b'.repeat(32)}`, hashType: 'type', args: `0x${'11'.repeat(20)}` } as const;
const listeners: JdListener[] = [];
const conns: Sv2Connection[] = [];

afterEach(async () => {
  for (const c of conns.splice(0)) c.close();
  await Promise.all(listeners.splice(0).map((l) => l.close()));
});

async function listener(
  jd: Record<string, unknown> = {},
  view: JdNodeView = { nowMs: () => BigInt(Date.now()) } as JdNodeView,
): Promise<JdListener> {
  const config = parseConfig({
    chain: 'dev',
    node: { rpcUrl: 'http://127.0.0.1:1', payoutLock: LOCK },
    sv2: { authorityKeyFile: '/x' },
    jd: { listen: '127.0.0.1:0', ...jd },
  });
  const l = await startJdListener({
    config,
    identity: new ServerIdentity({ authoritySecret: secret }),
    ephemeralPool: new EphemeralKeyPool({ size: 2 }),
    // Only the flood test declares a job, to a node that never answers.
    view,
    work: new DeclaredWork(() => 1, 100),
    payoutLock: LOCK,
    onSolution: () => {},
    log: pino({ level: 'silent' }),
  });
  listeners.push(l);
  return l;
}

async function dial(l: JdListener): Promise<{ conn: Sv2Connection; inbox: Sv2Message[] }> {
  const conn = await connectSv2({
    host: '127.0.0.1',
    port: l.port,
    authorityPubkey: authorityPublicFromSecret(secret),
  });
  conns.push(conn);
  const inbox: Sv2Message[] = [];
  conn.on('message', (m) => inbox.push(m));
  return { conn, inbox };
}

const setup = (flags: number): Sv2Message => ({
  type: 'SetupConnection',
  protocol: PROTOCOL_JOB_DECLARATION,
  minVersion: 2,
  maxVersion: 2,
  flags,
  endpointHost: '',
  endpointPort: 0,
  vendor: 'test',
  hardwareVersion: '',
  firmware: '',
  deviceId: '',
});

const declaration: Sv2Message = {
  type: 'DeclareCkbMiningJob',
  requestId: 1,
  miningJobToken: new Uint8Array(8),
  version: 0,
  compactTarget: 0,
  timestamp: 0n,
  number: 1n,
  epoch: 0n,
  parentHash: new Uint8Array(32),
  dao: new Uint8Array(32),
  cellbase: new Uint8Array(0),
  txHashList: [],
  witnessHashList: [],
  proposals: new Uint8Array(0),
  uncles: new Uint8Array(4),
  extension: new Uint8Array(0),
};

async function waitFor(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 20));
  expect(cond()).toBe(true);
}

/** Sets a connection up and allocates a token: the JDS answers it. */
async function allocates(c: { conn: Sv2Connection; inbox: Sv2Message[] }): Promise<Uint8Array> {
  c.conn.send(setup(JD_SETUP_DECLARE_TX_DATA));
  c.conn.send({ type: 'RequestExtensions', requestId: 1, requestedExtensions: [EXTENSION_CKB] });
  c.conn.send({ type: 'AllocateMiningJobToken', userIdentifier: 'u', requestId: 7 });
  await waitFor(() => c.inbox.some((m) => m.type === 'AllocateMiningJobTokenSuccess'));
  const ok = c.inbox.find((m) => m.type === 'AllocateMiningJobTokenSuccess');
  return ok?.type === 'AllocateMiningJobTokenSuccess' ? ok.miningJobToken : new Uint8Array(0);
}

describe('the JD listener', () => {
  it('speaks Noise with the authority key and answers a JD client', async () => {
    const l = await listener();
    expect(await allocates(await dial(l))).toHaveLength(8);
    expect(l.connections).toBe(1);
  });

  it('refuses a client that will not send transaction data, and closes it', async () => {
    const l = await listener();
    const c = await dial(l);
    c.conn.send(setup(0));
    await waitFor(() => c.conn.closeInfo !== null);
    expect(c.inbox).toEqual([
      { type: 'SetupConnectionError', flags: 1, errorCode: 'declare-tx-data-required' },
    ]);
  });

  it('closes only the connection that sent a malformed frame', async () => {
    const l = await listener();
    const good = await dial(l);
    const bad = await dial(l);
    await allocates(bad);
    // AllocateMiningJobToken (0x50) whose payload ends inside its first field.
    const header = encodeFrameHeader({ extensionType: 0, channelMsg: false, msgType: 0x50, msgLength: 1 });
    bad.conn.sendFrame(Uint8Array.of(...header, 9));
    await waitFor(() => bad.conn.closeInfo !== null);
    expect(await allocates(good)).toHaveLength(8);
    await waitFor(() => l.connections === 1);
  });

  it('closes a connection that keeps sending while its declaration waits for the node', async () => {
    const hanging = {
      nowMs: () => BigInt(Date.now()),
      parent: () => new Promise(() => {}),
    } as unknown as JdNodeView;
    const l = await listener({ parentWaitMs: 0 }, hanging);
    const c = await dial(l);
    const token = await allocates(c);
    c.conn.send({ ...declaration, miningJobToken: token });
    for (let i = 0; i < 80; i++)
      c.conn.send({ type: 'AllocateMiningJobToken', userIdentifier: 'u', requestId: 100 + i });
    await waitFor(() => c.conn.closeInfo !== null);
    expect(c.inbox.filter((m) => m.type === 'AllocateMiningJobTokenSuccess')).toHaveLength(1);
  });

  it('caps connections from one address before any handshake work', async () => {
    const l = await listener({ maxConnectionsPerIp: 2 });
    await dial(l);
    await dial(l);
    await expect(dial(l)).rejects.toThrow();
  });

  it('takes frames far above the mining listener’s 16 KB (a block’s transactions)', async () => {
    const l = await listener();
    const c = await dial(l);
    await allocates(c);
    c.conn.send({
      type: 'ProvideMissingTransactionsSuccess',
      requestId: 99, // nothing was asked: the JDS ignores it, but the frame must pass
      transactionList: [new Uint8Array(500_000)],
    });
    c.conn.send({ type: 'AllocateMiningJobToken', userIdentifier: 'u', requestId: 8 });
    await waitFor(() => c.inbox.some((m) => m.type === 'AllocateMiningJobTokenSuccess' && m.requestId === 8));
    expect(c.conn.closeInfo).toBeNull();
  });
});
