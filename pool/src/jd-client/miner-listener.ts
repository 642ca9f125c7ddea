/**
 * The JD client's SV2 mining listener: Noise with the JD client's own authority key (its miners
 * trust it, not the pool), one MinerSession per connection.
 */
import { createServer, type Server } from 'node:net';
import { acceptSv2 } from '../sv2/handshake-io.js';
import { ServerIdentity } from '../sv2/noise/identity.js';
import { authorityPublicFromSecret, formatPoolUrl } from '../sv2/noise/keys.js';
import { type MinerHub, MinerSession } from './miner-session.js';

export interface MinerListener {
  /** `stratum2+tcp://HOST:PORT/KEY` the miners dial. */
  url: string;
  sessions: Set<MinerSession>;
  close(): Promise<void>;
}

export async function listenForMiners(
  hub: MinerHub,
  o: { host: string; port: number; authoritySecret: Uint8Array },
): Promise<MinerListener> {
  const identity = new ServerIdentity({ authoritySecret: o.authoritySecret, validitySeconds: 3600 });
  const sessions = new Set<MinerSession>();
  const conns = new Set<{ close(r: 'local-close', m: string): void }>();
  const server: Server = createServer((socket) => {
    acceptSv2(socket, { identity }).then(
      (conn) => {
        const session = new MinerSession(conn, hub);
        sessions.add(session);
        conns.add(conn);
        conn.on('message', (m) => session.handle(m));
        conn.on('close', () => {
          sessions.delete(session);
          conns.delete(conn);
          session.closed();
        });
      },
      () => {}, // a failed handshake is the dialler's problem
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => resolve());
  });
  const port = (server.address() as { port: number }).port;
  const url = formatPoolUrl({
    host: o.host,
    port,
    authorityPubkey: authorityPublicFromSecret(o.authoritySecret),
  });
  return {
    url,
    sessions,
    close: () =>
      new Promise<void>((resolve) => {
        for (const c of conns) c.close('local-close', 'jd-client stopping');
        server.close(() => resolve());
      }),
  };
}
