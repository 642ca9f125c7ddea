import { afterEach, describe, expect, it } from 'vitest';
import { type ScriptedPool, scriptedPool } from '../../../test/support/scripted-pool.js';
import type { Sv2Message } from '../messages/index.js';
import { negotiateUpstream, retryRequest } from './negotiate.js';

/**
 * The client side of extension negotiation (sv2-spec extensions/0x0001-extensions-negotiation.md)
 * against a scripted server over real Noise: what the client does when the server refuses or
 * requires extensions. Each test quotes the sentence it checks.
 */

const CKB = 0x4ccb;
const WORKER = 0x0002;
const pools: ScriptedPool[] = [];
afterEach(async () => {
  for (const p of pools.splice(0)) await p.close();
});

/** A server that answers SetupConnection and then each RequestExtensions with `answer`. */
async function server(answer: (requested: number[], n: number) => Sv2Message) {
  const requests: number[][] = [];
  const pool = await scriptedPool((m, conn) => {
    if (m.type === 'SetupConnection') conn.send({ type: 'SetupConnectionSuccess', usedVersion: 2, flags: 0 });
    if (m.type === 'RequestExtensions') {
      requests.push(m.requestedExtensions);
      conn.send(answer(m.requestedExtensions, requests.length));
    }
  });
  pools.push(pool);
  return { pool, requests };
}

const negotiate = (url: string, workerHashrate = false) =>
  negotiateUpstream({ url, vendor: 'test', flags: 0, workerHashrate, connectTimeoutMs: 5_000 });

const error = (unsupported: number[], required: number[]): Sv2Message => ({
  type: 'RequestExtensionsError',
  requestId: 0,
  unsupportedExtensions: unsupported,
  requiredExtensions: required,
});

describe('extension negotiation, client side', () => {
  // 0x0001 §4.6: "The client now knows that the server requires extension 0x0005 and MAY choose
  // to retry with a modified request. If the client does not retry with the required extension,
  // the server MUST disconnect the client." We cannot speak 0x0005, so we leave at once.
  it('closes the connection when the server requires an extension this client does not speak', async () => {
    const { pool, requests } = await server(() => error([], [0x0005]));
    await expect(negotiate(pool.url)).rejects.toThrow(/requires extension 0x0005/);
    expect(requests).toEqual([[CKB]]);
    await pool.conns[0]?.closed;
    expect(pool.conns[0]?.closeInfo).not.toBeNull();
  });

  // Same sentence, the branch a client can take: the server requires 0x0002, which this client
  // speaks, so it asks again with it.
  it('retries with a required extension it speaks and succeeds', async () => {
    const { pool, requests } = await server((req, n) =>
      n === 1
        ? error([], [WORKER])
        : { type: 'RequestExtensionsSuccess', requestId: 0, supportedExtensions: req },
    );
    const n = await negotiate(pool.url);
    expect(requests).toEqual([[CKB], [CKB, WORKER]]);
    expect(n.workerHashrateOk).toBe(true);
    n.detach();
    n.conn.close('local-close', 'test done');
  });

  // 0x0001 §1.1: "Clients MUST NOT use any features from extensions that are not confirmed as
  // supported by the server." Mining here is 0x4CCB: without it there is nothing to do.
  it('closes the connection when Success does not confirm 0x4CCB', async () => {
    const { pool } = await server(() => ({
      type: 'RequestExtensionsSuccess',
      requestId: 0,
      supportedExtensions: [],
    }));
    await expect(negotiate(pool.url)).rejects.toThrow(/0x4CCB refused/);
    await pool.conns[0]?.closed;
    expect(pool.conns[0]?.closeInfo).not.toBeNull();
  });

  it('does not ask the same request again after a second refusal', async () => {
    const { pool, requests } = await server(() => error([], []));
    await expect(negotiate(pool.url, true)).rejects.toThrow(/0x4CCB refused/);
    expect(requests).toEqual([[CKB, WORKER], [CKB]]);
  });
});

describe('retryRequest', () => {
  it('drops 0x0002 when the server names it unsupported', () => {
    expect(
      retryRequest([[CKB, WORKER]], { unsupportedExtensions: [WORKER], requiredExtensions: [] }, true),
    ).toEqual([CKB]);
  });

  it('gives up when 0x4CCB itself is unsupported', () => {
    expect(retryRequest([[CKB]], { unsupportedExtensions: [CKB], requiredExtensions: [] }, false)).toBe(
      'extension 0x4CCB refused',
    );
  });
});
