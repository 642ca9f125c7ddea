import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import { DEFAULT_DIALECT, splitDialectSuffix, type V1Dialect } from '../stratum-v1/dialects/index.js';
import {
  errorLine,
  notifyLine,
  parseLine,
  resultLine,
  submitRejectLine,
  V1Error,
  type V1Id,
  type V1Job,
  type V1Request,
} from '../stratum-v1/wire.js';
import { TokenBucket } from '../sv2/rate-limit.js';
import { workerNameProblem } from '../workers/names.js';
import type { TranslatorLimitReason } from './limits.js';
import { type AnswerSlot, V1Answers } from './v1-answers.js';
import { V1Connection, type V1ConnectionLimits } from './v1-connection.js';
import {
  beginSubscription,
  chooseDialect,
  type DialectSource,
  readPipelinedHints,
  suggestedTargetHex,
  suggestedTargetOf,
} from './v1-hints.js';
import type { V1Resumes } from './v1-resumes.js';

/**
 * One Stratum V1 miner: JSON-RPC parsing, what each V1 method does to the session, and the
 * limits on its requests. Its socket and the byte and time limits on it are V1Connection's
 * (v1-connection.ts); the reply order of docs/protocol.md §7 is V1Answers' (v1-answers.ts).
 * What the requests mean for the pool is decided by the `V1SessionHost` (the translator).
 */

export interface V1SessionOptions {
  /** Every miner of this listener speaks this dialect (a port with a forced dialect). */
  dialect?: V1Dialect | undefined;
  /** Session ids for dialects that resume sessions. */
  resumes?: V1Resumes | undefined;
}

export type SubmitOutcome = { ok: true } | { ok: false; code: number; message: string };

export interface V1SessionHost {
  /** Resolves with the session's extranonce1 and extranonce2_size (may wait for the pool). */
  subscribe(s: V1Session): Promise<{ extranonce1: Uint8Array; extranonce2Size: number }>;
  /**
   * Asks the pool about a name before authorize is answered: resolves with the reason it is
   * refused, or null. Null instead of a promise: nothing to ask, answer at once.
   */
  checkName?(s: V1Session, user: string): Promise<string | null> | null;
  /** Called when authorize is accepted; the host sends target and job afterwards. */
  authorized(s: V1Session, user: string): void;
  submit(s: V1Session, params: unknown[]): Promise<SubmitOutcome>;
  closed(s: V1Session): void;
  /** The difficulty the session's vardiff settled on, or null (kept for a resumed session). */
  settledDifficulty?(s: V1Session): number | null;
  /** A limit closed the session (counted in the translator's metric). */
  limited?(s: V1Session, reason: TranslatorLimitReason): void;
}

export interface V1SessionLimits extends V1ConnectionLimits {
  /** Requests awaiting an answer before the connection is considered abusive. */
  maxPendingRequests: number;
  /** Time a connection has to send mining.subscribe. */
  subscribeTimeoutMs: number;
  /** mining.authorize requests one connection may send (default unlimited). */
  maxAuthorizes?: number;
  /** Requests per second (sustained) and at once; default unlimited. */
  messageRate?: { perSecond: number; burst: number };
}

/** How long a session closed by a limit waits for answers it still owes. */
const CLOSE_AFTER_ANSWERS_MS = 10_000;

export class V1Session {
  subscribed = false;
  extranonceSubscribed = false;
  extranonce1: Uint8Array = new Uint8Array(0);
  extranonce2Size = 0;
  user: string | null = null;
  /**
   * The name of a mining.authorize that arrived in the same read as mining.subscribe (miners
   * that pipeline them): the channel can be opened under it before subscribe is answered.
   */
  userHint: string | null = null;
  target: bigint | null = null;
  /** How this miner speaks V1 (docs/miners.md): chosen by port, user agent or name suffix. */
  dialect: V1Dialect = DEFAULT_DIALECT;
  dialectSource: DialectSource = 'default';
  /** The first param of its mining.subscribe. */
  agent: string | null = null;
  /** The id its subscription is known by (resumed by dialects that resume sessions). */
  sessionId = '';
  /** What its mining.suggest_difficulty asked for (kept whatever the dialect). */
  suggestedTarget: bigint | null = null;
  /** What its mining.suggest_target asked for: where its vardiff starts (miner-targets.ts). */
  requestedTarget: bigint | null = null;
  /** The difficulty the session it resumed had settled on (miner-targets.ts). */
  resumedDifficulty: number | null = null;
  /** Host data (channel binding). */
  binding: unknown = null;
  readonly remote: string;
  readonly connectedAtMs = Date.now();
  private readonly conn: V1Connection;
  private readonly answers = new V1Answers((line) => this.conn.write(line));
  private readonly rate: TokenBucket | null;
  private authorizes = 0;

  /** What each V1 method does (docs/protocol.md §7); any other is answered error 26. */
  private static readonly METHODS = new Map<string, (s: V1Session, id: V1Id, params: unknown[]) => void>([
    ['mining.subscribe', (s, id, params) => s.onSubscribe(id, params)],
    ['mining.authorize', (s, id, params) => s.onAuthorize(id, params)],
    ['mining.extranonce.subscribe', (s, id) => s.onExtranonceSubscribe(id)],
    ['mining.configure', (s, id, params) => s.onConfigure(id, params)],
    ['mining.suggest_difficulty', (s, id, params) => s.onSuggestDifficulty(id, params)],
    ['mining.suggest_target', (s, id, params) => s.onSuggestTarget(id, params)],
    ['mining.submit', (s, id, params) => s.onSubmit(id, params)],
  ]);

  constructor(
    readonly id: number,
    readonly socket: Socket,
    private readonly host: V1SessionHost,
    private readonly limits: V1SessionLimits,
    readonly log: Logger,
    private readonly opts: V1SessionOptions = {},
  ) {
    if (opts.dialect) chooseDialect(this, opts.dialect, 'port');
    this.remote = `${socket.remoteAddress}:${socket.remotePort}`;
    const r = limits.messageRate;
    this.rate = r ? new TokenBucket(r.perSecond, r.burst, performance.now()) : null;
    // A connection that never subscribes is not a miner.
    setTimeout(() => {
      if (!this.subscribed && !this.conn.closed)
        this.conn.closeFor('subscribe_timeout', 'no mining.subscribe in time');
    }, limits.subscribeTimeoutMs).unref();
    this.conn = new V1Connection(socket, limits, log, {
      lines: (lines) => this.onLines(lines),
      limited: (reason) => this.host.limited?.(this, reason),
      closed: () => this.onClose(),
    });
  }

  get closed(): boolean {
    return this.conn.closed;
  }

  /** Flushes what is written and closes. */
  close(): void {
    this.conn.close();
  }

  /**
   * Reads nothing more and closes once every earlier request is answered: an authorize still
   * waiting for the pool's verdict on its name (DeclareWorker) gets its answer before the close.
   * The pool's verdict has its own timeout; the timer here only bounds a verdict that never comes.
   */
  private closeAfterAnswers(reason: TranslatorLimitReason, message: string): void {
    this.conn.stopReading();
    setTimeout(() => this.conn.closeFor(reason, message), CLOSE_AFTER_ANSWERS_MS).unref();
    this.answers.whenDrained(() => this.conn.closeFor(reason, message));
  }

  private onLines(lines: string[]): void {
    if (!this.subscribed) readPipelinedHints(this, lines);
    for (const line of lines) {
      if (!this.conn.reading) return;
      this.onLine(line);
    }
  }

  private onLine(line: string): void {
    const p = parseLine(line);
    if (p.kind === 'invalid') {
      this.answers.now(errorLine(p.id, V1Error.other, p.message));
      return;
    }
    if (p.kind === 'notification') {
      // A request with id null: some miners do this; answer with id null.
      this.onRequest({ id: null, method: p.method, params: p.params });
      return;
    }
    if (p.kind === 'response') return; // answers to our (non-existent) requests: ignore
    this.onRequest(p.req);
  }

  private onRequest(req: V1Request): void {
    if (this.overBudget()) return;
    const handle = V1Session.METHODS.get(req.method);
    if (handle) handle(this, req.id, req.params);
    else this.answers.now(errorLine(req.id, V1Error.illegalMethod, `unknown method ${req.method}`));
  }

  /** Closes a miner with too many requests unanswered or over its rate; true if it did. */
  private overBudget(): boolean {
    if (this.answers.pending >= this.limits.maxPendingRequests) {
      this.conn.closeFor('pending_requests', `V1 miner floods requests (${this.answers.pending} unanswered)`);
      return true;
    }
    if (this.rate && !this.rate.take(performance.now())) {
      this.conn.closeFor(
        'messages',
        `V1 miner sends more than ${this.rate.perSecond} requests/s (burst ${this.rate.burst})`,
      );
      return true;
    }
    return false;
  }

  /** Answered once the host has the miner's extranonce, which may wait for the pool. */
  private onSubscribe(id: V1Id, params: unknown[]): void {
    const slot = this.answers.reserve(true);
    if (!this.subscribed && this.sessionId === '') beginSubscription(this, params, this.opts.resumes);
    this.host.subscribe(this).then(
      (r) => {
        this.subscribed = true;
        this.extranonce1 = r.extranonce1;
        this.extranonce2Size = r.extranonce2Size;
        const answer = this.dialect.subscribeResult({ ...r, sessionId: this.sessionId });
        this.answers.fill(slot, resultLine(id, answer));
      },
      (err: Error) => this.answers.fill(slot, errorLine(id, V1Error.other, err.message)),
    );
  }

  private onAuthorize(id: V1Id, params: unknown[]): void {
    const user = params[0];
    const problem = workerNameProblem(user);
    if (problem !== null || typeof user !== 'string') {
      this.answers.now(
        errorLine(id, V1Error.illegalParams, `authorize needs ["user.worker", "password"]: ${problem}`),
      );
      return;
    }
    if (this.authorizesExhausted(id)) return;
    // The pool decides what a name is worth (host.checkName). The host sends target and job
    // after this answer (the slot gates them). A `#dialect` suffix is not part of the name.
    const named = splitDialectSuffix(user);
    if (named.dialect) chooseDialect(this, named.dialect, 'suffix');
    const check = this.host.checkName?.(this, named.user) ?? null;
    if (check === null) this.acceptName(this.answers.reserve(true), id, named.user);
    else this.awaitNameCheck(this.answers.reserve(true), id, named.user, check);
  }

  /** Counts an authorize; one past the limit is refused and closes the session once answered. */
  private authorizesExhausted(id: V1Id): boolean {
    this.authorizes += 1;
    const maxAuthorizes = this.limits.maxAuthorizes ?? Number.POSITIVE_INFINITY;
    if (this.authorizes <= maxAuthorizes) return false;
    this.answers.now(
      errorLine(id, V1Error.other, `more than ${maxAuthorizes} mining.authorize on one connection`),
    );
    this.closeAfterAnswers('authorize_churn', `more than ${maxAuthorizes} mining.authorize`);
    return true;
  }

  private onExtranonceSubscribe(id: V1Id): void {
    this.extranonceSubscribed = true;
    this.answers.now(resultLine(id, true));
  }

  /**
   * BIP 310, sent first by many ASIC firmwares. CKB has nothing to roll but the nonce, so every
   * requested extension is answered "not supported" (an error here makes some firmwares drop
   * the pool).
   */
  private onConfigure(id: V1Id, params: unknown[]): void {
    const names = params[0];
    if (!Array.isArray(names) || !names.every((n) => typeof n === 'string')) {
      this.answers.now(errorLine(id, V1Error.illegalParams, 'configure needs [[extension, …], {…}]'));
      return;
    }
    this.answers.now(resultLine(id, Object.fromEntries(names.map((n) => [n, false]))));
  }

  /** Kept: a dialect that honours it starts the miner's vardiff at it (miner-targets.ts). */
  private onSuggestDifficulty(id: V1Id, params: unknown[]): void {
    this.suggestedTarget = suggestedTargetOf(params[0]) ?? this.suggestedTarget;
    this.answers.now(resultLine(id, true));
  }

  /** Where the miner's vardiff starts, if it has not started yet; then vardiff decides. */
  private onSuggestTarget(id: V1Id, params: unknown[]): void {
    this.requestedTarget = suggestedTargetHex(params[0]) ?? this.requestedTarget;
    this.answers.now(resultLine(id, true));
  }

  /** Answered with the host's verdict; later answers wait for it, new jobs do not. */
  private onSubmit(id: V1Id, params: unknown[]): void {
    const slot = this.answers.reserve(false);
    this.host.submit(this, params).then(
      (r) => this.answers.fill(slot, r.ok ? resultLine(id, true) : submitRejectLine(id, r.code, r.message)),
      (err: Error) => this.answers.fill(slot, submitRejectLine(id, V1Error.other, err.message)),
    );
  }

  private acceptName(slot: AnswerSlot, id: V1Id, user: string): void {
    this.user = user;
    this.answers.fill(slot, resultLine(id, true));
    this.host.authorized(this, user);
  }

  /** Authorize answered once the pool has judged the name (docs/extensions/0x4CCB.md §3.4). */
  private awaitNameCheck(slot: AnswerSlot, id: V1Id, user: string, check: Promise<string | null>): void {
    check.then(
      (refusal) => {
        if (this.conn.closed) return;
        if (refusal === null) return this.acceptName(slot, id, user);
        this.log.info({ user, refusal }, 'mining.authorize refused by the pool');
        this.answers.fill(slot, errorLine(id, V1Error.unauthorized, refusal));
      },
      (err: Error) => this.answers.fill(slot, errorLine(id, V1Error.other, err.message)),
    );
  }

  /** Pool → miner line: behind pending subscribe/authorize answers, otherwise at once. */
  notify(line: string): void {
    this.answers.notify(line);
  }

  /** Gives the miner its share target, encoded as its dialect reads it. */
  sendTarget(target: bigint): void {
    this.target = target;
    for (const line of this.dialect.targetLines(target)) this.notify(line);
  }

  /** True when a new extranonce1 can reach the miner without a reconnect. */
  get takesNewExtranonce(): boolean {
    return this.extranonceSubscribed && this.dialect.takesSetExtranonce;
  }

  sendJob(job: V1Job): void {
    this.notify(notifyLine(job));
  }

  sendExtranonce(extranonce1: Uint8Array, extranonce2Size: number): void {
    this.extranonce1 = extranonce1;
    this.extranonce2Size = extranonce2Size;
    this.notify(
      `${JSON.stringify({ id: null, method: 'mining.set_extranonce', params: [Buffer.from(extranonce1).toString('hex'), extranonce2Size] })}\n`,
    );
  }

  private onClose(): void {
    if (this.subscribed && this.dialect.resumesSessions) {
      this.opts.resumes?.remember(this.sessionId, {
        user: this.user,
        suggestedTarget: this.suggestedTarget,
        settledDifficulty: this.host.settledDifficulty?.(this) ?? null,
      });
    }
    this.host.closed(this);
  }
}
