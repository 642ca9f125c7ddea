import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bytesToHex, hexToBytes } from '../../ckb/hex.js';
import { Sv2DecodeError } from '../binary.js';
import { decodeMessage, encodeMessage } from './index.js';
import { encodeTlvs, findTlvValue, parseTlvs, userIdentityFromTlv } from './tlv.js';

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

  it('ride in msg.tlv of a SubmitSharesCkb: the exact bytes SRI writes after nonce_suffix, and back', () => {
    const tlv = encodeTlvs([
      { extensionType: 2, fieldType: 1, value: new TextEncoder().encode('Worker_001') },
    ]);
    const share = {
      type: 'SubmitSharesCkb',
      channelId: 2,
      sequenceNumber: 3,
      jobId: 4,
      nonceSuffix: new Uint8Array(12).fill(0xaa),
    } as const;
    const plain = encodeMessage(share);
    const frame = encodeMessage({ ...share, tlv });
    expect(bytesToHex(frame.subarray(plain.length))).toBe('0200010a00576f726b65725f303031');
    // msg_length covers the TLV (U24 LE at offset 3).
    expect(frame[3]).toBe(25 + 15);
    const msg = decodeMessage(frame);
    expect(msg).toEqual({ ...share, tlv });
    expect(msg.type === 'SubmitSharesCkb' && userIdentityFromTlv(msg.tlv)).toBe('Worker_001');
    // Without a TLV the decoder leaves no tail.
    expect(decodeMessage(plain)).toEqual(share);
  });

  it('find one field by type without copying, skipping others and stopping at a truncated field', () => {
    const tail = encodeTlvs([
      { extensionType: 1, fieldType: 1, value: Uint8Array.of(9, 9) },
      { extensionType: 2, fieldType: 2, value: Uint8Array.of(8) },
      { extensionType: 2, fieldType: 1, value: new TextEncoder().encode('rig7') },
    ]);
    const v = findTlvValue(tail, 2, 1);
    expect(v && new TextDecoder().decode(v)).toBe('rig7');
    expect(v?.buffer).toBe(tail.buffer);
    expect(findTlvValue(tail, 3, 1)).toBeUndefined();
    expect(findTlvValue(new Uint8Array(0), 2, 1)).toBeUndefined();
    expect(findTlvValue(hexToBytes('0200010a00576f'), 2, 1)).toBeUndefined();
    expect(findTlvValue(hexToBytes('020001'), 2, 1)).toBeUndefined();
    expect(findTlvValue(hexToBytes('0200010000'), 2, 1)).toEqual(new Uint8Array(0));
  });

  it('find what parseTlvs finds for any well-formed tail', () => {
    const field = fc.record({
      extensionType: fc.integer({ min: 0, max: 3 }),
      fieldType: fc.integer({ min: 0, max: 2 }),
      value: fc.uint8Array({ maxLength: 8 }),
    });
    fc.assert(
      fc.property(fc.array(field, { maxLength: 5 }), (fields) => {
        const tail = encodeTlvs(fields);
        for (let e = 0; e <= 3; e++) {
          for (let f = 0; f <= 2; f++) {
            const want = parseTlvs(tail).find((x) => x.extensionType === e && x.fieldType === f)?.value;
            expect(findTlvValue(tail, e, f)).toEqual(want);
          }
        }
      }),
    );
  });
});
