import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { describeWithShared, sharedPath } from '../../../test/shared.js';
import { Sv2DecodeError } from '../binary.js';
import { decodeFrame, type Frame, FrameDecoder, MAX_FRAME_PAYLOAD } from '../frame.js';
import {
  CODECS,
  decodeMessage,
  decodePayload,
  encodeMessage,
  messageInfo,
  type Sv2MessageType,
} from './index.js';

const CORPUS = 'reference/vectors/stratum-fuzzing-corpus';

/** Every regular file below `dir`, however deeply nested. */
function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}

/** Runs `f`; a thrown value must be a typed decode error. Returns the result or null. */
function typed<T>(f: () => T): T | null {
  try {
    return f();
  } catch (e) {
    if (!(e instanceof Sv2DecodeError)) throw e;
    return null;
  }
}

function pushAll(decoder: FrameDecoder, chunks: Uint8Array[]): Frame[] {
  const out: Frame[] = [];
  for (const c of chunks) {
    const got = typed(() => decoder.push(c));
    if (got === null) break;
    out.push(...got);
  }
  return out;
}

describeWithShared(CORPUS, 'SRI fuzzing corpus (deserialize_sv2frame, deserialize_stdframe)', () => {
  const files = walk(sharedPath(CORPUS)!).map((p) => ({ p, bytes: new Uint8Array(readFileSync(p)) }));
  const types = Object.keys(CODECS) as Sv2MessageType[];

  it('is present and nested as expected', () => {
    expect(files.length).toBeGreaterThan(100);
    expect(files.some((f) => f.p.includes('deserialize_sv2frame'))).toBe(true);
  });

  it('never makes the frame or message decoders throw anything but Sv2DecodeError', () => {
    let framesSeen = 0;
    for (const { bytes } of files) {
      for (const max of [0, 64, MAX_FRAME_PAYLOAD]) {
        const whole = pushAll(new FrameDecoder({ maxPayload: max }), [bytes]);
        // Byte-by-byte delivery must give the same frames as one chunk.
        const single = pushAll(
          new FrameDecoder({ maxPayload: max }),
          Array.from(bytes, (b) => new Uint8Array([b])),
        );
        expect(single).toEqual(whole);
        framesSeen += whole.length;
        for (const frame of whole) {
          const msg = typed(() => decodeMessage(frame));
          if (msg === null) continue;
          expect(decodeMessage(encodeMessage(msg))).toEqual(msg);
        }
      }
      typed(() => decodeFrame(bytes));
      // Every message decoder, fed the raw file and the file minus a would-be header.
      for (const type of types) {
        typed(() => decodePayload(messageInfo(type), bytes));
        typed(() => decodePayload(messageInfo(type), bytes.subarray(6)));
      }
    }
    // Most corpus files announce more payload than they carry; at least one is a whole frame.
    expect(framesSeen).toBeGreaterThan(0);
  });

  it('accounts for every byte: whole frames plus what stays buffered equal the file', () => {
    for (const { bytes } of files) {
      const decoder = new FrameDecoder({ maxPayload: MAX_FRAME_PAYLOAD });
      const frames = decoder.push(bytes);
      const consumed = frames.reduce((n, f) => n + 6 + f.payload.length, 0);
      expect(consumed + decoder.bufferedBytes).toBe(bytes.length);
    }
  });

  it('streams the whole corpus back to back through one decoder without hanging', () => {
    const decoder = new FrameDecoder({ maxPayload: MAX_FRAME_PAYLOAD });
    const frames = pushAll(
      decoder,
      files.map((f) => f.bytes),
    );
    for (const f of frames) typed(() => decodeMessage(f));
    expect(decoder.bufferedBytes).toBeLessThanOrEqual(files.reduce((n, f) => n + f.bytes.length, 0));
  });
});
