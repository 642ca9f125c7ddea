import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeFrame, type Frame } from '../frame.js';
import { encodeMessage } from '../messages/index.js';
import { AEADS } from './aead.js';
import { Sv2ConnectionError } from './errors.js';
import { CipherState } from './symmetric.js';
import {
  ENCRYPTED_HEADER_SIZE,
  encryptedFrameLength,
  encryptedPayloadLength,
  encryptFrame,
  encryptFrameInto,
  FrameDecryptor,
} from './transport.js';

const KEY = new Uint8Array(32).map((_, i) => i * 7 + 1);

function frameOf(len: number, seed: number): Uint8Array {
  const payload = new Uint8Array(len).map((_, i) => (i * 31 + seed) & 0xff);
  return encodeFrame({ extensionType: 0x4ccb, channelMsg: true, msgType: seed & 0xff, payload });
}

function reason(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(Sv2ConnectionError);
    return (e as Sv2ConnectionError).reason;
  }
  return 'no error';
}

describe('SV2 transport frames', () => {
  it('sizes ciphertext as header 22 + payload + 16 per 65,519-byte chunk', () => {
    expect(encryptedPayloadLength(0)).toBe(0);
    expect(encryptedPayloadLength(1)).toBe(17);
    expect(encryptedPayloadLength(65519)).toBe(65535);
    expect(encryptedPayloadLength(65520)).toBe(65520 + 32);
    for (const len of [0, 25, 65519, 65520, 140000]) {
      const ct = encryptFrame(new CipherState(KEY, AEADS.node), frameOf(len, 1));
      expect(ct.length).toBe(encryptedFrameLength(6 + len));
      expect(ct.length).toBe(ENCRYPTED_HEADER_SIZE + encryptedPayloadLength(len));
    }
  });

  it('a frame costs one nonce for the header and one per payload chunk', () => {
    const cs = new CipherState(KEY, AEADS.node);
    encryptFrame(cs, frameOf(0, 1));
    expect(cs.n).toBe(1);
    encryptFrame(cs, frameOf(10, 1));
    expect(cs.n).toBe(3);
    encryptFrame(cs, frameOf(65520, 1));
    expect(cs.n).toBe(6);
  });

  it('decrypts any sequence of frames however the stream is split (every AEAD, each against another)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.integer({ min: 0, max: 300 }), fc.constantFrom(65519, 65520, 70000)), {
          minLength: 1,
          maxLength: 6,
        }),
        fc.array(fc.integer({ min: 1, max: 5000 }), { minLength: 1, maxLength: 20 }),
        fc.constantFrom('node' as const, 'noble' as const, 'js' as const, 'auto' as const),
        (lens, cuts, aead) => {
          const tx = new CipherState(KEY, AEADS[aead]);
          const plain = lens.map((l, i) => frameOf(l, i));
          const wire = Buffer.concat(plain.map((f) => encryptFrame(tx, f)));
          const dec = new FrameDecryptor(new CipherState(KEY, AEADS[aead === 'node' ? 'noble' : 'node']), {
            maxPayload: 100_000,
          });
          const got: Frame[] = [];
          let pos = 0;
          for (let i = 0; pos < wire.length; i++) {
            const step = cuts[i % cuts.length];
            got.push(...dec.push(wire.subarray(pos, pos + step)));
            pos += step;
          }
          expect(got.length).toBe(plain.length);
          got.forEach((f, i) => {
            expect(Buffer.compare(encodeFrame(f), plain[i])).toBe(0);
          });
          expect(dec.bufferedBytes).toBe(0);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('refuses an oversized frame from its header alone, before any payload arrives', () => {
    const ct = encryptFrame(new CipherState(KEY, AEADS.node), frameOf(5000, 3));
    const dec = new FrameDecryptor(new CipherState(KEY, AEADS.node), { maxPayload: 4999 });
    expect(reason(() => dec.push(ct.subarray(0, ENCRYPTED_HEADER_SIZE)))).toBe('frame-too-large');
    expect(reason(() => dec.push(ct.subarray(ENCRYPTED_HEADER_SIZE)))).toBe('frame-too-large');
  });

  it('holds memory for the bytes received, not for the length a header announces', () => {
    const ct = encryptFrame(new CipherState(KEY, AEADS.node), frameOf(65_535, 5));
    const dec = new FrameDecryptor(new CipherState(KEY, AEADS.node), { maxPayload: 65_535 });
    expect(dec.push(ct.subarray(0, ENCRYPTED_HEADER_SIZE + 1))).toEqual([]);
    expect(dec.bufferedBytes).toBe(1);
    expect(dec.allocatedBytes).toBeLessThanOrEqual(256);
    expect(dec.push(ct.subarray(ENCRYPTED_HEADER_SIZE + 1, ENCRYPTED_HEADER_SIZE + 10_001))).toEqual([]);
    expect(dec.bufferedBytes).toBe(10_001);
    expect(dec.allocatedBytes).toBeLessThanOrEqual(2 * 10_001);
    const [frame] = dec.push(ct.subarray(ENCRYPTED_HEADER_SIZE + 10_001));
    expect(frame?.payload).toEqual(frameOf(65_535, 5).subarray(6));
    expect(dec.bufferedBytes).toBe(0);
    expect(dec.allocatedBytes).toBe(ENCRYPTED_HEADER_SIZE);
  });

  it('fails for good on a flipped bit in the header or the payload, or a replayed frame', () => {
    for (const pos of [0, 21, 22, 40]) {
      const ct = encryptFrame(new CipherState(KEY, AEADS.node), frameOf(20, 3));
      ct[pos] ^= 0x80;
      const dec = new FrameDecryptor(new CipherState(KEY, AEADS.node), { maxPayload: 100 });
      expect(reason(() => dec.push(ct))).toBe('aead-failure');
      // Still failed: nothing more is accepted on this stream.
      expect(reason(() => dec.push(new Uint8Array(1)))).toBe('aead-failure');
    }
    const tx = new CipherState(KEY, AEADS.node);
    const first = encryptFrame(tx, frameOf(5, 1));
    const dec = new FrameDecryptor(new CipherState(KEY, AEADS.node), { maxPayload: 100 });
    expect(dec.push(first).length).toBe(1);
    expect(reason(() => dec.push(first))).toBe('aead-failure');
  });
});

describe("sealing a frame into a caller's buffer (the broadcast path)", () => {
  const job = (channelId: number, jobId: number) =>
    encodeMessage({
      type: 'NewCkbJob',
      channelId,
      jobId,
      cleanJobs: jobId % 2 === 0,
      height: BigInt(1000 + jobId),
      powHash: new Uint8Array(32).fill(jobId),
      parentHash: new Uint8Array(32).fill(channelId & 0xff),
      compactTarget: 0x1d00ffff,
    });

  it('writes at the offset exactly the bytes encryptFrame returns, frame after frame, for every AEAD', () => {
    for (const aead of Object.values(AEADS)) {
      const reference = new CipherState(KEY, aead);
      const into = new CipherState(KEY, aead);
      for (const [channelId, jobId] of [
        [1, 1],
        [2, 1],
        [70_000, 2],
        [1, 3],
        [0xffff_fffe, 4],
      ] as const) {
        const frame = job(channelId, jobId);
        const expected = encryptFrame(reference, frame);
        const out = new Uint8Array(expected.length + 8).fill(0xa5);
        expect(encryptFrameInto(into, frame, out, 3)).toBe(expected.length);
        expect(Buffer.from(out.subarray(3, 3 + expected.length)).equals(Buffer.from(expected))).toBe(true);
        // Nothing around the sealed bytes is touched.
        expect([...out.subarray(0, 3), ...out.subarray(3 + expected.length)]).toEqual(
          new Array(8).fill(0xa5),
        );
      }
      expect(into.n).toBe(reference.n);
    }
  });

  it('seals multi-chunk and empty-payload frames like encryptFrame, nonce for nonce', () => {
    for (const len of [0, 1, 65519, 65520, 140000]) {
      const frame = frameOf(len, 9);
      const reference = new CipherState(KEY, AEADS.auto);
      const into = new CipherState(KEY, AEADS.auto);
      const expected = encryptFrame(reference, frame);
      const out = Buffer.alloc(encryptedFrameLength(frame.length));
      expect(encryptFrameInto(into, frame, out, 0)).toBe(expected.length);
      expect(out.equals(Buffer.from(expected))).toBe(true);
      expect(into.n).toBe(reference.n);
    }
  });

  it('refuses a frame whose header does not announce the payload that follows', () => {
    const frame = job(1, 1);
    const cs = new CipherState(KEY, AEADS.js);
    const out = new Uint8Array(encryptedFrameLength(frame.length) + 1);
    expect(() => encryptFrameInto(cs, frame.subarray(0, frame.length - 1), out, 0)).toThrow(/payload bytes/);
    expect(() => encryptFrameInto(cs, frame.subarray(0, 5), out, 0)).toThrow(/6-byte header/);
    // A refused frame costs no nonce.
    expect(cs.n).toBe(0);
  });
});
