/**
 * The JD client's connection to the pool's Job Declarator Server (docs/job-declaration-ckb.md
 * §2.2, §3): Noise against the pool's authority key, SetupConnection{protocol 1,
 * DECLARE_TX_DATA}, 0x4CCB, then per job: AllocateMiningJobToken → DeclareCkbMiningJob →
 * (ProvideMissingTransactions answered from the job) → DeclareMiningJob.Success/.Error; and
 * PushCkbSolution for a found block. One request at a time per id; answers are matched by
 * request_id.
 */
import type { Logger } from 'pino';
import { nonceToBytes } from '../ckb/header.js';
import { deserializeScript, type Script } from '../ckb/transaction.js';
import type { Sv2Connection } from '../sv2/connection.js';
import { MAX_FRAME_PAYLOAD } from '../sv2/frame.js';
import { connectSv2Url } from '../sv2/handshake-io.js';
import {
  EXTENSION_CKB,
  JD_SETUP_DECLARE_TX_DATA,
  PROTOCOL_JOB_DECLARATION,
  SV2_VERSION,
  type Sv2Message,
} from '../sv2/messages/index.js';
import { parsePoolUrl } from '../sv2/noise/keys.js';
import { declaration, type LocalJob, transactionsAt } from './local-job.js';

export type DeclareResult = { ok: true; token: Uint8Array } | { ok: false; code: string; details: string };

export interface JdsClientOptions {
  /** `stratum2+tcp://HOST:PORT/AUTHORITY_PUBKEY` of the pool's `jd.listen`. */
  url: string;
  /** Sent in AllocateMiningJobToken (the pool account the declared work is for). */
  userIdentifier: string;
  vendor?: string;
  /** Connect, setup and each answer (default 15 s: a JDS may wait for its node). */
  timeoutMs?: number;
  log: Logger;
}

type Waiter = (m: Sv2Message | null) => void;

const text = (b: Uint8Array) => new TextDecoder().decode(b);

export class JdsClient {
  private nextRequestId = 1;
  private readonly waiters = new Map<number, Waiter>();
  private readonly jobsInFlight = new Map<number, LocalJob>();
  /** Set when the connection is gone (the owner dials a new one). */
  lost: string | null = null;

  private constructor(
    private readonly conn: Sv2Connection,
    private readonly o: JdsClientOptions,
  ) {
    conn.on('message', (m) => this.onMessage(m));
    conn.on('close', (info) => {
      this.lost = info.message || info.reason;
      for (const w of this.waiters.values()) w(null);
      this.waiters.clear();
    });
  }

  /** Dials and sets up a JD connection; rejects with the refusal. */
  static async connect(o: JdsClientOptions): Promise<JdsClient> {
    const timeoutMs = o.timeoutMs ?? 15_000;
    const conn = await connectSv2Url(o.url, { timeoutMs, maxPayload: MAX_FRAME_PAYLOAD });
    const client = new JdsClient(conn, o);
    try {
      await client.setUp();
    } catch (err) {
      conn.close('local-close', (err as Error).message);
      throw err;
    }
    return client;
  }

  private async setUp(): Promise<void> {
    const { host, port } = parsePoolUrl(this.o.url);
    const setup = this.expect(0, () =>
      this.conn.send({
        type: 'SetupConnection',
        protocol: PROTOCOL_JOB_DECLARATION,
        minVersion: SV2_VERSION,
        maxVersion: SV2_VERSION,
        flags: JD_SETUP_DECLARE_TX_DATA,
        endpointHost: host,
        endpointPort: port,
        vendor: this.o.vendor ?? 'ckb-pool-jd-client',
        hardwareVersion: '',
        firmware: '0.1.0',
        deviceId: '',
      }),
    );
    const answer = await setup;
    if (answer?.type !== 'SetupConnectionSuccess')
      throw new Error(`JDS refused SetupConnection: ${describe(answer)}`);
    const requestId = this.nextRequestId++;
    const ext = await this.expect(requestId, () =>
      this.conn.send({ type: 'RequestExtensions', requestId, requestedExtensions: [EXTENSION_CKB] }),
    );
    if (ext?.type !== 'RequestExtensionsSuccess' || !ext.supportedExtensions.includes(EXTENSION_CKB))
      throw new Error(`JDS refused extension 0x4CCB: ${describe(ext)}`);
  }

  /** AllocateMiningJobToken: a token and the pool's payout lock. */
  async allocate(): Promise<{ token: Uint8Array; payout: Script }> {
    const requestId = this.nextRequestId++;
    const m = await this.expect(requestId, () =>
      this.conn.send({ type: 'AllocateMiningJobToken', userIdentifier: this.o.userIdentifier, requestId }),
    );
    if (m?.type !== 'AllocateMiningJobTokenSuccess') throw new Error(`no token: ${describe(m)}`);
    return { token: m.miningJobToken, payout: deserializeScript(m.coinbaseTxOutputs, 'coinbase_tx_outputs') };
  }

  /** Declares `job` under `token`, providing its transactions when asked. */
  async declare(job: LocalJob, token: Uint8Array): Promise<DeclareResult> {
    const requestId = this.nextRequestId++;
    this.jobsInFlight.set(requestId, job);
    try {
      const m = await this.expect(requestId, () => this.conn.send(declaration(job, token, requestId)));
      if (m?.type === 'DeclareMiningJobSuccess') return { ok: true, token: m.newMiningJobToken };
      if (m?.type === 'DeclareMiningJobError')
        return { ok: false, code: m.errorCode, details: text(m.errorDetails) };
      return { ok: false, code: 'no-answer', details: describe(m) };
    } finally {
      this.jobsInFlight.delete(requestId);
    }
  }

  /** PushCkbSolution: the JDS rebuilds the declared block and submits it to the pool's node. */
  pushSolution(token: Uint8Array, nonce: bigint): void {
    if (this.lost) return;
    this.conn.send({ type: 'PushCkbSolution', miningJobToken: token, nonce: nonceToBytes(nonce) });
  }

  close(): void {
    this.conn.close('local-close', 'jd-client stopping');
  }

  /** Sends with `send` and waits for the answer to `requestId` (null: lost or timed out). */
  private expect(requestId: number, send: () => void): Promise<Sv2Message | null> {
    if (this.lost) return Promise.resolve(null);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiters.delete(requestId);
        resolve(null);
      }, this.o.timeoutMs ?? 15_000);
      timer.unref?.();
      this.waiters.set(requestId, (m) => {
        clearTimeout(timer);
        resolve(m);
      });
      send();
    });
  }

  private onMessage(m: Sv2Message): void {
    if (m.type === 'ProvideMissingTransactions') {
      this.provide(m.requestId, m.unknownTxPositionList);
      return;
    }
    const id = m.type === 'SetupConnectionSuccess' || m.type === 'SetupConnectionError' ? 0 : requestIdOf(m);
    if (id === null) return;
    const w = this.waiters.get(id);
    if (!w) return;
    this.waiters.delete(id);
    w(m);
  }

  private provide(requestId: number, positions: number[]): void {
    const job = this.jobsInFlight.get(requestId);
    const txs = job ? transactionsAt(job, positions) : null;
    if (!txs) {
      this.o.log.warn({ requestId, positions }, 'JDS asked for transactions this declaration does not have');
      return;
    }
    this.o.log.info(
      { requestId, count: txs.length },
      'JDS asked for transactions its node lacks: providing them',
    );
    this.conn.send({ type: 'ProvideMissingTransactionsSuccess', requestId, transactionList: txs });
  }
}

function requestIdOf(m: Sv2Message): number | null {
  return 'requestId' in m && typeof m.requestId === 'number' ? m.requestId : null;
}

function describe(m: Sv2Message | null): string {
  if (!m) return 'no answer (connection lost or timed out)';
  if ('errorCode' in m && typeof m.errorCode === 'string') return `${m.type} ${m.errorCode}`;
  return m.type;
}
