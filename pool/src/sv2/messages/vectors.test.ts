import { describe, expect, it } from 'vitest';
import { describeWithShared, readSharedJson } from '../../../test/shared.js';
import { NOISE_HANDSHAKE } from '../../../test/vectors/noise-handshake.js';
import { bytesToHex, hexToBytes } from '../../ckb/hex.js';
import {
  CODECS,
  decodeMessage,
  decodePayload,
  encodeMessage,
  encodePayload,
  type KnownMessage,
  messageInfo,
  type Sv2MessageType,
} from './index.js';

// ---- self-generated vectors (every Common and Mining message, extensions negotiation) ----

interface GeneratedVector {
  name: string;
  msg_type: string;
  channel_msg: boolean;
  extension_type: number;
  fields: Record<string, unknown>;
  payload_hex: string;
  frame_hex: string;
}

const GENERATED = 'reference/vectors/generated/sv2-message-vectors.json';
/** Fields that are byte strings on our side (hex in the vector file). */
const BYTE_FIELDS = new Set([
  'max_target',
  'target',
  'maximum_target',
  'extranonce_prefix',
  'extranonce',
  'merkle_root',
  'prev_hash',
  'coinbase_tx_prefix',
  'coinbase_tx_suffix',
  'mining_job_token',
  'coinbase_prefix',
  'coinbase_tx_outputs',
  'tlv',
]);
const U64_FIELDS = new Set(['new_shares_sum']);

const camel = (s: string): string => s.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

/** The message a vector describes, built from its field list (independently of our decoder). */
function messageFromVector(v: GeneratedVector): KnownMessage {
  // "SetupConnection.Success" → SetupConnectionSuccess; "NewMiningJob (future, …)" → NewMiningJob
  const type = v.name.split(' ')[0].replaceAll('.', '') as Sv2MessageType;
  const msg: Record<string, unknown> = { type };
  for (const [rawKey, value] of Object.entries(v.fields)) {
    const key = rawKey.replace('(f32)', '');
    let out: unknown = value;
    if (key === 'merkle_path') out = (value as string[]).map(hexToBytes);
    else if (BYTE_FIELDS.has(key)) out = hexToBytes(value as string);
    else if (U64_FIELDS.has(key)) out = BigInt(value as number);
    else if (key === 'nominal_hash_rate') out = Math.fround(value as number);
    msg[camel(key)] = out;
  }
  return msg as unknown as KnownMessage;
}

describeWithShared(GENERATED, 'generated SV2 message vectors', () => {
  const { messages } = readSharedJson<{ messages: GeneratedVector[] }>(GENERATED);

  it('cover every Common and Mining message we implement', () => {
    const covered = new Set<string>(messages.map((v) => messageFromVector(v).type));
    const core = (Object.keys(CODECS) as Sv2MessageType[]).filter((t) => {
      const { extensionType, msgType } = messageInfo(t);
      return extensionType === 0 && msgType < 0x50; // Common 0x00–0x04, Mining 0x10–0x25
    });
    expect(core.length).toBe(5 + 21);
    expect(core.filter((t) => !covered.has(t))).toEqual([]);
  });

  for (const v of messages) {
    it(`${v.name}: encodes to exactly the vector bytes and decodes back`, () => {
      const msg = messageFromVector(v);
      const info = messageInfo(msg.type);
      expect(info.msgType).toBe(Number.parseInt(v.msg_type, 16));
      expect(info.channelMsg).toBe(v.channel_msg);
      expect(info.extensionType).toBe(v.extension_type);
      expect(bytesToHex(encodePayload(msg))).toBe(v.payload_hex);
      expect(bytesToHex(encodeMessage(msg))).toBe(v.frame_hex);
      expect(decodeMessage(hexToBytes(v.frame_hex))).toEqual(msg);
    });
  }
});

// ---- official sv2-tp vectors (payloads only, values from the C++ test) ----

interface TpVector {
  name: string;
  payload_hex?: string;
}

const TP = 'reference/vectors/sv2-tp/sv2-tp-message-vectors.json';
const merkle = hexToBytes('1a6240823de4c8d6aaf826851bdf2b0e8d5acf7c31e8578cff4c394b5a32bd4e');
const newTemplate = (outputsCount: number, outputsHex: string): KnownMessage => ({
  type: 'NewTemplate',
  templateId: 1n,
  futureTemplate: false,
  version: 805306368,
  coinbaseTxVersion: 2,
  coinbasePrefix: hexToBytes('03012100'),
  coinbaseTxInputSequence: 0xffffffff,
  coinbaseTxValueRemaining: 2100000000000000n,
  coinbaseTxOutputsCount: outputsCount,
  coinbaseTxOutputs: hexToBytes(outputsHex),
  coinbaseTxLocktime: 903387,
  merklePath: [merkle],
});
/** Values transcribed from each vector's description; matched by name prefix. */
const TP_EXPECTED: Array<[string, KnownMessage]> = [
  [
    'SetupConnection {',
    {
      type: 'SetupConnection',
      protocol: 2,
      minVersion: 2,
      maxVersion: 2,
      flags: 1,
      endpointHost: '0.0.0.0',
      endpointPort: 8545,
      vendor: 'Bitmain',
      hardwareVersion: 'S9i 13.5',
      firmware: 'braiins-os-2018-09-22-1-hash',
      deviceId: 'some-device-uuid',
    },
  ],
  ['SetupConnection.Success', { type: 'SetupConnectionSuccess', usedVersion: 2, flags: 3 }],
  [
    'SetupConnection.Error',
    { type: 'SetupConnectionError', flags: 0, errorCode: 'protocol-version-mismatch' },
  ],
  // value 1 sat, script OP_RETURN 42 (8-byte value, CompactSize 3, 6a 01 2a)
  ['NewTemplate {', newTemplate(1, '0100000000000000036a012a')],
  [
    'NewTemplate with 3',
    newTemplate(3, '6400000000000000026a51c800000000000000026a522c01000000000000026a53'),
  ],
  [
    'TDP SetNewPrevHash',
    {
      type: 'TdpSetNewPrevHash',
      templateId: 2n,
      prevHash: hexToBytes('e59a2ef8d4826b89fe637f3b5322c0f167fd2d3dc88ec568a7c2c8ffd8eb8873'),
      headerTimestamp: 1661877399,
      nBits: 0x037fffff,
      target: hexToBytes(`ffff7f${'00'.repeat(29)}`),
    },
  ],
];

describeWithShared(TP, 'official sv2-tp message vectors', () => {
  const { vectors } = readSharedJson<{ vectors: TpVector[] }>(TP);
  const payloads = vectors.filter((v) => v.payload_hex);

  it('are all recognised by this test', () => {
    expect(payloads.length).toBe(TP_EXPECTED.length);
    for (const v of payloads) expect(TP_EXPECTED.some(([prefix]) => v.name.startsWith(prefix))).toBe(true);
  });

  for (const v of payloads) {
    it(`${v.name.slice(0, 60)}…: encodes to exactly the vector bytes and decodes back`, () => {
      const [, msg] = TP_EXPECTED.find(([prefix]) => v.name.startsWith(prefix))!;
      expect(bytesToHex(encodePayload(msg))).toBe(v.payload_hex);
      const info = messageInfo(msg.type);
      expect(decodePayload(info, hexToBytes(v.payload_hex!))).toEqual(msg);
    });
  }
});

// ---- the plaintext frames inside the generated Noise transcript ----

describe('plaintext frames of the generated Noise transcript', () => {
  it('decode to the messages they carry and re-encode byte for byte', () => {
    const v = NOISE_HANDSHAKE;
    const setup = decodeMessage(hexToBytes(v.example_frame_1_plain));
    expect(setup).toMatchObject({
      type: 'SetupConnection',
      protocol: 0,
      endpointHost: '127.0.0.1',
      vendor: 'SRI',
    });
    expect(bytesToHex(encodeMessage(setup))).toBe(v.example_frame_1_plain);
    const ok = decodeMessage(hexToBytes(v.example_frame_2_plain));
    expect(ok).toEqual({ type: 'SetupConnectionSuccess', usedVersion: 2, flags: 0 });
    expect(bytesToHex(encodeMessage(ok))).toBe(v.example_frame_2_plain);
  });
});
