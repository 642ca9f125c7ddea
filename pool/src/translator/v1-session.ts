import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import {
  DEFAULT_DIALECT,
  detectDialect,
  splitDialectSuffix,
  type V1Dialect,
} from '../stratum-v1/dialects/index.js';
import {
  errorLine,
  LineSplitter,
  LineTooLongError,
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
import {
  type DialectSource,
  firstParamIn,
  overrides,
  suggestedTargetHex,
  suggestedTargetOf,
} from './v1-hints.js';
import type { V1Resumes } from './v1-resumes.js';

/**
 * One Stratum V1 miner connection: line framing, JSON-RPC parsing and the reply order rules
 * of docs/protocol.md §7. Every request gets exactly one answer, in the order received (a later
 * answer waits for an earlier one still in flight upstream); notifications triggered by
 * subscribe/authorize are queued behind their answers, other notifications (new jobs) go out
 * at once so a slow share verdict never delays work. What the requests mean is decided by
 * the `V1SessionHost` (the translator).
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
  /** A limit closed the session (counted in the translator's metric). */
  limited?(s: V1Session, reason: TranslatorLimitReason): void;
}

export interface V1SessionLimits {
  maxLineBytes: number;
  /** Requests awaiting an answer before the connection is considered abusive. */
  maxPendingRequests: number;
  /** Time a connection has to send mining.subscribe. */
  subscribeTimeoutMs: number;
  /** Unread bytes queued for a miner before it is dropped as a stalled reader. */
  maxPendingWriteBytes: number;
  /** A connection that sends no complete line for this long is closed (0 = never). */
  idleTimeoutMs?: number;
  /** mining.authorize requests one connection may send (default unlimited). */
  maxAuthorizes?: number;
  /** Requests per second (sustained) and at once; default unlimited. */
  messageRate?: { perSecond: number; burst: number };
}

interface Slot {
  line: string | null;
  /** Subscribe/authorize answers hold back later notifications until written. */
  gatesNotifications: boolean;
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
  /** Host data (channel binding). */
  binding: unknown = null;
  private readonly splitter: LineSplitter;
  private readonly queue: Slot[] = [];
  /** Set by closeAfterAnswers: the limit that closes this session once its answers are out. */
  private closing: { reason: TranslatorLimitReason; message: string } | null = null;
  private closedFlag = false;
  readonly remote: string;
  readonly connectedAtMs = Date.now();
  private lastLineMs = Date.now();
  private idleTimer: NodeJS.Timeout | null = null;
  private readonly rate: TokenBucket | null;
  private authorizes = 0;

  constructor(
    readonly id: number,
    readonly socket: Socket,
    private readonly host: V1SessionHost,
    private readonly limits: V1SessionLimits,
    readonly log: Logger,
    private readonly opts: V1SessionOptions = {},
  ) {
    if (opts.dialect) this.useDialect(opts.dialect, 'port');
    this.remote = `${socket.remoteAddress}:${socket.remotePort}`;
    this.splitter = new LineSplitter(limits.maxLineBytes);
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', () => {});
    socket.on('close', () => this.onClose());
    const r = limits.messageRate;
    this.rate = r ? new TokenBucket(r.perSecond, r.burst, performance.now()) : null;
    // A connection that never subscribes is not a miner.
    setTimeout(() => {
      if (!this.subscribed && !this.closedFlag)
        this.closeFor('subscribe_timeout', 'no mining.subscribe in time');
    }, limits.subscribeTimeoutMs).unref();
    this.armIdleTimer();
  }

  /** Closes the session because a limit was reached: logged, counted by the host. */
  private closeFor(reason: TranslatorLimitReason, message: string): void {
    if (this.closedFlag) return;
    this.log.info({ reason }, `${message}; closing`);
    this.host.limited?.(this, reason);
    this.close();
  }

  /**
   * Reads nothing more and closes once every earlier request is answered: an authorize still
   * waiting for the pool's verdict on its name (DeclareWorker) gets its answer before the close.
   * The pool's verdict has its own timeout; the timer here only bounds a verdict that never comes.
   */
  private closeAfterAnswers(reason: TranslatorLimitReason, message: string): void {
    this.closing = { reason, message };
    setTimeout(() => this.closeFor(reason, message), CLOSE_AFTER_ANSWERS_MS).unref();
    this.flush();
  }

  /** One lazy timer: it checks the time of the last complete line when it fires. */
  private armIdleTimer(): void {
    this.idleTimer = null;
    const idle = this.limits.idleTimeoutMs ?? 0;
    if (idle <= 0 || this.closedFlag) return;
    const left = this.lastLineMs + idle - Date.now();
    if (left <= 0) {
      this.closeFor('idle', `no request for ${idle} ms`);
      return;
    }
    this.idleTimer = setTimeout(() => this.armIdleTimer(), left);
    this.idleTimer.unref();
  }

  get closed(): boolean {
    return this.closedFlag;
  }

  private onData(chunk: Buffer): void {
    if (this.closedFlag || this.closing) return;
    let lines: string[];
    try {
      lines = this.splitter.push(chunk);
    } catch (err) {
      if (err instanceof LineTooLongError) {
        this.write(
          errorLine(null, V1Error.illegalParams, `line longer than ${this.limits.maxLineBytes} bytes`),
        );
        this.closeFor('line_too_long', `V1 line too long (${err.message})`);
        return;
      }
      throw err;
    }
    if (lines.length > 0) this.lastLineMs = Date.now();
    if (!this.subscribed) this.readPipelinedHints(lines);
    for (const line of lines) {
      if (this.closedFlag || this.closing) return;
      this.onLine(line);
    }
  }

  private onLine(line: string): void {
    const p = parseLine(line);
    if (p.kind === 'invalid') {
      this.answerNow(errorLine(p.id, V1Error.other, p.message));
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
    if (this.queue.length >= this.limits.maxPendingRequests) {
      this.closeFor('pending_requests', `V1 miner floods requests (${this.queue.length} unanswered)`);
      return;
    }
    if (this.rate && !this.rate.take(performance.now())) {
      this.closeFor(
        'messages',
        `V1 miner sends more than ${this.rate.perSecond} requests/s (burst ${this.rate.burst})`,
      );
      return;
    }
    const { id, method, params } = req;
    switch (method) {
      case 'mining.subscribe': {
        const slot = this.slot(true);
        if (!this.subscribed && this.sessionId === '') this.beginSubscription(params);
        this.host.subscribe(this).then(
          (r) => {
            this.subscribed = true;
            this.extranonce1 = r.extranonce1;
            this.extranonce2Size = r.extranonce2Size;
            const answer = this.dialect.subscribeResult({ ...r, sessionId: this.sessionId });
            this.fill(slot, resultLine(id, answer));
          },
          (err: Error) => this.fill(slot, errorLine(id, V1Error.other, err.message)),
        );
        return;
      }
      case 'mining.authorize': {
        const user = params[0];
        const problem = workerNameProblem(user);
        if (problem !== null || typeof user !== 'string') {
          this.answerNow(
            errorLine(id, V1Error.illegalParams, `authorize needs ["user.worker", "password"]: ${problem}`),
          );
          return;
        }
        this.authorizes += 1;
        const maxAuthorizes = this.limits.maxAuthorizes ?? Number.POSITIVE_INFINITY;
        if (this.authorizes > maxAuthorizes) {
          this.answerNow(
            errorLine(id, V1Error.other, `more than ${maxAuthorizes} mining.authorize on one connection`),
          );
          this.closeAfterAnswers('authorize_churn', `more than ${maxAuthorizes} mining.authorize`);
          return;
        }
        // The pool decides what a name is worth (host.checkName). The host sends target and job
        // after this answer (the slot gates them). A `#dialect` suffix is not part of the name.
        const named = splitDialectSuffix(user);
        if (named.dialect) this.useDialect(named.dialect, 'suffix');
        const check = this.host.checkName?.(this, named.user) ?? null;
        if (check === null) this.acceptName(this.slot(true), id, named.user);
        else this.awaitNameCheck(this.slot(true), id, named.user, check);
        return;
      }
      case 'mining.extranonce.subscribe':
        this.extranonceSubscribed = true;
        this.answerNow(resultLine(id, true));
        return;
      case 'mining.configure': {
        // BIP 310, sent first by many ASIC firmwares. CKB has nothing to roll but the nonce, so
        // every requested extension is answered "not supported" (an error here makes some
        // firmwares drop the pool).
        const names = params[0];
        if (!Array.isArray(names) || !names.every((n) => typeof n === 'string')) {
          this.answerNow(errorLine(id, V1Error.illegalParams, 'configure needs [[extension, …], {…}]'));
          return;
        }
        this.answerNow(resultLine(id, Object.fromEntries(names.map((n) => [n, false]))));
        return;
      }
      case 'mining.suggest_difficulty':
        // Kept: a dialect that honours it starts the miner's vardiff at it (miner-targets.ts).
        this.suggestedTarget = suggestedTargetOf(params[0]) ?? this.suggestedTarget;
        this.answerNow(resultLine(id, true));
        return;
      case 'mining.suggest_target':
        // Where the miner's vardiff starts, if it has not started yet; then vardiff decides.
        this.requestedTarget = suggestedTargetHex(params[0]) ?? this.requestedTarget;
        this.answerNow(resultLine(id, true));
        return;
      case 'mining.submit': {
        const slot = this.slot(false);
        this.host.submit(this, params).then(
          (r) => this.fill(slot, r.ok ? resultLine(id, true) : submitRejectLine(id, r.code, r.message)),
          (err: Error) => this.fill(slot, submitRejectLine(id, V1Error.other, err.message)),
        );
        return;
      }
      default:
        this.answerNow(errorLine(id, V1Error.illegalMethod, `unknown method ${method}`));
    }
  }

  private acceptName(slot: Slot, id: V1Id, user: string): void {
    this.user = user;
    this.fill(slot, resultLine(id, true));
    this.host.authorized(this, user);
  }

  /** Authorize answered once the pool has judged the name (docs/extensions/0x4CCB.md §3.4). */
  private awaitNameCheck(slot: Slot, id: V1Id, user: string, check: Promise<string | null>): void {
    check.then(
      (refusal) => {
        if (this.closedFlag) return;
        if (refusal === null) return this.acceptName(slot, id, user);
        this.log.info({ user, refusal }, 'mining.authorize refused by the pool');
        this.fill(slot, errorLine(id, V1Error.unauthorized, refusal));
      },
      (err: Error) => this.fill(slot, errorLine(id, V1Error.other, err.message)),
    );
  }

  private slot(gates: boolean): Slot {
    const s: Slot = { line: null, gatesNotifications: gates };
    this.queue.push(s);
    return s;
  }

  private fill(slot: Slot, line: string): void {
    slot.line = line;
    this.flush();
  }

  private answerNow(line: string, gates = false): void {
    this.fill(this.slot(gates), line);
  }

  private flush(): void {
    while (this.queue.length > 0 && this.queue[0].line !== null) {
      this.write((this.queue.shift() as Slot).line as string);
    }
    if (this.closing && this.queue.length === 0) this.closeFor(this.closing.reason, this.closing.message);
  }

  /** Pool → miner line: behind pending subscribe/authorize answers, otherwise at once. */
  notify(line: string): void {
    if (this.queue.some((s) => s.gatesNotifications)) {
      this.queue.push({ line, gatesNotifications: false });
      this.flush();
      return;
    }
    this.write(line);
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

  private useDialect(d: V1Dialect, source: DialectSource): void {
    if (!overrides(source, this.dialectSource)) return;
    if (d !== this.dialect) this.log.info({ dialect: d.name, source }, 'V1 dialect');
    this.dialect = d;
    this.dialectSource = source;
  }

  /**
   * Requests that came in the same read as mining.subscribe (miners that pipeline): the name of
   * an authorize (its channel can be opened under it before subscribe is answered; a `#dialect`
   * suffix applies at once) and a suggested difficulty (the channel opens at it).
   */
  private readPipelinedHints(lines: string[]): void {
    const user = firstParamIn(lines, 'mining.authorize');
    if (this.userHint === null && typeof user === 'string' && user.length > 0 && user.length <= 255) {
      const named = splitDialectSuffix(user);
      this.userHint = named.user;
      if (named.dialect) this.useDialect(named.dialect, 'suffix');
    }
    this.suggestedTarget =
      suggestedTargetOf(firstParamIn(lines, 'mining.suggest_difficulty')) ?? this.suggestedTarget;
  }

  /** The first mining.subscribe: user agent → dialect; a session id to resume or a new one. */
  private beginSubscription(params: unknown[]): void {
    const agent = params[0];
    if (typeof agent === 'string') this.agent = agent.slice(0, 64);
    const detected = detectDialect(agent);
    if (detected !== DEFAULT_DIALECT) this.useDialect(detected, 'agent');
    const resumes = this.opts.resumes;
    const back = this.dialect.resumesSessions ? (resumes?.take(params[1]) ?? null) : null;
    if (back) {
      this.sessionId = params[1] as string;
      this.userHint ??= back.user;
      this.suggestedTarget ??= back.suggestedTarget;
      this.log.info({ session: this.sessionId }, 'V1 session resumed');
    } else {
      this.sessionId = resumes?.newId() ?? this.id.toString(16).padStart(8, '0');
    }
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

  private write(line: string): void {
    if (this.closedFlag) return;
    this.socket.write(line);
    if (this.socket.writableLength > this.limits.maxPendingWriteBytes) {
      this.log.warn({ pending: this.socket.writableLength }, 'V1 miner does not read; closing');
      this.host.limited?.(this, 'slow_reader');
      this.socket.destroy();
      this.onClose();
    }
  }

  /** Flushes what is written and closes. */
  close(): void {
    if (this.closedFlag) return;
    this.socket.end();
    setTimeout(() => this.socket.destroy(), 1_000).unref();
    this.onClose();
  }

  private onClose(): void {
    if (this.closedFlag) return;
    this.closedFlag = true;
    if (this.subscribed && this.dialect.resumesSessions) {
      this.opts.resumes?.remember(this.sessionId, { user: this.user, suggestedTarget: this.suggestedTarget });
    }
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.host.closed(this);
  }
}
