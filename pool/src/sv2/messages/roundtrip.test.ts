import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bytesToHex, hexToBytes } from '../../ckb/hex.js';
import { Sv2DecodeError, Sv2EncodeError } from '../binary.js';
import { FrameDecoder } from '../frame.js';
import {
  CODECS,
  decodeMessage,
  decodePayload,
  encodeMessage,
  encodePayload,
  type KnownMessage,
  type MessageOf,
  messageInfo,
  type Sv2Message,
  type Sv2MessageType,
} from './index.js';

const u8 = fc.integer({ min: 0, max: 0xff });
const u16 = fc.integer({ min: 0, max: 0xffff });
const u32 = fc.integer({ min: 0, max: 0xffffffff });
const u64 = fc.bigInt({ min: 0n, max: 2n ** 64n - 1n });
const f32 = fc.float();
const u256 = fc.uint8Array({ minLength: 32, maxLength: 32 });
const utf8 = new TextEncoder();
const str = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 40 }).filter((s) => utf8.encode(s).length <= 255),
  fc.string({ unit: 'grapheme-ascii', minLength: 250, maxLength: 255 }),
);
const b32 = fc.uint8Array({ maxLength: 32 });
const b255 = fc.uint8Array({ maxLength: 255 });
const b64k = fc.uint8Array({ maxLength: 600 });
const path = fc.array(u256, { maxLength: 12 });
const ext = fc.array(u16, { maxLength: 8 });
const lit = <T extends string>(t: T) => fc.constant(t);

/** One arbitrary per message type; the mapped type makes the compiler demand all of them. */
const ARBITRARIES: { [T in Sv2MessageType]: fc.Arbitrary<MessageOf<T>> } = {
  SetupConnection: fc.record({
    type: lit('SetupConnection'),
    protocol: u8,
    minVersion: u16,
    maxVersion: u16,
    flags: u32,
    endpointHost: str,
    endpointPort: u16,
    vendor: str,
    hardwareVersion: str,
    firmware: str,
    deviceId: str,
  }),
  SetupConnectionSuccess: fc.record({ type: lit('SetupConnectionSuccess'), usedVersion: u16, flags: u32 }),
  SetupConnectionError: fc.record({ type: lit('SetupConnectionError'), flags: u32, errorCode: str }),
  ChannelEndpointChanged: fc.record({ type: lit('ChannelEndpointChanged'), channelId: u32 }),
  Reconnect: fc.record({ type: lit('Reconnect'), newHost: str, newPort: u16 }),
  RequestExtensions: fc.record({ type: lit('RequestExtensions'), requestId: u16, requestedExtensions: ext }),
  RequestExtensionsSuccess: fc.record({
    type: lit('RequestExtensionsSuccess'),
    requestId: u16,
    supportedExtensions: ext,
  }),
  RequestExtensionsError: fc.record({
    type: lit('RequestExtensionsError'),
    requestId: u16,
    unsupportedExtensions: ext,
    requiredExtensions: ext,
  }),
  OpenStandardMiningChannel: fc.record({
    type: lit('OpenStandardMiningChannel'),
    requestId: u32,
    userIdentity: str,
    nominalHashRate: f32,
    maxTarget: u256,
  }),
  OpenStandardMiningChannelSuccess: fc.record({
    type: lit('OpenStandardMiningChannelSuccess'),
    requestId: u32,
    channelId: u32,
    target: u256,
    extranoncePrefix: b32,
    groupChannelId: u32,
  }),
  OpenMiningChannelError: fc.record({ type: lit('OpenMiningChannelError'), requestId: u32, errorCode: str }),
  OpenExtendedMiningChannel: fc.record({
    type: lit('OpenExtendedMiningChannel'),
    requestId: u32,
    userIdentity: str,
    nominalHashRate: f32,
    maxTarget: u256,
    minExtranonceSize: u16,
  }),
  OpenExtendedMiningChannelSuccess: fc.record({
    type: lit('OpenExtendedMiningChannelSuccess'),
    requestId: u32,
    channelId: u32,
    target: u256,
    extranonceSize: u16,
    extranoncePrefix: b32,
    groupChannelId: u32,
  }),
  UpdateChannel: fc.record({
    type: lit('UpdateChannel'),
    channelId: u32,
    nominalHashRate: f32,
    maximumTarget: u256,
  }),
  UpdateChannelError: fc.record({ type: lit('UpdateChannelError'), channelId: u32, errorCode: str }),
  CloseChannel: fc.record({ type: lit('CloseChannel'), channelId: u32, reasonCode: str }),
  SetExtranoncePrefix: fc.record({ type: lit('SetExtranoncePrefix'), channelId: u32, extranoncePrefix: b32 }),
  SetTarget: fc.record({ type: lit('SetTarget'), channelId: u32, maximumTarget: u256 }),
  SetGroupChannel: fc.record({
    type: lit('SetGroupChannel'),
    groupChannelId: u32,
    channelIds: fc.array(u32, { maxLength: 20 }),
  }),
  NewMiningJob: fc.record({
    type: lit('NewMiningJob'),
    channelId: u32,
    jobId: u32,
    minNtime: fc.option(u32),
    version: u32,
    merkleRoot: u256,
  }),
  SubmitSharesStandard: fc.record({
    type: lit('SubmitSharesStandard'),
    channelId: u32,
    sequenceNumber: u32,
    jobId: u32,
    nonce: u32,
    ntime: u32,
    version: u32,
  }),
  SubmitSharesExtended: fc.record({
    type: lit('SubmitSharesExtended'),
    channelId: u32,
    sequenceNumber: u32,
    jobId: u32,
    nonce: u32,
    ntime: u32,
    version: u32,
    extranonce: b32,
  }),
  SubmitSharesSuccess: fc.record({
    type: lit('SubmitSharesSuccess'),
    channelId: u32,
    lastSequenceNumber: u32,
    newSubmitsAcceptedCount: u32,
    newSharesSum: u64,
  }),
  SubmitSharesError: fc.record({
    type: lit('SubmitSharesError'),
    channelId: u32,
    sequenceNumber: u32,
    errorCode: str,
  }),
  NewExtendedMiningJob: fc.record({
    type: lit('NewExtendedMiningJob'),
    channelId: u32,
    jobId: u32,
    minNtime: fc.option(u32),
    version: u32,
    versionRollingAllowed: fc.boolean(),
    merklePath: path,
    coinbaseTxPrefix: b64k,
    coinbaseTxSuffix: b64k,
  }),
  SetNewPrevHash: fc.record({
    type: lit('SetNewPrevHash'),
    channelId: u32,
    jobId: u32,
    prevHash: u256,
    minNtime: u32,
    nbits: u32,
  }),
  SetCustomMiningJob: fc.record({
    type: lit('SetCustomMiningJob'),
    channelId: u32,
    requestId: u32,
    miningJobToken: b255,
    version: u32,
    prevHash: u256,
    minNtime: u32,
    nbits: u32,
    coinbaseTxVersion: u32,
    coinbasePrefix: b255,
    coinbaseTxInputNSequence: u32,
    coinbaseTxOutputs: b64k,
    coinbaseTxLocktime: u32,
    merklePath: path,
  }),
  SetCustomMiningJobSuccess: fc.record({
    type: lit('SetCustomMiningJobSuccess'),
    channelId: u32,
    requestId: u32,
    jobId: u32,
  }),
  SetCustomMiningJobError: fc.record({
    type: lit('SetCustomMiningJobError'),
    channelId: u32,
    requestId: u32,
    errorCode: str,
  }),
  NewCkbJob: fc.record({
    type: lit('NewCkbJob'),
    channelId: u32,
    jobId: u32,
    cleanJobs: fc.boolean(),
    height: u64,
    powHash: u256,
    parentHash: u256,
    compactTarget: u32,
  }),
  SubmitSharesCkb: fc.record({
    type: lit('SubmitSharesCkb'),
    channelId: u32,
    sequenceNumber: u32,
    jobId: u32,
    nonceSuffix: b32,
  }),
  AllocateMiningJobToken: fc.record({
    type: lit('AllocateMiningJobToken'),
    userIdentifier: str,
    requestId: u32,
  }),
  AllocateMiningJobTokenSuccess: fc.record({
    type: lit('AllocateMiningJobTokenSuccess'),
    requestId: u32,
    miningJobToken: b255,
    coinbaseTxOutputs: b64k,
  }),
  ProvideMissingTransactions: fc.record({
    type: lit('ProvideMissingTransactions'),
    requestId: u32,
    unknownTxPositionList: fc.array(u16, { maxLength: 20 }),
  }),
  ProvideMissingTransactionsSuccess: fc.record({
    type: lit('ProvideMissingTransactionsSuccess'),
    requestId: u32,
    transactionList: fc.array(b64k, { maxLength: 4 }),
  }),
  DeclareMiningJob: fc.record({
    type: lit('DeclareMiningJob'),
    requestId: u32,
    miningJobToken: b255,
    version: u32,
    coinbaseTxPrefix: b64k,
    coinbaseTxSuffix: b64k,
    wtxidList: path,
    excessData: b64k,
  }),
  DeclareMiningJobSuccess: fc.record({
    type: lit('DeclareMiningJobSuccess'),
    requestId: u32,
    newMiningJobToken: b255,
  }),
  DeclareMiningJobError: fc.record({
    type: lit('DeclareMiningJobError'),
    requestId: u32,
    errorCode: str,
    errorDetails: b64k,
  }),
  PushSolution: fc.record({
    type: lit('PushSolution'),
    extranonce: b32,
    prevHash: u256,
    ntime: u32,
    nonce: u32,
    nbits: u32,
    version: u32,
  }),
  SetCustomCkbMiningJob: fc.record({
    type: lit('SetCustomCkbMiningJob'),
    channelId: u32,
    requestId: u32,
    miningJobToken: b255,
    powHash: u256,
    parentHash: u256,
    number: u64,
    compactTarget: u32,
  }),
  DeclareCkbMiningJob: fc.record({
    type: lit('DeclareCkbMiningJob'),
    requestId: u32,
    miningJobToken: b255,
    version: u32,
    compactTarget: u32,
    timestamp: u64,
    number: u64,
    epoch: u64,
    parentHash: u256,
    dao: u256,
    cellbase: b64k,
    txHashList: path,
    witnessHashList: path,
    proposals: b64k,
    uncles: b64k,
    extension: b255,
  }),
  PushCkbSolution: fc.record({
    type: lit('PushCkbSolution'),
    miningJobToken: b255,
    nonce: fc.uint8Array({ minLength: 16, maxLength: 16 }),
  }),
  DeclareWorker: fc.record({ type: lit('DeclareWorker'), channelId: u32, workerId: u32, name: str }),
  DeclareWorkerSuccess: fc.record({ type: lit('DeclareWorkerSuccess'), channelId: u32, workerId: u32 }),
  DeclareWorkerError: fc.record({
    type: lit('DeclareWorkerError'),
    channelId: u32,
    workerId: u32,
    errorCode: str,
  }),
  CoinbaseOutputConstraints: fc.record({
    type: lit('CoinbaseOutputConstraints'),
    coinbaseOutputMaxAdditionalSize: u32,
    coinbaseOutputMaxAdditionalSigops: u16,
  }),
  NewTemplate: fc.record({
    type: lit('NewTemplate'),
    templateId: u64,
    futureTemplate: fc.boolean(),
    version: u32,
    coinbaseTxVersion: u32,
    coinbasePrefix: b255,
    coinbaseTxInputSequence: u32,
    coinbaseTxValueRemaining: u64,
    coinbaseTxOutputsCount: u32,
    coinbaseTxOutputs: b64k,
    coinbaseTxLocktime: u32,
    merklePath: path,
  }),
  TdpSetNewPrevHash: fc.record({
    type: lit('TdpSetNewPrevHash'),
    templateId: u64,
    prevHash: u256,
    headerTimestamp: u32,
    nBits: u32,
    target: u256,
  }),
  RequestTransactionData: fc.record({ type: lit('RequestTransactionData'), templateId: u64 }),
  RequestTransactionDataSuccess: fc.record({
    type: lit('RequestTransactionDataSuccess'),
    templateId: u64,
    excessData: b64k,
    transactionList: fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 6 }),
  }),
  RequestTransactionDataError: fc.record({
    type: lit('RequestTransactionDataError'),
    templateId: u64,
    errorCode: str,
  }),
  SubmitSolution: fc.record({
    type: lit('SubmitSolution'),
    templateId: u64,
    version: u32,
    headerTimestamp: u32,
    headerNonce: u32,
    coinbaseTx: b64k,
  }),
};

const TYPES = Object.keys(ARBITRARIES) as Sv2MessageType[];
const tlv = fc.option(fc.uint8Array({ minLength: 1, maxLength: 24 }), { nil: undefined });
const withTlv = <M extends KnownMessage>(arb: fc.Arbitrary<M>): fc.Arbitrary<M> =>
  fc.tuple(arb, tlv).map(([m, t]) => (t ? { ...m, tlv: t } : m));

describe('SV2 message round trip', () => {
  it('has an arbitrary for exactly the codec table', () => {
    expect(TYPES.sort()).toEqual(Object.keys(CODECS).sort());
  });

  for (const type of TYPES) {
    it(`${type} survives encode → frame decoder → decode, with and without trailing TLV bytes`, () => {
      fc.assert(
        fc.property(withTlv(ARBITRARIES[type] as fc.Arbitrary<KnownMessage>), (msg) => {
          const frame = encodeMessage(msg);
          const frames = new FrameDecoder().push(frame);
          expect(frames).toHaveLength(1);
          expect(decodeMessage(frames[0])).toEqual(msg);
          expect(frame.subarray(6)).toEqual(encodePayload(msg));
        }),
        { numRuns: 60 },
      );
    });
  }
});

/** The SV2 specification's message tables (mining, extension 0x0001; docs/protocol.md §3): id and channel bit. */
const SPEC_TABLE: Array<[Sv2MessageType, number, number, boolean]> = [
  ['SetupConnection', 0, 0x00, false],
  ['SetupConnectionSuccess', 0, 0x01, false],
  ['SetupConnectionError', 0, 0x02, false],
  ['ChannelEndpointChanged', 0, 0x03, true],
  ['Reconnect', 0, 0x04, false],
  ['RequestExtensions', 1, 0x00, false],
  ['RequestExtensionsSuccess', 1, 0x01, false],
  ['RequestExtensionsError', 1, 0x02, false],
  ['OpenStandardMiningChannel', 0, 0x10, false],
  ['OpenStandardMiningChannelSuccess', 0, 0x11, false],
  ['OpenMiningChannelError', 0, 0x12, false],
  ['OpenExtendedMiningChannel', 0, 0x13, false],
  ['OpenExtendedMiningChannelSuccess', 0, 0x14, false],
  ['NewMiningJob', 0, 0x15, true],
  ['UpdateChannel', 0, 0x16, true],
  ['UpdateChannelError', 0, 0x17, true],
  ['CloseChannel', 0, 0x18, true],
  ['SetExtranoncePrefix', 0, 0x19, true],
  ['SubmitSharesStandard', 0, 0x1a, true],
  ['SubmitSharesExtended', 0, 0x1b, true],
  ['SubmitSharesSuccess', 0, 0x1c, true],
  ['SubmitSharesError', 0, 0x1d, true],
  ['NewExtendedMiningJob', 0, 0x1f, true],
  ['SetNewPrevHash', 0, 0x20, true],
  ['SetTarget', 0, 0x21, true],
  ['SetCustomMiningJob', 0, 0x22, true],
  ['SetCustomMiningJobSuccess', 0, 0x23, true],
  ['SetCustomMiningJobError', 0, 0x24, true],
  ['SetGroupChannel', 0, 0x25, false],
  ['NewCkbJob', 0x4ccb, 0x01, true],
  ['SubmitSharesCkb', 0x4ccb, 0x02, true],
  // Job Declaration (sv2-spec 08-Message-Types.md: none is a channel message).
  ['AllocateMiningJobToken', 0, 0x50, false],
  ['AllocateMiningJobTokenSuccess', 0, 0x51, false],
  ['ProvideMissingTransactions', 0, 0x55, false],
  ['ProvideMissingTransactionsSuccess', 0, 0x56, false],
  ['DeclareMiningJob', 0, 0x57, false],
  ['DeclareMiningJobSuccess', 0, 0x58, false],
  ['DeclareMiningJobError', 0, 0x59, false],
  ['PushSolution', 0, 0x60, false],
  // 0x4CCB job declaration (docs/job-declaration-ckb.md §8): the msg_type of the message replaced.
  ['SetCustomCkbMiningJob', 0x4ccb, 0x22, true],
  ['DeclareCkbMiningJob', 0x4ccb, 0x57, false],
  ['PushCkbSolution', 0x4ccb, 0x60, false],
  ['DeclareWorker', 0x4ccb, 0x03, true],
  ['DeclareWorkerSuccess', 0x4ccb, 0x04, true],
  ['DeclareWorkerError', 0x4ccb, 0x05, true],
  ['CoinbaseOutputConstraints', 0, 0x70, false],
  ['NewTemplate', 0, 0x71, false],
  ['TdpSetNewPrevHash', 0, 0x72, false],
  ['RequestTransactionData', 0, 0x73, false],
  ['RequestTransactionDataSuccess', 0, 0x74, false],
  ['RequestTransactionDataError', 0, 0x75, false],
  ['SubmitSolution', 0, 0x76, false],
];

describe('SV2 message identities', () => {
  it('match the spec tables, including the channel bits that are easy to get wrong', () => {
    expect(SPEC_TABLE.map(([t]) => t).sort()).toEqual(Object.keys(CODECS).sort());
    for (const [type, extensionType, msgType, channelMsg] of SPEC_TABLE) {
      expect({ type, ...messageInfo(type) }).toMatchObject({ type, extensionType, msgType, channelMsg });
    }
  });

  it('frames the CKB messages with extension_type 0xCCCB on the wire', () => {
    const job = encodeMessage({
      type: 'NewCkbJob',
      channelId: 1,
      jobId: 2,
      cleanJobs: true,
      height: 16406793n,
      powHash: hexToBytes('eb0f4436dc49e3d695074675b7cad1b26303560fde34edecac16309970b5737f'),
      parentHash: new Uint8Array(32),
      compactTarget: 0x1908f459,
    });
    expect(bytesToHex(job.subarray(0, 6))).toBe('cbcc01550000');
    expect(job.length).toBe(6 + 4 + 4 + 1 + 8 + 32 + 32 + 4);
    const share = encodeMessage({
      type: 'SubmitSharesCkb',
      channelId: 1,
      sequenceNumber: 0,
      jobId: 2,
      nonceSuffix: hexToBytes('080000007dc3929f157e882b'),
    });
    expect(bytesToHex(share)).toBe(
      'cbcc02190000' + '01000000' + '00000000' + '02000000' + '0c080000007dc3929f157e882b',
    );
  });
});

describe('SV2 message decoding of unexpected input', () => {
  it('returns Unknown for unknown ids and re-encodes it byte for byte', () => {
    for (const hex of ['0000fe020000abcd', '0280010100000a', 'cbcc09000000', '00005a0100002a']) {
      const msg = decodeMessage(hexToBytes(hex));
      expect(msg.type).toBe('Unknown');
      expect(bytesToHex(encodeMessage(msg))).toBe(hex);
    }
    expect(decodeMessage(hexToBytes('cbcc09020000abcd'))).toEqual({
      type: 'Unknown',
      extensionType: 0x4ccb,
      channelMsg: true,
      msgType: 9,
      payload: hexToBytes('abcd'),
    });
  });

  it('looks core messages up by msg_type and ignores a wrong channel bit, as SRI does', () => {
    const frame = encodeMessage({ type: 'SetTarget', channelId: 3, maximumTarget: new Uint8Array(32) });
    frame[1] &= 0x7f;
    expect(decodeMessage(frame)).toMatchObject({ type: 'SetTarget', channelId: 3 });
  });

  it('keeps trailing bytes of a known message as undecoded TLV data', () => {
    const base = encodePayload({ type: 'SetupConnectionSuccess', usedVersion: 2, flags: 0 });
    const msg = decodePayload(
      messageInfo('SetupConnectionSuccess'),
      new Uint8Array([...base, 2, 0, 1, 0, 0]),
    );
    expect(msg).toEqual({
      type: 'SetupConnectionSuccess',
      usedVersion: 2,
      flags: 0,
      tlv: hexToBytes('0200010000'),
    });
  });

  it('refuses to encode a field outside its type instead of writing a bad frame', () => {
    const share = { type: 'SubmitSharesCkb', channelId: 1, sequenceNumber: 0, jobId: 1 } as const;
    expect(() => encodeMessage({ ...share, nonceSuffix: new Uint8Array(33) })).toThrow(Sv2EncodeError);
    expect(() => encodeMessage({ ...share, channelId: -1, nonceSuffix: new Uint8Array(12) })).toThrow(/U32/);
    expect(() =>
      encodeMessage({ type: 'SetTarget', channelId: 1, maximumTarget: new Uint8Array(31) }),
    ).toThrow(/U256 must be exactly 32 bytes/);
    // A failed encode leaves nothing behind in the shared buffer.
    expect(bytesToHex(encodeMessage({ type: 'ChannelEndpointChanged', channelId: 7 }))).toBe(
      '00800304000007000000',
    );
  });

  it('names the message in the typed error for a truncated payload', () => {
    const full = encodePayload({
      type: 'SubmitSharesCkb',
      channelId: 1,
      sequenceNumber: 2,
      jobId: 3,
      nonceSuffix: new Uint8Array(12),
    });
    try {
      decodePayload(messageInfo('SubmitSharesCkb'), full.subarray(0, 20));
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(Sv2DecodeError);
      expect((e as Error).message).toMatch(/^SubmitSharesCkb: B0_32 needs 12 bytes/);
    }
  });

  it('throws only Sv2DecodeError from every decoder on arbitrary payloads', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 120 }), (payload) => {
        for (const type of TYPES) {
          let msg: Sv2Message;
          try {
            msg = decodePayload(messageInfo(type), payload);
          } catch (e) {
            expect(e).toBeInstanceOf(Sv2DecodeError);
            continue;
          }
          // Whatever decodes must re-encode and decode to the same message.
          expect(decodeMessage(encodeMessage(msg))).toEqual(msg);
        }
      }),
      { numRuns: 300 },
    );
  });
});
