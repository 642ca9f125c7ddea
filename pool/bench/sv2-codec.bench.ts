/**
 * SV2 share codec: SubmitSharesCkb frames encoded, pushed through the streaming FrameDecoder
 * and decoded, per second — against a baseline measured in the same run, the Stratum V1
 * `mining.submit` JSON line for the same share (JSON.stringify + JSON.parse + hex decode).
 * Also the wire size of one share both ways (V1 line as in docs/protocol.md §7). Prints one JSON line.
 * BENCH_SECONDS sets the total measuring time (default 4), split into alternating rounds so
 * both sides see the same machine load.
 */
import { bytesToHex, hexToBytes } from '../src/ckb/hex.js';
import { FrameDecoder } from '../src/sv2/frame.js';
import { decodeMessage, encodeMessage, type SubmitSharesCkb } from '../src/sv2/messages/index.js';

const seconds = Number(process.env.BENCH_SECONDS ?? 4);
const ROUND_MS = 200;

// The share of the docs/protocol.md example (mainnet block 16,406,793).
const nonceSuffix = hexToBytes('080000007dc3929f157e882b');
const user = 'alice.rig01';
const share = (seq: number): SubmitSharesCkb => ({
  type: 'SubmitSharesCkb',
  channelId: 2,
  sequenceNumber: seq,
  jobId: 1,
  nonceSuffix,
});
const v1Line = (id: number, jobId: number): string =>
  `${JSON.stringify({ id, method: 'mining.submit', params: [user, jobId.toString(16), bytesToHex(nonceSuffix)] })}\n`;

let sink = 0;

function sv2Round(ms: number): number {
  const decoder = new FrameDecoder();
  const end = performance.now() + ms;
  let n = 0;
  while (performance.now() < end) {
    for (let i = 0; i < 256; i++, n++) {
      for (const frame of decoder.push(encodeMessage(share(n >>> 0)))) {
        const msg = decodeMessage(frame);
        if (msg.type === 'SubmitSharesCkb') sink += msg.nonceSuffix[11] + msg.sequenceNumber;
      }
    }
  }
  return n;
}

function v1Round(ms: number): number {
  const end = performance.now() + ms;
  let n = 0;
  while (performance.now() < end) {
    for (let i = 0; i < 256; i++, n++) {
      const req = JSON.parse(v1Line(n, 1)) as { id: number; params: string[] };
      const extranonce2 = hexToBytes(req.params[2]);
      sink += extranonce2[11] + Number.parseInt(req.params[1], 16) + req.id;
    }
  }
  return n;
}

// Warm both paths up before measuring.
sv2Round(150);
v1Round(150);

let sv2Ops = 0;
let v1Ops = 0;
let sv2Ms = 0;
let v1Ms = 0;
const rounds = Math.max(2, Math.round((seconds * 1000) / (2 * ROUND_MS)));
for (let r = 0; r < rounds; r++) {
  let t = performance.now();
  sv2Ops += sv2Round(ROUND_MS);
  sv2Ms += performance.now() - t;
  t = performance.now();
  v1Ops += v1Round(ROUND_MS);
  v1Ms += performance.now() - t;
}

const frame = encodeMessage(share(0));
const payload = frame.length - 6;
// Under Noise: the 6-byte header and each ≤ 65,519-byte payload chunk carry a 16-byte tag.
const noiseBytes = 6 + 16 + payload + 16 * Math.ceil(payload / 65519);
const v1Bytes = Buffer.byteLength(v1Line(4, 1));
const sv2PerSec = (sv2Ops / sv2Ms) * 1000;
const v1PerSec = (v1Ops / v1Ms) * 1000;

process.stdout.write(
  `${JSON.stringify({
    bench: 'sv2-codec',
    sv2SubmitSharesCkbPerSec: Math.round(sv2PerSec),
    v1MiningSubmitPerSec: Math.round(v1PerSec),
    sv2VsV1Speed: Number((sv2PerSec / v1PerSec).toFixed(2)),
    sv2FrameBytes: frame.length,
    sv2FrameBytesNoise: noiseBytes,
    v1LineBytes: v1Bytes,
    v1VsSv2Bytes: Number((v1Bytes / frame.length).toFixed(2)),
    v1User: user,
    seconds: Number(((sv2Ms + v1Ms) / 1000).toFixed(2)),
    checksum: sink % 1000,
  })}\n`,
);
