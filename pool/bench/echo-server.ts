/**
 * The baseline for the pool's share rate (pool.bench.ts): an SV2 server on the same Noise stack
 * that answers each share with a Success without looking at it, driven by the same client.
 */
import { createServer, type Server } from 'node:net';
import type { Sv2Connection } from '../src/sv2/connection.js';
import { acceptSv2 } from '../src/sv2/handshake-io.js';
import { EXTENSION_CKB } from '../src/sv2/messages/index.js';
import { EphemeralKeyPool, ServerIdentity } from '../src/sv2/noise/identity.js';
import { cpuSeconds } from './bench-util.js';
import { startLoad } from './load-driver.js';

/** The echo baseline: same Noise stack, every SubmitSharesCkb answered at once, unchecked. */
export async function startEcho(secret: Uint8Array): Promise<{ address: string; close(): Promise<void> }> {
  const identity = new ServerIdentity({ authoritySecret: secret, validitySeconds: 3600 });
  const ephemeralPool = new EphemeralKeyPool({ size: 64 });
  ephemeralPool.start();
  const conns = new Set<Sv2Connection>();
  let job = 1;
  const server: Server = createServer({ noDelay: true }, (socket) => {
    socket.on('error', () => {});
    acceptSv2(socket, { identity, ephemeralPool, handshakeTimeoutMs: 120_000 }).then(
      (conn) => {
        conns.add(conn);
        conn.on('close', () => conns.delete(conn));
        conn.on('message', (m) => {
          if (m.type === 'SetupConnection')
            conn.send({ type: 'SetupConnectionSuccess', usedVersion: 2, flags: 0 });
          else if (m.type === 'RequestExtensions')
            conn.send({
              type: 'RequestExtensionsSuccess',
              requestId: m.requestId,
              supportedExtensions: [EXTENSION_CKB],
            });
          else if (m.type === 'OpenStandardMiningChannel') {
            conn.send({
              type: 'OpenStandardMiningChannelSuccess',
              requestId: m.requestId,
              channelId: 2,
              target: new Uint8Array(32).fill(0xff),
              extranoncePrefix: Uint8Array.of(0, 0, 0, 1),
              groupChannelId: 1,
            });
            conn.send({
              type: 'NewCkbJob',
              channelId: 2,
              jobId: job++,
              cleanJobs: true,
              height: 1n,
              powHash: new Uint8Array(32),
              parentHash: new Uint8Array(32),
              compactTarget: 0x20010000,
            });
          } else if (m.type === 'SubmitSharesCkb') {
            conn.send({
              type: 'SubmitSharesSuccess',
              channelId: m.channelId,
              lastSequenceNumber: m.sequenceNumber,
              newSubmitsAcceptedCount: 1,
              newSharesSum: 1n,
            });
          }
        });
      },
      () => {},
    );
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    address: `127.0.0.1:${(server.address() as { port: number }).port}`,
    close: async () => {
      ephemeralPool.stop();
      for (const c of conns) c.close('local-close', 'done');
      await new Promise((r) => server.close(r));
    },
  };
}

/**
 * The same closed-loop share window as the pool's, through the echo server with a load process
 * of its own: the load process's `shares` event and this process's CPU over the window.
 */
export async function echoShares(
  secret: Uint8Array,
  authority: string,
  o: { connections: number; window: number; seconds: number },
): Promise<{ shares: Record<string, unknown>; cpuSeconds: number }> {
  const echo = await startEcho(secret);
  const loadEcho = startLoad();
  loadEcho.send({ cmd: 'connect', address: echo.address, authority, count: o.connections });
  await loadEcho.next('connected');
  const cpu1 = process.cpuUsage();
  loadEcho.send({ cmd: 'shares', connections: o.connections, window: o.window, seconds: o.seconds });
  const e = await loadEcho.next('shares');
  const cpuEcho = cpuSeconds(process.cpuUsage(cpu1));
  loadEcho.send({ cmd: 'close' });
  await loadEcho.next('closed');
  await echo.close();
  return { shares: e, cpuSeconds: cpuEcho };
}
