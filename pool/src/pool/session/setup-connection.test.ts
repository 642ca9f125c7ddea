import { describe, expect, it } from 'vitest';
import type { SetupConnection } from '../../sv2/messages/index.js';
import { answerSetupConnection } from './setup-connection.js';

const base: SetupConnection = {
  type: 'SetupConnection',
  protocol: 0,
  minVersion: 2,
  maxVersion: 2,
  flags: 0,
  endpointHost: 'pool',
  endpointPort: 3333,
  vendor: 'test',
  hardwareVersion: '',
  firmware: '',
  deviceId: '',
};

describe('answerSetupConnection', () => {
  it('accepts any version range that contains 2 and always answers version 2 with flags 0', () => {
    expect(answerSetupConnection({ ...base, minVersion: 1, maxVersion: 3 })).toEqual({
      type: 'SetupConnectionSuccess',
      usedVersion: 2,
      flags: 0,
    });
  });

  it('accepts REQUIRES_STANDARD_JOBS, which the session honours when it sends jobs', () => {
    expect(answerSetupConnection({ ...base, flags: 0b1 }).type).toBe('SetupConnectionSuccess');
  });

  it('refuses work selection alone, naming only that flag', () => {
    expect(answerSetupConnection({ ...base, flags: 0b11 })).toEqual({
      type: 'SetupConnectionError',
      flags: 0b10,
      errorCode: 'unsupported-feature-flags',
    });
  });

  it('accepts work selection while the pool runs a JDS, still refusing version rolling', () => {
    expect(answerSetupConnection({ ...base, flags: 0b11 }, true).type).toBe('SetupConnectionSuccess');
    expect(answerSetupConnection({ ...base, flags: 0b110 }, true)).toMatchObject({ flags: 0b100 });
  });

  it('refuses version rolling alone, naming only that flag', () => {
    expect(answerSetupConnection({ ...base, flags: 0b100 })).toMatchObject({ flags: 0b100 });
  });

  it('refuses a range entirely below or above version 2', () => {
    expect(answerSetupConnection({ ...base, minVersion: 1, maxVersion: 1 })).toMatchObject({
      errorCode: 'protocol-version-mismatch',
      flags: 0,
    });
    expect(answerSetupConnection({ ...base, minVersion: 3, maxVersion: 9 })).toMatchObject({
      errorCode: 'protocol-version-mismatch',
    });
  });

  it('refuses the other subprotocols (job declaration, template distribution) before looking at versions', () => {
    for (const protocol of [1, 2]) {
      expect(answerSetupConnection({ ...base, protocol, minVersion: 9, maxVersion: 9 })).toMatchObject({
        errorCode: 'unsupported-protocol',
      });
    }
  });
});
