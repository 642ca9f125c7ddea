/**
 * The annotated example session of docs/protocol.md, produced by our own encoder so the
 * document cannot drift from the code (a test compares them). The values are real: mainnet
 * block 16,406,793 mined through a channel whose extranonce_prefix is the block nonce's first
 * 4 bytes. Print the markdown with `npx tsx pool/src/sv2/messages/example-session.ts`.
 */
import { fileURLToPath } from 'node:url';
import { bytesToHex, hexToBytes } from '../../ckb/hex.js';
import { difficultyToTarget, targetToU256Le } from '../../ckb/target.js';
import { Reader } from '../binary.js';
import { FRAME_HEADER_SIZE } from '../frame.js';
import { CODECS, EXTENSION_CKB, encodeMessage, type KnownMessage, messageInfo } from './index.js';

export interface SessionStep {
  from: 'Client' | 'Pool';
  msg: KnownMessage;
}

/** Share difficulty of the example channel: 2^48 Eaglesong hashes (≈ 10 s of a 29 TH/s ASIC). */
export const EXAMPLE_SHARE_DIFFICULTY = 2n ** 48n;

export function exampleSession(): SessionStep[] {
  // The pool numbers the connection's group channel first, then its channels.
  const groupChannelId = 1;
  const channelId = 2;
  return [
    {
      from: 'Client',
      msg: {
        type: 'SetupConnection',
        protocol: 0,
        minVersion: 2,
        maxVersion: 2,
        flags: 0,
        endpointHost: 'pool.example.com',
        endpointPort: 34254,
        vendor: 'ckb-pool',
        hardwareVersion: 'cpu',
        firmware: '0.1.0',
        deviceId: 'rig01',
      },
    },
    { from: 'Pool', msg: { type: 'SetupConnectionSuccess', usedVersion: 2, flags: 0 } },
    {
      from: 'Client',
      msg: { type: 'RequestExtensions', requestId: 1, requestedExtensions: [EXTENSION_CKB] },
    },
    {
      from: 'Pool',
      msg: { type: 'RequestExtensionsSuccess', requestId: 1, supportedExtensions: [EXTENSION_CKB] },
    },
    {
      from: 'Client',
      msg: {
        type: 'OpenStandardMiningChannel',
        requestId: 1,
        userIdentity: 'alice.rig01',
        nominalHashRate: Math.fround(29e12), // what the F32 on the wire holds
        maxTarget: new Uint8Array(32).fill(0xff),
      },
    },
    {
      from: 'Pool',
      msg: {
        type: 'OpenStandardMiningChannelSuccess',
        requestId: 1,
        channelId,
        target: targetToU256Le(difficultyToTarget(EXAMPLE_SHARE_DIFFICULTY)),
        extranoncePrefix: hexToBytes('207bb9ef'),
        groupChannelId,
      },
    },
    {
      from: 'Pool',
      msg: {
        type: 'NewCkbJob',
        channelId,
        jobId: 1,
        cleanJobs: true,
        height: 16406793n,
        powHash: hexToBytes('eb0f4436dc49e3d695074675b7cad1b26303560fde34edecac16309970b5737f'),
        parentHash: hexToBytes('53717b004829f67121664e8ae0ace4a9e1020cd262879fd47ce066a3e7043d5a'),
        compactTarget: 0x1908f459,
      },
    },
    {
      from: 'Client',
      msg: {
        type: 'SubmitSharesCkb',
        channelId,
        sequenceNumber: 0,
        jobId: 1,
        nonceSuffix: hexToBytes('080000007dc3929f157e882b'),
      },
    },
    {
      from: 'Pool',
      msg: {
        type: 'SubmitSharesSuccess',
        channelId,
        lastSequenceNumber: 0,
        newSubmitsAcceptedCount: 1,
        newSharesSum: EXAMPLE_SHARE_DIFFICULTY,
      },
    },
  ];
}

export interface Span {
  method: string;
  /** SV2-type reads nested in this field: for SEQ/OPTION, [count prefix, first element, …]. */
  nested: string[];
  start: number;
  end: number;
}

/** Decodes a payload while recording the byte span and SV2 type of each top-level field. */
export function fieldSpans(msg: KnownMessage, payload: Uint8Array): Span[] {
  const spans: Span[] = [];
  let depth = 0;
  const reader = new Reader(payload);
  const traced: Reader = new Proxy(reader, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        const start = target.offset;
        if (depth > 0 && String(prop) in TYPE_NAMES) spans[spans.length - 1].nested.push(String(prop));
        if (depth === 0) spans.push({ method: String(prop), nested: [], start, end: start });
        depth++;
        try {
          return value.apply(traced, args);
        } finally {
          depth--;
          if (depth === 0) spans[spans.length - 1].end = target.offset;
        }
      };
    },
  });
  (CODECS[msg.type].decode as (r: Reader) => unknown)(traced);
  return spans;
}

export const TYPE_NAMES: Record<string, string> = {
  bool: 'BOOL',
  u8: 'U8',
  u16: 'U16',
  u24: 'U24',
  u32: 'U32',
  u64: 'U64',
  f32: 'F32',
  u256: 'U256',
  str0_255: 'STR0_255',
  b0_32: 'B0_32',
  b0_255: 'B0_255',
  b0_64k: 'B0_64K',
  b0_16m: 'B0_16M',
  seq0_255: 'SEQ0_255',
  seq0_64k: 'SEQ0_64K',
  option: 'OPTION',
};

const spaced = (b: Uint8Array): string => bytesToHex(b).replace(/(..)(?!$)/g, '$1 ');
const snake = (s: string): string => s.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

function show(v: unknown): string {
  if (v instanceof Uint8Array) return v.length <= 16 ? `0x${bytesToHex(v)}` : `${v.length} bytes`;
  if (Array.isArray(v))
    return `[${v.map((x) => (typeof x === 'number' ? `0x${x.toString(16)}` : show(x))).join(', ')}]`;
  if (typeof v === 'string') return JSON.stringify(v);
  return String(v);
}

/** Field-by-field note for values whose meaning is not obvious from the number. */
function note(msg: KnownMessage, field: string): string {
  if (msg.type === 'RequestExtensions' || msg.type === 'RequestExtensionsSuccess') {
    if (field.endsWith('Extensions')) return ' (CKB mining)';
  }
  if (msg.type === 'OpenStandardMiningChannel' && field === 'nominalHashRate') return ' H/s (Eaglesong)';
  if (msg.type === 'OpenStandardMiningChannel' && field === 'maxTarget') return ' (0xff…: any target)';
  if (msg.type === 'OpenStandardMiningChannelSuccess' && field === 'target')
    return ' (2^208 LE = difficulty 2^48)';
  if (msg.type === 'SubmitSharesSuccess' && field === 'newSharesSum') return ' (Σ CKB difficulty = 2^48)';
  if (msg.type === 'OpenStandardMiningChannelSuccess' && field === 'extranoncePrefix') {
    return ' (pool instance 0x20, channel index 0x7bb9ef)';
  }
  if (msg.type === 'OpenStandardMiningChannelSuccess' && field === 'groupChannelId')
    return " (the connection's group channel)";
  if (msg.type === 'NewCkbJob' && field === 'height') return ' (0xfa5909)';
  if (msg.type === 'NewCkbJob' && field === 'powHash')
    return ' (ckbhash(RawHeader), as Eaglesong absorbs it)';
  if (msg.type === 'NewCkbJob' && field === 'parentHash') return ' (header bytes, not reversed)';
  if (msg.type === 'NewCkbJob' && field === 'compactTarget') return ' (0x1908f459)';
  if (msg.type === 'SubmitSharesCkb' && field === 'nonceSuffix') return ' (12 bytes after the 4-byte prefix)';
  return '';
}

/** Markdown for the whole session: one table per frame, every byte accounted for. */
export function renderExampleSession(): string {
  const out: string[] = [];
  exampleSession().forEach(({ from, msg }, i) => {
    const info = messageInfo(msg.type);
    const frame = encodeMessage(msg);
    const payload = frame.subarray(FRAME_HEADER_SIZE);
    const to = from === 'Client' ? 'Pool' : 'Client';
    out.push(`#### ${i + 1}. ${from} → ${to}: ${info.specName} (${frame.length} bytes)`, '');
    out.push('| bytes | field | type | value |', '|---|---|---|---|');
    const extWord = info.extensionType | (info.channelMsg ? 0x8000 : 0);
    out.push(
      `| \`${spaced(frame.subarray(0, 2))}\` | extension_type | U16 | 0x${extWord.toString(16).padStart(4, '0')}` +
        ` (extension 0x${info.extensionType.toString(16).padStart(4, '0')}, channel_msg ${info.channelMsg ? 1 : 0}) |`,
    );
    out.push(
      `| \`${spaced(frame.subarray(2, 3))}\` | msg_type | U8 | 0x${info.msgType.toString(16).padStart(2, '0')} |`,
    );
    out.push(`| \`${spaced(frame.subarray(3, 6))}\` | msg_length | U24 | ${payload.length} |`);
    const fields = Object.keys(msg).filter((k) => k !== 'type' && k !== 'tlv');
    fieldSpans(msg, payload).forEach((span, j) => {
      const field = fields[j];
      const value = (msg as unknown as Record<string, unknown>)[field];
      let type = TYPE_NAMES[span.method] ?? span.method;
      const element = /^(seq|option)/.test(span.method) ? span.nested[1] : undefined;
      if (element) type += `[${TYPE_NAMES[element]}]`;
      const bytes = spaced(payload.subarray(span.start, span.end));
      out.push(`| \`${bytes}\` | ${snake(field)} | ${type} | ${show(value)}${note(msg, field)} |`);
    });
    out.push('', `Frame: \`${bytesToHex(frame)}\``, '');
  });
  return out.join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  process.stdout.write(`${renderExampleSession()}\n`);
}
