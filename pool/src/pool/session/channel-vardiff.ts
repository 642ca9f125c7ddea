import { MAX_U256, targetToU256Le } from '../../ckb/target.js';
import { retarget, setVardiffDifficulty } from '../../vardiff/vardiff.js';
import { applyTarget, type Channel, channelTargetFor } from '../channel.js';
import { clientMaxTarget } from '../channel-tally.js';
import type { Job } from '../jobs.js';
import type { SessionWire, VardiffOwner, VardiffTask } from './context.js';

/**
 * Difficulty changes of one connection's channels: retargets after shares and at the end of
 * each vardiff window (the pool's wheel calls back through the owning session), clamps to the
 * network, and the SetTarget that announces a new target.
 */
export class ChannelVardiff {
  private readonly tasks = new Map<number, VardiffTask>();

  constructor(
    private readonly wire: SessionWire,
    private readonly owner: VardiffOwner,
  ) {}

  /**
   * Sets the channel's difficulty; a target that moved is announced. The target never goes
   * above the client's max_target, not even to follow the network ("Maximum target which can be
   * accepted by the connected device or devices").
   */
  setDifficulty(ch: Channel, difficulty: number, job: Job | null): void {
    const networkTarget = job?.networkTarget ?? this.wire.ctx.jobs.current?.networkTarget ?? MAX_U256;
    const target = channelTargetFor(difficulty, networkTarget, clientMaxTarget(ch));
    ch.difficulty = difficulty;
    setVardiffDifficulty(ch.vardiff, difficulty, this.wire.ctx.now(), this.wire.ctx.config.vardiff);
    if (target === ch.target) return;
    this.changeTarget(ch, target);
  }

  /** Switches the channel to `target` and sends SetTarget; jobs already sent keep their target. */
  changeTarget(ch: Channel, target: bigint): void {
    applyTarget(ch, target);
    this.wire.transport.send({ type: 'SetTarget', channelId: ch.id, maximumTarget: targetToU256Le(target) });
  }

  /** Retargets when vardiff says so; true when the difficulty changed. */
  maybeRetarget(ch: Channel, now: number): boolean {
    const { ctx, log } = this.wire;
    const networkDifficulty = ctx.jobs.current?.networkDifficulty ?? 0;
    const d = retarget(ch.vardiff, now, ctx.config.vardiff, networkDifficulty, ch.minDifficultyByClient);
    if (d === null) return false;
    log.debug({ channel: ch.id, difficulty: d }, 'vardiff');
    this.setDifficulty(ch, d, null);
    return true;
  }

  /** Puts the channel in the vardiff wheel for the end of its window (if not there yet). */
  schedule(ch: Channel): void {
    const { ctx } = this.wire;
    const wheel = ctx.vardiffWheel;
    if (!wheel) return;
    let task = this.tasks.get(ch.id);
    if (task && wheel.has(task)) return;
    if (!task) {
      task = { session: this.owner, channel: ch };
      this.tasks.set(ch.id, task);
    }
    wheel.schedule(task, ch.vardiff.windowStartMs + ctx.config.vardiff.retargetPeriodSeconds * 1000);
  }

  unschedule(ch: Channel): void {
    const task = this.tasks.get(ch.id);
    if (!task) return;
    this.tasks.delete(ch.id);
    this.wire.ctx.vardiffWheel?.unschedule(task);
  }

  /**
   * The wheel's periodic check of one live channel (its window has ended). A channel stays in
   * the wheel while there is something to learn — it submitted, or being quiet lowered it — and
   * leaves it when quiet changes nothing more (at its floor): an idle channel then costs no
   * CPU until its next accepted share puts it back.
   */
  due(ch: Channel, now: number): void {
    const periodMs = this.wire.ctx.config.vardiff.retargetPeriodSeconds * 1000;
    if (now - ch.vardiff.windowStartMs < periodMs) {
      // A burst retarget restarted the window since: check again at its end.
      this.schedule(ch);
      return;
    }
    const submitted = ch.vardiff.windowShares > 0;
    const changed = this.maybeRetarget(ch, now);
    if (submitted || changed) this.schedule(ch);
  }
}
