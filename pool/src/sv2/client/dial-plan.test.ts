import { describe, expect, it } from 'vitest';
import { authorityPublicFromSecret, encodeAuthorityPubkey, generateAuthorityKeypair } from '../noise/keys.js';
import { DialPlan, reconnectTarget } from './dial-plan.js';

const key = encodeAuthorityPubkey(authorityPublicFromSecret(generateAuthorityKeypair().secret));
const url = (host: string, port: number) => `stratum2+tcp://${host}:${port}/${key}`;
const [A, B, C] = [url('a.example', 3333), url('b.example', 3333), url('c.example', 3333)];
const backoff = { minMs: 100, maxMs: 5_000 };

describe('DialPlan', () => {
  it('starts with the first configured URL', () => {
    expect(new DialPlan([A, B], backoff).next()).toEqual({ index: 0, url: A, redirect: null });
  });

  it('moves on to the next URL after each failed attempt, and round again', () => {
    const plan = new DialPlan([A, B, C], backoff);
    const urls = [];
    for (let i = 0; i < 4; i++) {
      urls.push(plan.next().url);
      plan.retryDelay(plan.failed(plan.next()));
    }
    expect(urls).toEqual([A, B, C, A]);
  });

  it('stays on the URL in use when a connection that was up drops', () => {
    const plan = new DialPlan([A, B], backoff);
    plan.connected(1);
    plan.retryDelay(false);
    expect(plan.next().url).toBe(B);
  });

  it('has nothing to fail over to with a single URL', () => {
    const plan = new DialPlan([A], backoff);
    plan.retryDelay(true);
    expect(plan.next()).toEqual({ index: 0, url: A, redirect: null });
  });

  it('doubles the delay per attempt up to the maximum', () => {
    const plan = new DialPlan([A], backoff);
    const delays = Array.from({ length: 8 }, () => plan.retryDelay(true));
    expect(delays).toEqual([100, 200, 400, 800, 1_600, 3_200, 5_000, 5_000]);
  });

  it('stops doubling after 16 attempts even when the maximum is higher', () => {
    const plan = new DialPlan([A], { minMs: 1, maxMs: Number.MAX_SAFE_INTEGER });
    const delays = Array.from({ length: 20 }, () => plan.retryDelay(true));
    expect(delays.slice(15)).toEqual([2 ** 15, 2 ** 16, 2 ** 16, 2 ** 16, 2 ** 16]);
  });

  it('starts the backoff over once connected', () => {
    const plan = new DialPlan([A], backoff);
    plan.retryDelay(true);
    plan.retryDelay(true);
    plan.connected(0);
    expect(plan.retryDelay(false)).toBe(100);
  });

  it("dials the pool's Reconnect target instead of the configured URL", () => {
    const plan = new DialPlan([A, B], backoff);
    plan.redirectTo(C);
    expect(plan.next()).toEqual({ index: 0, url: C, redirect: C });
  });

  it('keeps dialling the Reconnect target after a connection to it drops', () => {
    const plan = new DialPlan([A, B], backoff);
    plan.redirectTo(C);
    plan.connected(plan.next().index);
    plan.retryDelay(false);
    expect(plan.next().url).toBe(C);
  });

  it('hands the next dial back to the configured URL in use when the Reconnect target fails', () => {
    const plan = new DialPlan([A, B], backoff);
    plan.redirectTo(C);
    const failover = plan.failed(plan.next());
    plan.retryDelay(failover);
    expect(failover).toBe(false);
    expect(plan.next()).toEqual({ index: 0, url: A, redirect: null });
  });

  it('fails over as usual when the redirect changed while the dial was on its way', () => {
    const plan = new DialPlan([A, B], backoff);
    plan.redirectTo(C);
    const dial = plan.next();
    plan.redirectTo(B);
    expect(plan.failed(dial)).toBe(true);
    expect(plan.next().url).toBe(B);
  });

  it('needs no redirect to the configured URL in use', () => {
    const plan = new DialPlan([A, B], backoff);
    plan.redirectTo(A);
    expect(plan.next().redirect).toBeNull();
  });

  it('forgets the redirect on a failback', () => {
    const plan = new DialPlan([A, B], backoff);
    plan.redirectTo(C);
    plan.clearRedirect();
    expect(plan.next().url).toBe(A);
  });
});

describe('reconnectTarget', () => {
  it('takes the new address with the present authority key', () => {
    expect(reconnectTarget(A, 'c.example', 3333)).toBe(C);
  });

  it('keeps the present host for an empty one and the present port for port 0', () => {
    expect(reconnectTarget(A, '', 4444)).toBe(url('a.example', 4444));
    expect(reconnectTarget(A, 'b.example', 0)).toBe(B);
    expect(reconnectTarget(A, '', 0)).toBe(A);
  });

  it('brackets an IPv6 host', () => {
    expect(reconnectTarget(A, '::1', 3334)).toBe(url('[::1]', 3334));
  });

  it('throws when the new address makes no usable URL', () => {
    expect(() => reconnectTarget(A, 'a.example', 70_000)).toThrow();
    expect(() => reconnectTarget(A, 'not a host', 3333)).toThrow();
  });
});
