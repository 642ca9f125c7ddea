import { describe, expect, it } from 'vitest';
import { EXT_CKB, EXT_WORKER, harness, last, setup } from '../../../test/support/session-harness.js';
import { MAX_U256, targetToU256Le } from '../../ckb/target.js';
import { answerRequestExtensions } from './extensions.js';

describe('SV2 session: extension negotiation through the session', () => {
  it('negotiates extension 0x4CCB and refuses channels without it, closing the connection', () => {
    const refused = harness();
    setup(refused);
    refused.session.handle({
      type: 'OpenStandardMiningChannel',
      requestId: 5,
      userIdentity: 'a',
      nominalHashRate: 0,
      maxTarget: targetToU256Le(MAX_U256),
    });
    expect(last(refused)).toEqual({
      type: 'OpenMiningChannelError',
      requestId: 5,
      errorCode: 'ckb-extension-required',
    });
    expect(refused.closedWith).toHaveLength(1);
    const h = harness();
    setup(h);
    h.session.handle({ type: 'RequestExtensions', requestId: 2, requestedExtensions: [0x0003] });
    expect(last(h)).toMatchObject({
      type: 'RequestExtensionsError',
      unsupportedExtensions: [3],
      requiredExtensions: [EXT_CKB],
    });
    h.session.handle({ type: 'RequestExtensions', requestId: 3, requestedExtensions: [0x0003, EXT_CKB] });
    expect(last(h)).toEqual({
      type: 'RequestExtensionsSuccess',
      requestId: 3,
      supportedExtensions: [EXT_CKB],
    });
    expect(h.session.workerHashrateNegotiated).toBe(false);
  });

  it('negotiates 0x0002 alongside 0x4CCB, answering the supported subset and leaving unknown ones out', () => {
    const h = harness();
    setup(h);
    h.session.handle({
      type: 'RequestExtensions',
      requestId: 4,
      requestedExtensions: [EXT_CKB, EXT_WORKER, 0x0003],
    });
    expect(last(h)).toEqual({
      type: 'RequestExtensionsSuccess',
      requestId: 4,
      supportedExtensions: [EXT_CKB, EXT_WORKER],
    });
    expect(h.session.ckbNegotiated).toBe(true);
    expect(h.session.workerHashrateNegotiated).toBe(true);
  });

  it('answers a request for 0x0002 without 0x4CCB with an error naming 0x4CCB as required, negotiating nothing', () => {
    const h = harness();
    setup(h);
    h.session.handle({ type: 'RequestExtensions', requestId: 5, requestedExtensions: [EXT_WORKER] });
    expect(last(h)).toEqual({
      type: 'RequestExtensionsError',
      requestId: 5,
      unsupportedExtensions: [],
      requiredExtensions: [EXT_CKB],
    });
    expect(h.session.ckbNegotiated).toBe(false);
    expect(h.session.workerHashrateNegotiated).toBe(false);
  });
});

describe('answerRequestExtensions', () => {
  const none = { ckb: false, workerHashrate: false };
  const ask = (requestedExtensions: number[], requestId = 1) =>
    ({ type: 'RequestExtensions', requestId, requestedExtensions }) as const;

  it('negotiates 0x0002 in a later request once 0x4CCB is negotiated', () => {
    const first = answerRequestExtensions(ask([EXT_CKB]), none);
    expect(first.negotiated).toEqual({ ckb: true, workerHashrate: false });
    const second = answerRequestExtensions(ask([EXT_WORKER], 2), first.negotiated);
    expect(second.reply).toEqual({
      type: 'RequestExtensionsSuccess',
      requestId: 2,
      supportedExtensions: [EXT_WORKER],
    });
    expect(second.negotiated).toEqual({ ckb: true, workerHashrate: true });
  });

  it('keeps what was negotiated when a later request names only unknown extensions', () => {
    const before = { ckb: true, workerHashrate: true };
    const { reply, negotiated } = answerRequestExtensions(ask([0x0042]), before);
    expect(reply).toEqual({
      type: 'RequestExtensionsError',
      requestId: 1,
      unsupportedExtensions: [0x0042],
      requiredExtensions: [EXT_CKB],
    });
    expect(negotiated).toEqual(before);
  });

  it('never forgets 0x0002 when a later request leaves it out', () => {
    const { negotiated } = answerRequestExtensions(ask([EXT_CKB]), { ckb: true, workerHashrate: true });
    expect(negotiated.workerHashrate).toBe(true);
  });

  it('answers an empty request with an error that requires 0x4CCB', () => {
    expect(answerRequestExtensions(ask([]), none).reply).toMatchObject({
      type: 'RequestExtensionsError',
      unsupportedExtensions: [],
      requiredExtensions: [EXT_CKB],
    });
  });
});
