import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bytesToHex, hexToBytes } from '../../ckb/hex.js';
import { Sv2DecodeError } from '../binary.js';
import { decodeMessage, encodeMessage } from './index.js';
import { encodeTlvs, parseTlvs, userIdentityFromTlv } from './tlv.js';

describe('TLV extension fields', () => {
  it('encode little-endian as SRI does (user_identity "Worker_001")', () => {
    const tlv = encodeTlvs([
      { extensionType: 0x0002, fieldType: 0x01, value: new TextEncoder().encode('Worker_001') },
    ]);
    expect(bytesToHex(tlv)).toBe('0200010a00576f726b65725f303031');
  });

  it('ride in msg.tlv of a SubmitSharesExtended and come back out', () => {
    const tlv = encodeTlvs([{ extensionType: 2, fieldType: 1, value: new TextEncoder().encode('rig7') }]);
    const frame = encodeMessage({
      type: 'SubmitSharesExtended',
      channelId: 4,
      sequenceNumber: 5,
      jobId: 9,
      nonce: 1,
      ntime: 2,
      version: 3,
      extranonce: hexToBytes('0102'),
      tlv,
    });
    const msg = decodeMessage(frame);
    expect(msg.type === 'SubmitSharesExtended' && userIdentityFromTlv(msg.tlv)).toBe('rig7');
  });

  it('round-trip arbitrary field lists', () => {
    const field = fc.record({
      extensionType: fc.integer({ min: 0, max: 0xffff }),
      fieldType: fc.integer({ min: 0, max: 0xff }),
      value: fc.uint8Array({ maxLength: 40 }),
    });
    fc.assert(
      fc.property(fc.array(field, { maxLength: 5 }), (fields) => {
        expect(parseTlvs(encodeTlvs(fields))).toEqual(fields);
      }),
    );
  });

  it('reject a truncated field and an over-long user_identity with typed errors', () => {
    expect(() => parseTlvs(hexToBytes('0200010a00576f'))).toThrow(Sv2DecodeError);
    const long = encodeTlvs([{ extensionType: 2, fieldType: 1, value: new Uint8Array(33) }]);
    expect(() => userIdentityFromTlv(long)).toThrow(Sv2DecodeError);
    expect(userIdentityFromTlv(undefined)).toBeUndefined();
    expect(
      userIdentityFromTlv(encodeTlvs([{ extensionType: 3, fieldType: 1, value: new Uint8Array(1) }])),
    ).toBe(undefined);
  });
});
