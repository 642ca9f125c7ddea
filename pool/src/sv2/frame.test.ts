import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { describeWithShared, readSharedJson } from '../../test/shared.js';
import { bytesToHex, hexToBytes } from '../ckb/hex.js';
import { Sv2DecodeError } from './binary.js';
import {
  checkPayloadLength,
  DEFAULT_MAX_PAYLOAD,
  decodeFrame,
  encodeFrame,
  encodeFrameHeader,
  type Frame,
  FrameDecoder,
  MAX_FRAME_PAYLOAD,
  parseFrameHeader,
} from './frame.js';

const frame = (extensionType: number, channelMsg: boolean, msgType: number, payloadHex: string): Frame => ({
  extensionType,
  channelMsg,
  msgType,
  payload: hexToBytes(payloadHex),
});

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

describe('SV2 frame header', () => {
  it('parses the SRI framing-sv2 header example 01..06', () => {
    expect(parseFrameHeader(hexToBytes('010203040506'))).toEqual({
      extensionType: 0x0201,
      channelMsg: false,
      msgType: 3,
      msgLength: 0x060504,
    });
  });

  it('puts channel_msg in the top bit of the second byte', () => {
    const h = encodeFrameHeader({ extensionType: 0, channelMsg: true, msgType: 0x1b, msgLength: 33 });
    expect(bytesToHex(h)).toBe('00801b210000');
    expect(parseFrameHeader(h).channelMsg).toBe(true);
    // The CKB extension's channel messages: 0x4CCB | 0x8000 = 0xCCCB, little-endian `cb cc`.
    const ckb = encodeFrameHeader({ extensionType: 0x4ccb, channelMsg: true, msgType: 1, msgLength: 0 });
    expect(bytesToHex(ckb).slice(0, 4)).toBe('cbcc');
    expect(parseFrameHeader(ckb)).toMatchObject({ extensionType: 0x4ccb, channelMsg: true });
  });

  it('refuses an extension id with the channel bit folded in, or oversized fields', () => {
    expect(() =>
      encodeFrameHeader({ extensionType: 0x8000, channelMsg: false, msgType: 0, msgLength: 0 }),
    ).toThrow(RangeError);
    expect(() =>
      encodeFrameHeader({ extensionType: 0, channelMsg: false, msgType: 256, msgLength: 0 }),
    ).toThrow(RangeError);
    expect(() =>
      encodeFrameHeader({
        extensionType: 0,
        channelMsg: false,
        msgType: 0,
        msgLength: MAX_FRAME_PAYLOAD + 1,
      }),
    ).toThrow(RangeError);
  });

  it('reports a short header and an oversized length as typed errors', () => {
    expect(() => parseFrameHeader(new Uint8Array(5))).toThrow(Sv2DecodeError);
    const h = parseFrameHeader(hexToBytes('000000ffff00'));
    expect(() => checkPayloadLength(h, 0xfffe)).toThrow(/65535-byte payload, limit 65534/);
  });

  it('encodes and decodes a whole frame, rejecting a length mismatch', () => {
    const f = frame(0, false, 0x01, '020002000000');
    const bytes = encodeFrame(f);
    expect(bytesToHex(bytes)).toBe('000001060000020002000000');
    expect(decodeFrame(bytes)).toEqual(f);
    expect(() => decodeFrame(bytes.subarray(0, 11))).toThrow(Sv2DecodeError);
    expect(() => decodeFrame(concat(bytes, new Uint8Array(1)))).toThrow(Sv2DecodeError);
  });
});

describeWithShared(
  'reference/vectors/sv2-tp/sv2-tp-message-vectors.json',
  'sv2-tp frame header vectors',
  () => {
    it('parse and re-encode byte for byte', () => {
      const { vectors } = readSharedJson<{ vectors: { name: string; header_hex?: string }[] }>(
        'reference/vectors/sv2-tp/sv2-tp-message-vectors.json',
      );
      const headers = vectors.filter((v) => v.header_hex);
      expect(headers.length).toBeGreaterThanOrEqual(3);
      for (const v of headers) {
        const h = parseFrameHeader(hexToBytes(v.header_hex!));
        expect(bytesToHex(encodeFrameHeader(h))).toBe(v.header_hex);
      }
      const setup = headers.find((v) => v.name.startsWith('Frame header for the SetupConnection'))!;
      expect(parseFrameHeader(hexToBytes(setup.header_hex!))).toEqual({
        extensionType: 0,
        channelMsg: false,
        msgType: 0,
        msgLength: 82,
      });
    });
  },
);

describe('FrameDecoder', () => {
  const frames = [
    frame(0, false, 0x00, '0002000200060000000c706f6f6c2e6578616d706c65050d0461636d65036877310366773100'),
    frame(0, true, 0x1c, '040000000e0000000a000000'.padEnd(40, '0')),
    frame(0x4ccb, true, 0x02, '01000000050000000900000003aabbcc'),
    frame(0, false, 0x71, ''), // empty payload
    frame(1, false, 0x00, '010001004ccb'),
  ];
  const stream = concat(...frames.map(encodeFrame));

  it('returns every frame of a coalesced stream from one push', () => {
    expect(new FrameDecoder().push(stream)).toEqual(frames);
  });

  it('reassembles frames split at every possible byte boundary', () => {
    for (let cut = 0; cut <= stream.length; cut++) {
      const d = new FrameDecoder();
      const out = [...d.push(stream.subarray(0, cut)), ...d.push(stream.subarray(cut))];
      expect(out).toEqual(frames);
      expect(d.bufferedBytes).toBe(0);
    }
  });

  it('handles one byte at a time and arbitrary chunkings', () => {
    const d = new FrameDecoder();
    const out: Frame[] = [];
    for (const b of stream) out.push(...d.push(new Uint8Array([b])));
    expect(out).toEqual(frames);
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: stream.length }), { maxLength: 12 }), (cuts) => {
        const points = [0, ...cuts.sort((a, b) => a - b), stream.length];
        const dec = new FrameDecoder();
        const got: Frame[] = [];
        for (let i = 1; i < points.length; i++)
          got.push(...dec.push(stream.subarray(points[i - 1], points[i])));
        expect(got).toEqual(frames);
      }),
    );
  });

  it('reassembles a payload larger than 64 KiB from tiny and uneven chunks', () => {
    const big = frame(0, false, 0x74, '');
    big.payload = Uint8Array.from({ length: 70_000 }, (_, i) => (i * 7) & 0xff);
    const bytes = encodeFrame(big);
    const d = new FrameDecoder({ maxPayload: MAX_FRAME_PAYLOAD });
    const out: Frame[] = [];
    let pos = 0;
    for (let step = 1; pos < bytes.length; step = (step * 3) % 4099) {
      out.push(...d.push(bytes.subarray(pos, pos + step)));
      pos += step;
    }
    expect(out).toEqual([big]);
    expect(d.bufferedBytes).toBe(0);
  });

  it('returns payloads that do not alias the pushed chunk', () => {
    const bytes = encodeFrame(frames[2]);
    const [f] = new FrameDecoder().push(bytes);
    bytes.fill(0);
    expect(f.payload).toEqual(frames[2].payload);
  });

  it('returns plain Uint8Array copies when fed Node Buffers (whose slice is a view)', () => {
    const chunk = Buffer.from(encodeFrame(frames[2]));
    const [f] = new FrameDecoder().push(chunk);
    expect(Buffer.isBuffer(f.payload)).toBe(false);
    chunk.fill(0);
    expect(f.payload).toEqual(frames[2].payload);
    const whole = Buffer.from(encodeFrame(frames[0]));
    const d = decodeFrame(whole);
    whole.fill(0);
    expect(d).toEqual(frames[0]);
  });

  it('fails on an oversized length as soon as the header is complete, before buffering payload', () => {
    const d = new FrameDecoder({ maxPayload: 16 });
    expect(d.push(hexToBytes('00801b'))).toEqual([]);
    expect(() => d.push(hexToBytes('110000'))).toThrow(/17-byte payload, limit 16/);
    expect(d.bufferedBytes).toBe(0);
    // The stream is out of sync afterwards: the decoder stays failed.
    expect(() => d.push(new Uint8Array(1))).toThrow(Sv2DecodeError);
  });

  it('defaults to a 64 KiB payload limit and accepts up to 16 MiB when configured', () => {
    expect(new FrameDecoder().maxPayload).toBe(DEFAULT_MAX_PAYLOAD);
    expect(() => new FrameDecoder().push(hexToBytes('000071000001'))).toThrow(Sv2DecodeError);
    const big = new FrameDecoder({ maxPayload: MAX_FRAME_PAYLOAD });
    expect(big.push(hexToBytes('000071ffffff'))).toEqual([]);
    // Only what arrived is held, not the announced 16 MiB.
    expect(big.push(new Uint8Array(10))).toEqual([]);
    expect(big.bufferedBytes).toBe(16);
    expect(() => new FrameDecoder({ maxPayload: MAX_FRAME_PAYLOAD + 1 })).toThrow(RangeError);
  });

  it('never throws anything but Sv2DecodeError on random streams', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.integer({ min: 0, max: 64 }), (bytes, max) => {
        const d = new FrameDecoder({ maxPayload: max });
        try {
          for (const f of d.push(bytes)) expect(f.payload.length).toBeLessThanOrEqual(max);
        } catch (e) {
          expect(e).toBeInstanceOf(Sv2DecodeError);
        }
      }),
    );
  });
});
