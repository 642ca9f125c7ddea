import { describe, expect, it } from 'vitest';
import { harness, last, negotiate, openStandard, setup } from '../../test/support/session-harness.js';

describe('SV2 session: connection setup', () => {
  it('accepts mining protocol version 2 without flags and answers flags 0', () => {
    const h = harness();
    setup(h, 1);
    expect(last(h)).toMatchObject({ type: 'SetupConnectionSuccess', usedVersion: 2, flags: 0 });
    expect(h.closedWith).toEqual([]);
  });

  it('refuses version rolling and work selection naming exactly those flags', () => {
    const h = harness();
    setup(h, 0b111);
    expect(last(h)).toEqual({
      type: 'SetupConnectionError',
      flags: 0b110,
      errorCode: 'unsupported-feature-flags',
    });
    expect(h.closedWith).toHaveLength(1);
  });

  it('refuses other protocols and versions', () => {
    const h = harness();
    h.session.handle({
      type: 'SetupConnection',
      protocol: 2,
      minVersion: 2,
      maxVersion: 2,
      flags: 0,
      endpointHost: '',
      endpointPort: 0,
      vendor: '',
      hardwareVersion: '',
      firmware: '',
      deviceId: '',
    });
    expect(last(h)).toMatchObject({ errorCode: 'unsupported-protocol' });
    const h2 = harness();
    h2.session.handle({
      type: 'SetupConnection',
      protocol: 0,
      minVersion: 3,
      maxVersion: 4,
      flags: 0,
      endpointHost: '',
      endpointPort: 0,
      vendor: '',
      hardwareVersion: '',
      firmware: '',
      deviceId: '',
    });
    expect(last(h2)).toMatchObject({ errorCode: 'protocol-version-mismatch' });
  });

  it('closes a connection whose first message is not SetupConnection', () => {
    const h = harness();
    negotiate(h);
    expect(h.closedWith).toHaveLength(1);
    expect(h.sent).toEqual([]);
  });
});

describe('SV2 session: job fan-out', () => {
  it('sends new jobs once to the group channel, or per channel with REQUIRES_STANDARD_JOBS', () => {
    const h = harness();
    setup(h);
    negotiate(h);
    h.newJob(true);
    const a = openStandard(h);
    openStandard(h);
    h.sent.length = 0;
    const job = h.newJob(false);
    expect(h.sent).toEqual([
      expect.objectContaining({
        type: 'NewCkbJob',
        channelId: a.groupChannelId,
        jobId: job.id,
        cleanJobs: false,
      }),
    ]);

    const s = harness();
    setup(s, 1);
    negotiate(s);
    s.newJob(true);
    openStandard(s);
    openStandard(s);
    s.sent.length = 0;
    s.newJob(true);
    expect(s.sent.filter((m) => m.type === 'NewCkbJob')).toHaveLength(2);
  });
});

describe('Session.handle after setup', () => {
  it('ignores server-only and unknown messages without answering or closing', () => {
    const h = harness();
    setup(h);
    const before = h.sent.length;
    h.session.handle({ type: 'Reconnect', newHost: '', newPort: 0 });
    h.session.handle({
      type: 'Unknown',
      extensionType: 0,
      channelMsg: false,
      msgType: 0x7f,
      payload: new Uint8Array(),
    });
    expect(h.sent.length).toBe(before);
    expect(h.closedWith).toEqual([]);
    expect(h.session.state).not.toBe('closed');
  });

  it('closes a connection that sends SetupConnection twice', () => {
    const h = harness();
    setup(h);
    setup(h);
    expect(h.closedWith).toEqual(['SetupConnection sent twice']);
  });
});
