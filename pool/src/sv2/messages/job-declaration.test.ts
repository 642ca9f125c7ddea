import { describe, expect, it } from 'vitest';
import { bytesToHex, hexToBytes } from '../../ckb/hex.js';
import { Sv2DecodeError, Sv2EncodeError } from '../binary.js';
import { decodeMessage, encodeMessage, type KnownMessage } from './index.js';

/**
 * Fixed frames, written out field by field from the byte tables (sv2-spec chapter 6 and
 * docs/job-declaration-ckb.md §8), not produced by the encoder under test.
 */
const TOKEN = hexToBytes('0102030405060708');
const POW_HASH = 'eb0f4436dc49e3d695074675b7cad1b26303560fde34edecac16309970b5737f';
const PARENT = '53717b004829f67121664e8ae0ace4a9e1020cd262879fd47ce066a3e7043d5a';
const utf8 = (s: string) => bytesToHex(new TextEncoder().encode(s));

const VECTORS: Array<[string, KnownMessage, string]> = [
  [
    'AllocateMiningJobToken: user_identifier first, then request_id',
    { type: 'AllocateMiningJobToken', userIdentifier: 'pool.rig', requestId: 7 },
    ['000050', '0d0000', '08', utf8('pool.rig'), '07000000'].join(''),
  ],
  [
    'AllocateMiningJobToken.Success carrying an 8-byte token and the payout lock bytes',
    {
      type: 'AllocateMiningJobTokenSuccess',
      requestId: 7,
      miningJobToken: TOKEN,
      coinbaseTxOutputs: hexToBytes('aabb'),
    },
    '000051' + '110000' + '07000000' + '08' + '0102030405060708' + '0200' + 'aabb',
  ],
  [
    'ProvideMissingTransactions asking for positions 0 and 2',
    { type: 'ProvideMissingTransactions', requestId: 1, unknownTxPositionList: [0, 2] },
    '000055' + '0a0000' + '01000000' + '0200' + '0000' + '0200',
  ],
  [
    'ProvideMissingTransactions.Success with one B0_16M transaction',
    { type: 'ProvideMissingTransactionsSuccess', requestId: 1, transactionList: [hexToBytes('abcd')] },
    '000056' + '0b0000' + '01000000' + '0100' + '020000' + 'abcd',
  ],
  [
    'DeclareMiningJob.Success with a new token',
    { type: 'DeclareMiningJobSuccess', requestId: 1, newMiningJobToken: hexToBytes('1112131415161718') },
    '000058' + '0d0000' + '01000000' + '08' + '1112131415161718',
  ],
  [
    'DeclareMiningJob.Error with a code and details',
    {
      type: 'DeclareMiningJobError',
      requestId: 1,
      errorCode: 'invalid-dao',
      errorDetails: hexToBytes('78'),
    },
    ['000059', '130000', '01000000', '0b', utf8('invalid-dao'), '0100', '78'].join(''),
  ],
  [
    'PushSolution in SRI field order (ntime before nonce)',
    {
      type: 'PushSolution',
      extranonce: hexToBytes('aa'),
      prevHash: hexToBytes(PARENT),
      ntime: 1,
      nonce: 2,
      nbits: 3,
      version: 4,
    },
    ['000060', '320000', '01aa', PARENT, '01000000', '02000000', '03000000', '04000000'].join(''),
  ],
  [
    'SetCustomCkbMiningJob: a channel message, extension bytes cb cc',
    {
      type: 'SetCustomCkbMiningJob',
      channelId: 2,
      requestId: 5,
      miningJobToken: TOKEN,
      powHash: hexToBytes(POW_HASH),
      parentHash: hexToBytes(PARENT),
      number: 16406793n,
      compactTarget: 0x1908f459,
    },
    'cbcc22' +
      '5d0000' +
      '02000000' +
      '05000000' +
      '08' +
      '0102030405060708' +
      POW_HASH +
      PARENT +
      '0959fa0000000000' +
      '59f40819',
  ],
  [
    'PushCkbSolution: token and the 16 nonce bytes as-is, extension bytes cb 4c',
    {
      type: 'PushCkbSolution',
      miningJobToken: TOKEN,
      nonce: hexToBytes('207bb9ef080000007dc3929f157e882b'),
    },
    'cb4c60' + '190000' + '08' + '0102030405060708' + '207bb9ef080000007dc3929f157e882b',
  ],
  [
    'DeclareCkbMiningJob with one transaction, one proposal, no uncles and a 32-byte extension',
    {
      type: 'DeclareCkbMiningJob',
      requestId: 1,
      miningJobToken: TOKEN,
      version: 0,
      compactTarget: 0x20010000,
      timestamp: 1_700_000_000_000n,
      number: 12n,
      epoch: 0x7_0a00_0200_0001n,
      parentHash: new Uint8Array(32).fill(0x33),
      dao: new Uint8Array(32).fill(0x44),
      cellbase: hexToBytes('c0ffee'),
      txHashList: [new Uint8Array(32).fill(0x11)],
      witnessHashList: [new Uint8Array(32).fill(0x22)],
      proposals: hexToBytes('a0a1a2a3a4a5a6a7a8a9'),
      uncles: hexToBytes('04000000'),
      extension: new Uint8Array(32).fill(0x55),
    },
    'cb4c57' +
      'e90000' +
      '01000000' +
      '08' +
      '0102030405060708' +
      '00000000' +
      '00000120' +
      '0068e5cf8b010000' +
      '0c00000000000000' +
      '01000002000a0700' +
      '33'.repeat(32) +
      '44'.repeat(32) +
      '0300' +
      'c0ffee' +
      '0100' +
      '11'.repeat(32) +
      '0100' +
      '22'.repeat(32) +
      '0a00' +
      'a0a1a2a3a4a5a6a7a8a9' +
      '0400' +
      '04000000' +
      '20' +
      '55'.repeat(32),
  ],
];

describe('Job Declaration frames', () => {
  for (const [name, msg, frame] of VECTORS) {
    it(`encodes and decodes ${name}`, () => {
      expect(bytesToHex(encodeMessage(msg))).toBe(frame);
      expect(decodeMessage(hexToBytes(frame))).toEqual(msg);
    });
  }

  it('refuses to encode a PushCkbSolution nonce that is not 16 bytes', () => {
    expect(() =>
      encodeMessage({ type: 'PushCkbSolution', miningJobToken: TOKEN, nonce: new Uint8Array(12) }),
    ).toThrow(Sv2EncodeError);
  });

  it('names the CKB declaration in the error for a truncated payload', () => {
    const frame = hexToBytes(VECTORS[VECTORS.length - 1][2]);
    const truncated = frame.subarray(0, 6 + 120);
    truncated.set([120, 0, 0], 3);
    expect(() => decodeMessage(truncated)).toThrow(Sv2DecodeError);
    expect(() => decodeMessage(truncated)).toThrow(/^DeclareCkbMiningJob: /);
  });
});
