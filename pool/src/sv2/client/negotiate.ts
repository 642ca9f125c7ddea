/**
 * One upstream connection set up for mining: Noise against the URL's authority key, then
 * SetupConnection and the extension negotiation (0x4CCB, with 0x0002 when asked; a pool that
 * refuses the pair is asked again for 0x4CCB alone). Shared by the mining connection and the
 * failback probes, so a probe proves exactly what mining needs.
 */
import type { Logger } from 'pino';
import type { Sv2Connection } from '../connection.js';
import { connectSv2 } from '../handshake-io.js';
import {
  EXTENSION_CKB,
  EXTENSION_WORKER_HASHRATE,
  PROTOCOL_MINING,
  SV2_VERSION,
  type Sv2Message,
} from '../messages/index.js';
import { parsePoolUrl } from '../noise/keys.js';

/** A connection that finished SetupConnection and the extension negotiation. */
export interface Negotiated {
  conn: Sv2Connection;
  url: string;
  workerHashrateOk: boolean;
  /** Messages that came after the negotiation in the same read, replayed on install. */
  early: Sv2Message[];
  /** The connection closed after the negotiation, before it was installed or released. */
  lost: boolean;
  /** Removes the negotiation's listeners. */
  detach(): void;
}

export interface NegotiateOptions {
  /** `stratum2+tcp://HOST:PORT/AUTHORITY_PUBKEY`. */
  url: string;
  vendor: string;
  /** SetupConnection flags. */
  flags: number;
  /** Also request extension 0x0002. */
  workerHashrate: boolean;
  connectTimeoutMs: number;
  /** Where to log refusals (the mining connection); none for quiet probes. */
  log?: Logger | undefined;
  /** Called with a connection that failed before it was negotiated (byte accounting). */
  onFailedConnection?: ((conn: Sv2Connection) => void) | undefined;
}

/** Resolves with the negotiated connection; rejects (and closes it) on any refusal or timeout. */
export async function negotiateUpstream(o: NegotiateOptions): Promise<Negotiated> {
  const { url, log, onFailedConnection } = o;
  const { host, port, authorityPubkey } = parsePoolUrl(url);
  const timeoutMs = o.connectTimeoutMs;
  const conn = await connectSv2({ host, port, authorityPubkey, timeoutMs });
  const wantWorker = o.workerHashrate;
  return new Promise<Negotiated>((resolve, reject) => {
    let requested: number[] = [];
    const tried: number[][] = [];
    let done: Negotiated | null = null;
    const early: Sv2Message[] = [];
    const detach = () => {
      clearTimeout(timer);
      conn.off('message', onMessage);
      conn.off('close', onClose);
    };
    const fail = (why: string) => {
      detach();
      conn.close('local-close', why);
      onFailedConnection?.(conn);
      reject(new Error(why));
    };
    const timer = setTimeout(
      () => fail('the pool did not finish SetupConnection in time'),
      Math.max(timeoutMs, 10_000),
    );
    timer.unref?.();
    const request = (extensions: number[]) => {
      requested = extensions;
      tried.push(extensions);
      conn.send({ type: 'RequestExtensions', requestId: 0, requestedExtensions: extensions });
    };
    const onClose = (info: { message: string }) => {
      if (done) {
        done.lost = true;
        return;
      }
      detach();
      onFailedConnection?.(conn);
      reject(new Error(info.message));
    };
    const onMessage = (m: Sv2Message) => {
      if (done) {
        early.push(m);
        return;
      }
      switch (m.type) {
        case 'SetupConnectionSuccess':
          request(wantWorker ? [EXTENSION_CKB, EXTENSION_WORKER_HASHRATE] : [EXTENSION_CKB]);
          return;
        case 'SetupConnectionError':
          log?.error({ url, code: m.errorCode }, 'upstream refused SetupConnection');
          fail(`SetupConnection.Error ${m.errorCode}`);
          return;
        case 'RequestExtensionsSuccess': {
          if (!m.supportedExtensions.includes(EXTENSION_CKB)) {
            log?.error({ url }, 'upstream does not support the CKB extension 0x4CCB');
            fail('extension 0x4CCB refused');
            return;
          }
          const workerHashrateOk =
            requested.includes(EXTENSION_WORKER_HASHRATE) &&
            m.supportedExtensions.includes(EXTENSION_WORKER_HASHRATE);
          if (wantWorker && !workerHashrateOk) {
            log?.info({ url }, 'upstream does not support extension 0x0002; no per-worker share names');
          }
          clearTimeout(timer);
          done = { conn, url, workerHashrateOk, early, lost: false, detach };
          resolve(done);
          return;
        }
        case 'RequestExtensionsError': {
          const next = retryRequest(tried, m, wantWorker);
          if (typeof next === 'string') {
            log?.error({ url, unsupported: m.unsupportedExtensions, required: m.requiredExtensions }, next);
            fail(next);
            return;
          }
          // The spec lets a client retry with a modified request (extension 0x0001 §4.6).
          log?.info({ url, extensions: next }, 'upstream refused the extension request; asking again');
          request(next);
          return;
        }
        default:
          return;
      }
    };
    conn.on('message', onMessage);
    conn.on('close', onClose);
    conn.send({
      type: 'SetupConnection',
      protocol: PROTOCOL_MINING,
      minVersion: SV2_VERSION,
      maxVersion: SV2_VERSION,
      flags: o.flags,
      endpointHost: host,
      endpointPort: port,
      vendor: o.vendor,
      hardwareVersion: '',
      firmware: '0.1.0',
      deviceId: '',
    });
  });
}

/** What this client can speak: a server that requires anything else cannot be served. */
const SPOKEN = [EXTENSION_CKB, EXTENSION_WORKER_HASHRATE];

/**
 * After RequestExtensions.Error: the request to send next, or why the connection must end.
 * A server that requires an extension this client does not speak would have to disconnect us
 * ("If the client does not retry with the required extension, the server MUST disconnect the
 * client"), so we leave first; so do we when 0x4CCB is refused or every request worth sending
 * was already refused (`tried`).
 */
export function retryRequest(
  tried: readonly (readonly number[])[],
  e: { unsupportedExtensions: readonly number[]; requiredExtensions: readonly number[] },
  wantWorker: boolean,
): number[] | string {
  const unknown = e.requiredExtensions.filter((x) => !SPOKEN.includes(x));
  if (unknown.length > 0) {
    return `upstream requires extension ${unknown.map(hex).join(', ')}, which this client does not speak`;
  }
  if (e.unsupportedExtensions.includes(EXTENSION_CKB)) return 'extension 0x4CCB refused';
  const pair = [EXTENSION_CKB, EXTENSION_WORKER_HASHRATE];
  const candidates = e.requiredExtensions.includes(EXTENSION_WORKER_HASHRATE)
    ? [pair]
    : wantWorker && !e.unsupportedExtensions.includes(EXTENSION_WORKER_HASHRATE)
      ? [pair, [EXTENSION_CKB]]
      : [[EXTENSION_CKB]];
  const next = candidates.find((c) => !tried.some((t) => sameSet(c, t)));
  return next ?? 'extension 0x4CCB refused';
}

function sameSet(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((x) => b.includes(x));
}

function hex(x: number): string {
  return `0x${x.toString(16).padStart(4, '0').toUpperCase()}`;
}
