/**
 * The generated parts of docs/extensions/0x4CCB.md: the message tables with byte offsets, the
 * example frames and the Noise handshake transcript, all produced from our own encoder and our
 * own test vector, so the specification a firmware vendor reads cannot drift from the bytes the
 * pool speaks (ckb-extension-doc.test.ts compares them). Print with
 * `npx tsx pool/src/sv2/messages/ckb-extension-doc.ts`.
 */
import { fileURLToPath } from 'node:url';
import { bytesToHex, hexToBytes } from '../../ckb/hex.js';
import { difficultyToTarget, targetToU256Le } from '../../ckb/target.js';
import { FRAME_HEADER_SIZE } from '../frame.js';
import { fieldSpans, TYPE_NAMES } from './example-session.js';
import {
  EXTENSION_CKB,
  EXTENSION_WORKER_HASHRATE,
  encodeMessage,
  encodeTlvs,
  type KnownMessage,
  messageInfo,
  parseTlvs,
  TLV_CKB_WORKER_ID,
  TLV_USER_IDENTITY,
  workerIdTlv,
} from './index.js';

/** What each field of the extension's messages means (the prose column of the tables). */
export const FIELD_MEANINGS: Record<MessageOfCkb['type'], Record<string, string>> = {
  NewCkbJob: {
    channelId:
      'A standard or extended channel, or a group channel: then the job is for every channel in the group',
    jobId: 'Identifies the job in SubmitSharesCkb; unique among the channel’s valid jobs, increasing',
    cleanJobs: 'True when the parent block changed: every earlier job of the channel is stale from now on',
    height: 'Number of the block being mined',
    powHash:
      'ckbhash(RawHeader) of the block template: the first 32 bytes Eaglesong absorbs, in header order',
    parentHash: 'The header’s parent_hash, bytes as in the header (never reversed)',
    compactTarget:
      'The network target in CKB compact form (informational: shares are judged by the channel target)',
  },
  SubmitSharesCkb: {
    channelId: 'The channel the share was mined on: never a group channel id',
    sequenceNumber: 'Increases by one per share on the channel; echoed in SubmitShares.Success/.Error',
    jobId: 'job_id of the NewCkbJob mined',
    nonceSuffix:
      'The nonce bytes after the channel’s extranonce_prefix: prefix ‖ suffix is the 16-byte CKB nonce (12 bytes on our pool)',
  },
  DeclareWorker: {
    channelId: 'The channel whose shares may name the worker: never a group channel id',
    workerId:
      'Chosen by the client, unique among the channel’s declared workers; shares name the worker by it',
    name: 'The worker name (UTF-8, 1–255 bytes, no control characters) its shares are credited to, e.g. `<ckb address>.<worker>`',
  },
  DeclareWorkerSuccess: {
    channelId: 'channel_id of the DeclareWorker',
    workerId: 'worker_id of the DeclareWorker: shares may name it from now on',
  },
  DeclareWorkerError: {
    channelId: 'channel_id of the DeclareWorker',
    workerId: 'worker_id of the DeclareWorker: it names no worker, shares naming it are refused',
    errorCode:
      'Why (section 3.4): `invalid-channel-id`, `invalid-worker-name`, `not-an-address`, `unregistered-name`, `too-many-declared-workers`, `too-many-worker-names`',
  },
};

const snake = (s: string): string => s.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
const spaced = (b: Uint8Array): string => bytesToHex(b).replace(/(..)(?!$)/g, '$1 ');
function show(v: unknown): string {
  if (v instanceof Uint8Array) return v.length <= 16 ? `0x${bytesToHex(v)}` : `${v.length} bytes`;
  if (Array.isArray(v)) return `[${v.map((x) => hex16(Number(x))).join(', ')}]`;
  if (typeof v === 'string') return JSON.stringify(v);
  return String(v);
}

const hex16 = (n: number, width = 4): string => `0x${n.toString(16).padStart(width, '0')}`;

function spanType(span: { method: string; nested: string[] }): string {
  const base = TYPE_NAMES[span.method] ?? span.method;
  const element = /^(seq|option)/.test(span.method) ? span.nested[1] : undefined;
  return element ? `${base}[${TYPE_NAMES[element]}]` : base;
}

function fieldsOf(msg: KnownMessage): string[] {
  return Object.keys(msg).filter((k) => k !== 'type' && k !== 'tlv');
}

const TYPICAL_NEW_JOB: MessageOfCkb & { type: 'NewCkbJob' } = {
  type: 'NewCkbJob',
  channelId: 2,
  jobId: 1,
  cleanJobs: true,
  height: 16406793n,
  powHash: hexToBytes('eb0f4436dc49e3d695074675b7cad1b26303560fde34edecac16309970b5737f'),
  parentHash: hexToBytes('53717b004829f67121664e8ae0ace4a9e1020cd262879fd47ce066a3e7043d5a'),
  compactTarget: 0x1908f459,
};

const TYPICAL_SHARE: MessageOfCkb & { type: 'SubmitSharesCkb' } = {
  type: 'SubmitSharesCkb',
  channelId: 2,
  sequenceNumber: 0,
  jobId: 1,
  nonceSuffix: hexToBytes('080000007dc3929f157e882b'),
};

/** A V1 miner's usual name: a full dev-chain (testnet) address and a worker. */
export const EXAMPLE_LONG_NAME =
  'ckt1qzda0cr08m85hc8jlnfp3zer7xulejywt49kt2rr0vthywaa50xwsqvk6klkr94qk8n0mvsnkfksed77hs72kjc8syjv9.rig1';

const TYPICAL_DECLARATION: MessageOfCkb & { type: 'DeclareWorker' } = {
  type: 'DeclareWorker',
  channelId: 2,
  workerId: 1,
  name: EXAMPLE_LONG_NAME,
};

/** The field table of one of the extension's messages: type, payload offset, size, meaning. */
export function renderMessageTable(msg: MessageOfCkb): string {
  const payload = encodeMessage(msg).subarray(FRAME_HEADER_SIZE);
  const fields = fieldsOf(msg);
  const meanings = FIELD_MEANINGS[msg.type];
  const rows = ['| field | type | offset | size | meaning |', '|---|---|---|---|---|'];
  fieldSpans(msg, payload).forEach((span, i) => {
    const field = fields[i] as string;
    const size = span.end - span.start;
    // A B0_32 is a length byte and that many bytes: its size depends on the value.
    const sizeText =
      span.method === 'b0_32' || span.method === 'str0_255'
        ? `1 + L (${size} for L = ${size - 1})`
        : String(size);
    rows.push(
      `| ${snake(field)} | ${spanType(span)} | ${span.start} | ${sizeText} | ${meanings[field] ?? ''} |`,
    );
  });
  const example =
    msg.type === 'SubmitSharesCkb'
      ? ' for L = 12'
      : msg.type === 'DeclareWorker'
        ? ` for a ${new TextEncoder().encode(msg.name).length}-byte name`
        : '';
  rows.push('', `Payload: ${payload.length} bytes${example}.`);
  return rows.join('\n');
}

type MessageOfCkb = Extract<
  KnownMessage,
  { type: 'NewCkbJob' | 'SubmitSharesCkb' | 'DeclareWorker' | 'DeclareWorkerSuccess' | 'DeclareWorkerError' }
>;

export interface ExampleFrame {
  title: string;
  from: 'Client' | 'Pool';
  msg: KnownMessage;
}

/** The example frames of the document, in the order a connection would see them. */
export function exampleFrames(): ExampleFrame[] {
  const target = targetToU256Le(difficultyToTarget(2n ** 48n));
  return [
    {
      title: 'RequestExtensions asking for 0x4CCB',
      from: 'Client',
      msg: { type: 'RequestExtensions', requestId: 1, requestedExtensions: [EXTENSION_CKB] },
    },
    {
      title: 'RequestExtensions.Success granting it',
      from: 'Pool',
      msg: { type: 'RequestExtensionsSuccess', requestId: 1, supportedExtensions: [EXTENSION_CKB] },
    },
    {
      title: 'RequestExtensions.Error to a client that asked only for 0x0003',
      from: 'Pool',
      msg: {
        type: 'RequestExtensionsError',
        requestId: 1,
        unsupportedExtensions: [0x0003],
        requiredExtensions: [EXTENSION_CKB],
      },
    },
    {
      title: 'OpenStandardMiningChannel.Success: the channel’s 4-byte extranonce_prefix',
      from: 'Pool',
      msg: {
        type: 'OpenStandardMiningChannelSuccess',
        requestId: 1,
        channelId: 2,
        target,
        extranoncePrefix: hexToBytes('207bb9ef'),
        groupChannelId: 1,
      },
    },
    { title: 'NewCkbJob to channel 2, clean', from: 'Pool', msg: TYPICAL_NEW_JOB },
    {
      title: 'NewCkbJob to group channel 1 (every channel of the connection), not clean',
      from: 'Pool',
      msg: { ...TYPICAL_NEW_JOB, channelId: 1, jobId: 2, cleanJobs: false },
    },
    { title: 'SubmitSharesCkb', from: 'Client', msg: TYPICAL_SHARE },
    {
      title: 'SubmitSharesCkb with an extension 0x0002 user_identity TLV "rig7"',
      from: 'Client',
      msg: {
        ...TYPICAL_SHARE,
        sequenceNumber: 1,
        tlv: encodeTlvs([
          {
            extensionType: EXTENSION_WORKER_HASHRATE,
            fieldType: TLV_USER_IDENTITY.fieldType,
            value: new TextEncoder().encode('rig7'),
          },
        ]),
      },
    },
    {
      title: 'DeclareWorker: a V1 miner named `<ckb address>.rig1` behind a translator',
      from: 'Client',
      msg: TYPICAL_DECLARATION,
    },
    {
      title: 'DeclareWorker.Success',
      from: 'Pool',
      msg: { type: 'DeclareWorkerSuccess', channelId: 2, workerId: 1 },
    },
    {
      title: 'DeclareWorker.Error for a name that is not an address (accounts.mode address)',
      from: 'Pool',
      msg: { type: 'DeclareWorkerError', channelId: 2, workerId: 2, errorCode: 'not-an-address' },
    },
    {
      title: 'SubmitSharesCkb credited to declared worker 1 (worker_id TLV)',
      from: 'Client',
      msg: { ...TYPICAL_SHARE, sequenceNumber: 2, tlv: workerIdTlv(1) },
    },
    {
      title: 'SubmitShares.Success acknowledging two shares at difficulty 2^48',
      from: 'Pool',
      msg: {
        type: 'SubmitSharesSuccess',
        channelId: 2,
        lastSequenceNumber: 1,
        newSubmitsAcceptedCount: 2,
        newSharesSum: 2n ** 49n,
      },
    },
    {
      title: 'SubmitShares.Error for a share below the channel target',
      from: 'Pool',
      msg: { type: 'SubmitSharesError', channelId: 2, sequenceNumber: 2, errorCode: 'difficulty-too-low' },
    },
  ];
}

/** One example frame: header and every payload field with its offset in the frame. */
export function renderExampleFrame(e: ExampleFrame, index: number): string {
  const info = messageInfo(e.msg.type);
  const frame = encodeMessage(e.msg);
  const payload = frame.subarray(FRAME_HEADER_SIZE);
  const word = info.extensionType | (info.channelMsg ? 0x8000 : 0);
  const out = [
    `#### Example ${index + 1}. ${e.title} (${e.from} → ${e.from === 'Client' ? 'Pool' : 'Client'}, ${frame.length} bytes)`,
    '',
    '| offset | bytes | field | type | value |',
    '|---|---|---|---|---|',
    `| 0 | \`${spaced(frame.subarray(0, 2))}\` | extension_type | U16 | ${hex16(word)} (extension ${hex16(info.extensionType)}, channel_msg ${info.channelMsg ? 1 : 0}) |`,
    `| 2 | \`${spaced(frame.subarray(2, 3))}\` | msg_type | U8 | ${hex16(info.msgType, 2)} (${info.specName}) |`,
    `| 3 | \`${spaced(frame.subarray(3, 6))}\` | msg_length | U24 | ${payload.length} |`,
  ];
  const fields = fieldsOf(e.msg);
  let end = 0;
  fieldSpans(e.msg, payload).forEach((span, i) => {
    const bytes = payload.subarray(span.start, span.end);
    const field = fields[i] as string;
    const value = show((e.msg as unknown as Record<string, unknown>)[field]);
    out.push(
      `| ${FRAME_HEADER_SIZE + span.start} | \`${spaced(bytes)}\` | ${snake(field)} | ${spanType(span)} | ${value} |`,
    );
    end = span.end;
  });
  let at = FRAME_HEADER_SIZE + end;
  for (const tlv of parseTlvs(payload.subarray(end))) {
    const bytes = encodeTlvs([tlv]);
    out.push(
      `| ${at} | \`${spaced(bytes)}\` | TLV | ${tlvType(tlv.extensionType, tlv.fieldType)} | ${tlvValue(tlv)} |`,
    );
    at += bytes.length;
  }
  out.push('', `Frame: \`${bytesToHex(frame)}\``);
  return out.join('\n');
}

const tlvType = (ext: number, field: number): string => `type ${hex16(ext)}‖${hex16(field, 2)}, length U16`;

function tlvValue(tlv: { extensionType: number; fieldType: number; value: Uint8Array }): string {
  const { extensionType: ext, fieldType: field, value } = tlv;
  if (ext === TLV_USER_IDENTITY.extensionType && field === TLV_USER_IDENTITY.fieldType)
    return `user_identity ${JSON.stringify(new TextDecoder().decode(value))}`;
  if (ext === TLV_CKB_WORKER_ID.extensionType && field === TLV_CKB_WORKER_ID.fieldType)
    return `worker_id ${new DataView(value.buffer, value.byteOffset).getUint32(0, true)}`;
  return `${value.length} bytes`;
}

export function renderExampleFrames(): string {
  return exampleFrames()
    .map((e, i) => renderExampleFrame(e, i))
    .join('\n\n');
}

/** The fields of pool/test/vectors/noise-handshake.ts the document shows. */
export interface NoiseVector {
  readonly [field: string]: unknown;
  readonly steps: readonly (readonly [string, string])[];
}

/**
 * The Noise NX transcript vector (pool/test/vectors/noise-handshake.ts, test data that does not
 * ship with the package, so it is passed in) as the document shows it.
 */
export function renderNoiseTranscript(vector: NoiseVector): string {
  const v = vector as unknown as Record<string, string | number> & NoiseVector;
  const cert = String(v.signature_noise_message_74);
  const rows: string[] = [
    '| item | value (hex) |',
    '|---|---|',
    `| authority secret key (test only) | \`${v.authority_secret_key}\` |`,
    `| authority public key, x-only | \`${v.authority_pubkey_xonly}\` |`,
    `| authority public key in the URL (base58check of \`01 00\` ‖ x-only) | \`${v.authority_pubkey_base58}\` |`,
    `| initiator ephemeral secret | \`${v.initiator_ephemeral_secret}\` |`,
    `| responder ephemeral secret | \`${v.responder_ephemeral_secret}\` |`,
    `| responder static secret | \`${v.responder_static_secret}\` |`,
    `| responder static key, x-only | \`${v.responder_static_xonly}\` |`,
    `| certificate valid_from / not_valid_after | ${v.cert_valid_from} / ${v.cert_not_valid_after} |`,
    `| bytes the authority signs (version ‖ valid_from ‖ not_valid_after ‖ static x-only) | \`${v.cert_signed_bytes}\` |`,
    `| BIP340 aux_rand | \`${v.schnorr_aux_rand}\` |`,
    `| certificate (74 bytes): version U16 | \`${cert.slice(0, 4)}\` |`,
    `| certificate: valid_from U32 | \`${cert.slice(4, 12)}\` |`,
    `| certificate: not_valid_after U32 | \`${cert.slice(12, 20)}\` |`,
    `| certificate: signature (64 bytes) | \`${cert.slice(20)}\` |`,
    `| act 1, initiator → responder (64 bytes) | \`${v.msg1_initiator_to_responder_64}\` |`,
    `| act 2, responder → initiator (234 bytes) | \`${v.msg2_responder_to_initiator_234}\` |`,
  ];
  for (const [step, value] of v.steps)
    rows.push(`| ${step.replace(/\|\|/g, ' ‖ ').replace(/\|/g, '‖')} | \`${value}\` |`);
  rows.push(
    `| final h | \`${v.final_h}\` |`,
    `| final ck | \`${v.final_ck}\` |`,
    `| k1 (initiator → responder) | \`${v.transport_k1_initiator_to_responder}\` |`,
    `| k2 (responder → initiator) | \`${v.transport_k2_responder_to_initiator}\` |`,
    `| frame 1 plaintext (SetupConnection) | \`${v.example_frame_1_plain}\` |`,
    `| frame 1 encrypted with k1, nonces 0 and 1 | \`${v.example_frame_1_encrypted_with_k1_nonces_0_1}\` |`,
    `| frame 2 plaintext (SetupConnection.Success) | \`${v.example_frame_2_plain}\` |`,
    `| frame 2 encrypted with k2, nonces 0 and 1 | \`${v.example_frame_2_encrypted_with_k2_nonces_0_1}\` |`,
  );
  return rows.join('\n');
}

/** Every generated block of the document, by the name of its marker. */
export function generatedBlocks(noise?: NoiseVector): Record<string, string> {
  const blocks: Record<string, string> = {
    'new-ckb-job-table': renderMessageTable(TYPICAL_NEW_JOB),
    'submit-shares-ckb-table': renderMessageTable(TYPICAL_SHARE),
    'declare-worker-table': renderMessageTable(TYPICAL_DECLARATION),
    'declare-worker-success-table': renderMessageTable({
      type: 'DeclareWorkerSuccess',
      channelId: 2,
      workerId: 1,
    }),
    'declare-worker-error-table': renderMessageTable({
      type: 'DeclareWorkerError',
      channelId: 2,
      workerId: 2,
      errorCode: 'not-an-address',
    }),
    'example-frames': renderExampleFrames(),
  };
  if (noise) blocks['noise-transcript'] = renderNoiseTranscript(noise);
  return blocks;
}

/** A block as it sits in the document: between its begin and end markers. */
export function markedBlock(name: string, body: string): string {
  return `<!-- 0x4ccb:${name} begin -->\n\n${body}\n\n<!-- 0x4ccb:${name} end -->`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  // The transcript vector is test data outside the package: the test prints and checks it.
  for (const [name, body] of Object.entries(generatedBlocks()))
    process.stdout.write(`${markedBlock(name, body)}\n\n`);
}
