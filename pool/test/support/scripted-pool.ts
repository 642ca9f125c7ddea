import { createServer, type Server } from 'node:net';
import type { Sv2Connection } from '../../src/sv2/connection.js';
import { acceptSv2 } from '../../src/sv2/handshake-io.js';
import type { Sv2Message } from '../../src/sv2/messages/index.js';
import { ServerIdentity } from '../../src/sv2/noise/identity.js';
import {
  authorityPublicFromSecret,
  encodeAuthorityPubkey,
  generateAuthorityKeypair,
} from '../../src/sv2/noise/keys.js';

/**
 * An SV2 server that answers as a test script says, over real TCP and Noise, for the client
 * tests (pool/src/sv2/client/*.test.ts): it plays the pool exactly, or a pool that misbehaves.
 */
export interface ScriptedPool {
  url: string;
  host: string;
  port: number;
  /** The connections accepted so far, in order. */
  conns: Sv2Connection[];
  close(): Promise<void>;
}

export async function scriptedPool(
  onMessage: (m: Sv2Message, conn: Sv2Connection) => void,
  o: { authoritySecret?: Uint8Array; host?: string } = {},
): Promise<ScriptedPool> {
  const secret = o.authoritySecret ?? generateAuthorityKeypair().secret;
  const host = o.host ?? '127.0.0.1';
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
  await new Promise<void>((r) => server.listen(0, host, r));
  const port = (server.address() as { port: number }).port;
  const pubkey = encodeAuthorityPubkey(authorityPublicFromSecret(secret));
  return {
    url: `stratum2+tcp://${host}:${port}/${pubkey}`,
    host,
    port,
    conns,
    close: () =>
      new Promise<void>((r) => {
        for (const c of conns) c.close('local-close', 'test done');
        server.close(() => r());
      }),
  };
}

/** Waits until `cond` holds (polling), failing after `ms`. */
export async function until(cond: () => boolean, ms = 5_000, what = 'the condition'): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
