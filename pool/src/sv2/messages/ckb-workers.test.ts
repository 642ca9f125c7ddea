import { describe, expect, it } from 'vitest';
import { bytesToHex, hexToBytes } from '../../ckb/hex.js';
import { Sv2EncodeError } from '../binary.js';
import { MAX_FRAME_PAYLOAD } from '../frame.js';
import {
  decodeMessage,
  encodeMessage,
  encodeTlvs,
  TLV_CKB_WORKER_ID,
  TLV_USER_IDENTITY,
  userIdentityFromTlv,
  workerIdFromTlv,
  workerIdTlv,
} from './index.js';

const ADDRESS =
  'ckt1qzda0cr08m85hc8jlnfp3zer7xulejywt49kt2rr0vthywaa50xwsqgx5lf4pczpamsfam48evs0c8nvwqqa59qapt46f';

describe('the 0x4CCB long-name carrier messages', () => {
  it('encode DeclareWorker as channel_id ‖ worker_id ‖ STR0_255 name, framed cb cc 03', () => {
    const frame = encodeMessage({ type: 'DeclareWorker', channelId: 2, workerId: 7, name: 'ab.c' });
    expect(bytesToHex(frame)).toBe('cbcc030d0000' + '02000000' + '07000000' + '04' + '61622e63');
    expect(decodeMessage(frame)).toEqual({ type: 'DeclareWorker', channelId: 2, workerId: 7, name: 'ab.c' });
  });

  it('encode DeclareWorker.Success and .Error with their fixed bytes', () => {
    expect(bytesToHex(encodeMessage({ type: 'DeclareWorkerSuccess', channelId: 2, workerId: 7 }))).toBe(
      'cbcc04080000' + '02000000' + '07000000',
    );
    const err = encodeMessage({
      type: 'DeclareWorkerError',
      channelId: 2,
      workerId: 8,
      errorCode: 'not-an-address',
    });
    expect(bytesToHex(err)).toBe(
      `cbcc0517000002000000080000000e${bytesToHex(new TextEncoder().encode('not-an-address'))}`,
    );
    expect(decodeMessage(err)).toMatchObject({ type: 'DeclareWorkerError', errorCode: 'not-an-address' });
  });

  it('carry a full CKB address with a worker suffix, which no 0x0002 TLV can', () => {
    const name = `${ADDRESS}.rig1`;
    expect(name.length).toBeGreaterThan(TLV_USER_IDENTITY.maxLength);
    const frame = encodeMessage({ type: 'DeclareWorker', channelId: 1, workerId: 0, name });
    expect(frame.length).toBe(6 + 4 + 4 + 1 + name.length);
    expect(decodeMessage(frame)).toMatchObject({ name });
  });

  it('refuse to encode a name over 255 bytes instead of truncating it', () => {
    expect(() =>
      encodeMessage({ type: 'DeclareWorker', channelId: 1, workerId: 0, name: 'x'.repeat(256) }),
    ).toThrow(Sv2EncodeError);
    // The largest declaration is far inside one frame.
    const largest = encodeMessage({
      type: 'DeclareWorker',
      channelId: 1,
      workerId: 0,
      name: 'x'.repeat(255),
    });
    expect(largest.length - 6).toBeLessThan(MAX_FRAME_PAYLOAD);
  });
});

describe('the 0x4CCB worker_id TLV on SubmitSharesCkb', () => {
  it('is cb 4c ‖ 01 ‖ length 4 ‖ worker_id U32 little-endian', () => {
    expect(bytesToHex(workerIdTlv(0x01020304))).toBe('cb4c01040004030201');
    expect(TLV_CKB_WORKER_ID.fieldType).toBe(1);
  });

  it('rides after nonce_suffix and is read back from the decoded share', () => {
    const share = {
      type: 'SubmitSharesCkb',
      channelId: 2,
      sequenceNumber: 1,
      jobId: 1,
      nonceSuffix: hexToBytes('080000007dc3929f157e882b'),
      tlv: workerIdTlv(3),
    } as const;
    const msg = decodeMessage(encodeMessage(share));
    expect(msg).toEqual(share);
    expect(msg.type === 'SubmitSharesCkb' && msg.tlv && workerIdFromTlv(msg.tlv)).toBe(3);
  });

  it('is found next to a 0x0002 user_identity TLV in either order', () => {
    const ui = encodeTlvs([{ extensionType: 2, fieldType: 1, value: new TextEncoder().encode('rig7') }]);
    const both = new Uint8Array([...ui, ...workerIdTlv(9)]);
    expect(workerIdFromTlv(both)).toBe(9);
    expect(userIdentityFromTlv(both)).toBe('rig7');
    expect(workerIdFromTlv(new Uint8Array([...workerIdTlv(4294967295), ...ui]))).toBe(4294967295);
  });

  it('reads as no worker when absent and as malformed (null) when not 4 bytes', () => {
    expect(workerIdFromTlv(new Uint8Array(0))).toBeUndefined();
    expect(workerIdFromTlv(hexToBytes('02000104007269673'.padEnd(18, '7')))).toBeUndefined();
    expect(workerIdFromTlv(hexToBytes('cb4c010300010203'))).toBeNull();
  });
});
