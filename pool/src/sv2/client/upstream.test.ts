import { createServer, type Server } from 'node:net';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { Sv2Connection } from '../connection.js';
import { acceptSv2 } from '../handshake-io.js';
import { encodeTlvs, type Sv2Message } from '../messages/index.js';
import { ServerIdentity } from '../noise/identity.js';
import { authorityPublicFromSecret, encodeAuthorityPubkey, generateAuthorityKeypair } from '../noise/keys.js';
import { type ShareVerdict, UpstreamClient } from './upstream.js';

/**
 * The upstream client against a scripted SV2 server (real TCP and Noise): share verdicts are
 * matched to sequence numbers exactly as the pool batches them.
 */

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function scriptedPool(onMessage: (m: Sv2Message, conn: Sv2Connection) => void) {
  const secret = generateAuthorityKeypair().secret;
  const identity = new ServerIdentity({ authoritySecret: secret, validitySeconds: 3600 });
  const conns: Sv2Connection[] = [];
  const server: Server = createServer((socket) => {
    acceptSv2(socket, { identity }).then(
      (conn) => {
        conns.push(conn);
        conn.on('message', (m) => onMessage(m, conn));
      },
      () => {},
    );
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  cleanups.push(
    () =>
      new Promise<void>((r) => {
        for (const c of conns) c.close('local-close', 'test done');
        server.close(() => r());
      }),
  );
  return {
    url: `stratum2+tcp://127.0.0.1:${port}/${encodeAuthorityPubkey(authorityPublicFromSecret(secret))}`,
    conns,
  };
}

async function until(cond: () => boolean, ms = 5_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Answers setup, extensions and channel opens like the pool. */
function basics(m: Sv2Message, conn: Sv2Connection): boolean {
  if (m.type === 'SetupConnection') conn.send({ type: 'SetupConnectionSuccess', usedVersion: 2, flags: 0 });
  else if (m.type === 'RequestExtensions')
    conn.send({ type: 'RequestExtensionsSuccess', requestId: m.requestId, supportedExtensions: [0x4ccb] });
  else if (m.type === 'OpenExtendedMiningChannel')
    conn.send({
      type: 'OpenExtendedMiningChannelSuccess',
      requestId: m.requestId,
      channelId: 7,
      target: new Uint8Array(32).fill(0xff),
      extranonceSize: 12,
      extranoncePrefix: Uint8Array.of(0, 0, 0, 9),
      groupChannelId: 1,
    });
  else return false;
  return true;
}

async function connected(url: string, workerHashrate?: boolean): Promise<UpstreamClient> {
  const up = new UpstreamClient({
    urls: [url],
    vendor: 'test',
    ...(workerHashrate !== undefined && { workerHashrate }),
    log: pino({ level: 'silent' }),
    backoffMinMs: 20,
  });
  cleanups.push(() => up.close());
  const ready = new Promise<void>((r) => up.once('up', () => r()));
  up.start();
  await ready;
  return up;
}

describe('upstream SV2 client', () => {
  it('resolves each share with its own verdict when the pool batches successes around an error', async () => {
    const seen: number[] = [];
    const pool = await scriptedPool((m, conn) => {
      if (basics(m, conn) || m.type !== 'SubmitSharesCkb') return;
      seen.push(m.sequenceNumber);
      if (m.sequenceNumber === 2) {
        conn.send({
          type: 'SubmitSharesError',
          channelId: 7,
          sequenceNumber: 2,
          errorCode: 'difficulty-too-low',
        });
      }
      if (m.sequenceNumber === 3) {
        conn.send({
          type: 'SubmitSharesSuccess',
          channelId: 7,
          lastSequenceNumber: 3,
          newSubmitsAcceptedCount: 2,
          newSharesSum: 2n,
        });
      }
    });
    const up = await connected(pool.url);
    const ch = await up.openChannel('extended', 'a.b');
    expect(ch).toMatchObject({
      channelId: 7,
      extranonceSize: 12,
      extranoncePrefix: Uint8Array.of(0, 0, 0, 9),
    });
    const verdicts: Promise<ShareVerdict>[] = [1, 2, 3, 4].map((i) =>
      up.submit(ch.epoch, ch.channelId, 1, new Uint8Array(12).fill(i)),
    );
    const first3 = await Promise.all(verdicts.slice(0, 3));
    expect(first3).toEqual([{ ok: true }, { ok: false, code: 'difficulty-too-low' }, { ok: true }]);
    expect(seen).toEqual([1, 2, 3, 4]);
    // Share 4 has no answer yet; when the connection drops it is reported lost, never accepted.
    for (const c of pool.conns) c.close('local-close', 'pool gone');
    expect(await verdicts[3]).toEqual({ ok: false, code: 'upstream-lost' });
  });

  it('refuses shares for a channel of an earlier connection', async () => {
    const pool = await scriptedPool((m, conn) => {
      basics(m, conn);
    });
    const up = await connected(pool.url);
    const ch = await up.openChannel('extended', 'a.b');
    expect(await up.submit(ch.epoch + 1, ch.channelId, 1, new Uint8Array(12))).toEqual({
      ok: false,
      code: 'upstream-lost',
    });
  });

  describe('extension 0x0002', () => {
    /** A pool that answers RequestExtensions with `answer` and records requests and share tails. */
    async function poolAnswering(
      answer: (requested: number[]) => Sv2Message,
    ): Promise<{ url: string; requests: number[][]; tails: Array<Uint8Array | undefined> }> {
      const requests: number[][] = [];
      const tails: Array<Uint8Array | undefined> = [];
      const pool = await scriptedPool((m, conn) => {
        if (m.type === 'RequestExtensions') {
          requests.push(m.requestedExtensions);
          conn.send(answer(m.requestedExtensions));
          return;
        }
        if (basics(m, conn) || m.type !== 'SubmitSharesCkb') return;
        tails.push(m.tlv);
        conn.send({
          type: 'SubmitSharesSuccess',
          channelId: m.channelId,
          lastSequenceNumber: m.sequenceNumber,
          newSubmitsAcceptedCount: 1,
          newSharesSum: 1n,
        });
      });
      return { url: pool.url, requests, tails };
    }
    const success = (supported: number[]) => (requested: number[]) =>
      ({
        type: 'RequestExtensionsSuccess',
        requestId: 0,
        supportedExtensions: requested.filter((e) => supported.includes(e)),
      }) as const;
    const tail = encodeTlvs([{ extensionType: 2, fieldType: 1, value: new TextEncoder().encode('rig7') }]);

    it('is requested with 0x4CCB and carries the TLV on shares when the pool supports it', async () => {
      const pool = await poolAnswering(success([0x4ccb, 0x0002]));
      const up = await connected(pool.url, true);
      expect(up.workerHashrate).toBe(true);
      const ch = await up.openChannel('extended', 'alice.proxy');
      expect(await up.submit(ch.epoch, ch.channelId, 1, new Uint8Array(12), tail)).toEqual({ ok: true });
      expect(await up.submit(ch.epoch, ch.channelId, 1, new Uint8Array(12).fill(1))).toEqual({ ok: true });
      expect(pool.requests).toEqual([[0x4ccb, 0x0002]]);
      expect(pool.tails).toEqual([tail, undefined]);
    });

    it('is left out of shares when the pool supports only 0x4CCB', async () => {
      const pool = await poolAnswering(success([0x4ccb]));
      const up = await connected(pool.url, true);
      expect(up.workerHashrate).toBe(false);
      const ch = await up.openChannel('extended', 'alice.proxy');
      expect(await up.submit(ch.epoch, ch.channelId, 1, new Uint8Array(12), tail)).toEqual({ ok: true });
      expect(pool.tails).toEqual([undefined]);
    });

    it('is dropped from a second request when the pool answers the first with an error', async () => {
      const pool = await poolAnswering((requested) =>
        requested.includes(0x0002)
          ? {
              type: 'RequestExtensionsError',
              requestId: 0,
              unsupportedExtensions: [0x0002],
              requiredExtensions: [],
            }
          : success([0x4ccb])(requested),
      );
      const up = await connected(pool.url, true);
      expect(pool.requests).toEqual([[0x4ccb, 0x0002], [0x4ccb]]);
      expect(up.workerHashrate).toBe(false);
      const ch = await up.openChannel('extended', 'alice.proxy');
      expect(await up.submit(ch.epoch, ch.channelId, 1, new Uint8Array(12), tail)).toEqual({ ok: true });
      expect(pool.tails).toEqual([undefined]);
    });

    it('is not requested unless asked for (the CPU miner)', async () => {
      const pool = await poolAnswering(success([0x4ccb, 0x0002]));
      const up = await connected(pool.url);
      expect(pool.requests).toEqual([[0x4ccb]]);
      const ch = await up.openChannel('extended', 'a.b');
      await up.submit(ch.epoch, ch.channelId, 1, new Uint8Array(12), tail);
      expect(pool.tails).toEqual([undefined]);
    });
  });

  describe('failback', () => {
    it('moves back to the preferred URL only after a full setup there passes the hold-down; the share in flight on the backup gets the backup verdict, then the backup connection closes', async () => {
      // The preferred pool accepts TCP and Noise but refuses SetupConnection until it is "healthy".
      let healthy = false;
      const setups: string[] = [];
      const preferred = await scriptedPool((m, conn) => {
        if (m.type === 'SetupConnection') {
          setups.push(healthy ? 'ok' : 'refused');
          if (!healthy) {
            conn.send({ type: 'SetupConnectionError', flags: 0, errorCode: 'unsupported-protocol' });
            return;
          }
        }
        basics(m, conn);
      });
      let held: { seq: number; conn: Sv2Connection } | null = null;
      const backup = await scriptedPool((m, conn) => {
        if (basics(m, conn) || m.type !== 'SubmitSharesCkb') return;
        held = { seq: m.sequenceNumber, conn }; // answered later, after the switch
      });
      const up = new UpstreamClient({
        urls: [preferred.url, backup.url],
        vendor: 'test',
        log: pino({ level: 'silent' }),
        backoffMinMs: 20,
        failback: { probeIntervalMs: 100, healthyProbes: 2 },
      });
      cleanups.push(() => up.close());
      const ups: string[] = [];
      const failbacks: Array<[string, string]> = [];
      up.on('up', (_e, url) => ups.push(url));
      up.on('failback', (from, to) => failbacks.push([from, to]));
      up.start();
      await until(() => up.currentUrl === backup.url);
      const ch = await up.openChannel('extended', 'a.b');
      const verdict = up.submit(ch.epoch, ch.channelId, 1, new Uint8Array(12));
      await until(() => held !== null);
      // Probes against the refusing pool fail: no switch however long it takes.
      await until(() => setups.length >= 3);
      expect(up.currentUrl).toBe(backup.url);
      healthy = true;
      await until(() => up.currentUrl === preferred.url, 5_000);
      expect(failbacks).toEqual([[backup.url, preferred.url]]);
      expect(ups).toEqual([backup.url, preferred.url]);
      expect(up.failbacks).toBe(1);
      expect(up.reconnects).toBe(0); // no 'down': the switch is make-before-break
      // Two healthy setups: the first probe (closed again) and the one that became the connection.
      expect(setups.filter((x) => x === 'ok')).toHaveLength(2);
      expect(setups.at(-3)).toBe('refused');
      // The backup still answers the share it had; the miner hears exactly that.
      const h = held as unknown as { seq: number; conn: Sv2Connection };
      h.conn.send({
        type: 'SubmitSharesSuccess',
        channelId: 7,
        lastSequenceNumber: h.seq,
        newSubmitsAcceptedCount: 1,
        newSharesSum: 1n,
      });
      expect(await verdict).toEqual({ ok: true });
      await h.conn.closed; // then the translator closes the backup connection
      expect(up.connected).toBe(true);
      const ch2 = await up.openChannel('extended', 'a.b');
      expect(ch2.epoch).toBe(ch.epoch + 1);
    });

    it('answers a share the replaced backup never answers as not accepted, and stays on the backup when failback is off', async () => {
      const preferred = await scriptedPool((m, conn) => {
        basics(m, conn);
      });
      const backup = await scriptedPool((m, conn) => {
        basics(m, conn); // never answers shares
      });
      const up = new UpstreamClient({
        urls: [preferred.url, backup.url],
        vendor: 'test',
        log: pino({ level: 'silent' }),
        shareTimeoutMs: 300,
        failback: { probeIntervalMs: 50, healthyProbes: 1 },
      });
      cleanups.push(() => up.close());
      // Start on the backup: the first URL is "down" for the first dial only.
      (up as unknown as { urlIndex: number }).urlIndex = 1;
      up.start();
      await until(() => up.currentUrl === backup.url);
      const ch = await up.openChannel('extended', 'a.b');
      const verdict = up.submit(ch.epoch, ch.channelId, 1, new Uint8Array(12));
      await until(() => up.currentUrl === preferred.url, 5_000);
      expect(await verdict).toEqual({ ok: false, code: 'timeout' });

      const stay = new UpstreamClient({
        urls: [preferred.url, backup.url],
        vendor: 'test',
        log: pino({ level: 'silent' }),
        failback: false,
      });
      cleanups.push(() => stay.close());
      (stay as unknown as { urlIndex: number }).urlIndex = 1;
      stay.start();
      await until(() => stay.currentUrl === backup.url);
      await new Promise((r) => setTimeout(r, 300));
      expect(stay.currentUrl).toBe(backup.url);
      expect(stay.failbacks).toBe(0);
    });
  });
});
