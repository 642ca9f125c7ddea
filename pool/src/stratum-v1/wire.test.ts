import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { powOutput } from '../ckb/pow.js';
import { meetsTarget } from '../ckb/target.js';
import {
  errorLine,
  hexOfLength,
  LineSplitter,
  LineTooLongError,
  notifyLine,
  parseLine,
  resultLine,
  setTargetLine,
} from './wire.js';

const hex = (s: string) => new Uint8Array(Buffer.from(s, 'hex'));

describe('CKB Stratum V1 wire helpers', () => {
  it('formats mining.set_target as exactly 64 lowercase big-endian hex characters', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: (1n << 256n) - 1n }), (t) => {
        const msg = JSON.parse(setTargetLine(t));
        expect(msg).toEqual({ id: null, method: 'mining.set_target', params: [expect.any(String)] });
        expect(msg.params[0]).toMatch(/^[0-9a-f]{64}$/);
        expect(BigInt(`0x${msg.params[0]}`)).toBe(t);
      }),
    );
  });

  it('formats mining.notify with the five parameters CKB miners parse', () => {
    const line = notifyLine({
      jobId: '1a2b',
      powHash: hex('eb0f4436dc49e3d695074675b7cad1b26303560fde34edecac16309970b5737f'),
      height: 16_406_793n,
      parentHash: hex('53717b004829f67121664e8ae0ace4a9e1020cd262879fd47ce066a3e7043d5a'),
      clean: true,
    });
    expect(line.endsWith('\n')).toBe(true);
    expect(JSON.parse(line)).toEqual({
      id: null,
      method: 'mining.notify',
      params: [
        '1a2b',
        'eb0f4436dc49e3d695074675b7cad1b26303560fde34edecac16309970b5737f',
        16406793,
        '53717b004829f67121664e8ae0ace4a9e1020cd262879fd47ce066a3e7043d5a',
        true,
      ],
    });
  });

  it('assembles the nonce as extranonce1 ‖ extranonce2 as-is (the §5 worked example meets its target)', () => {
    const powHash = hex('eb0f4436dc49e3d695074675b7cad1b26303560fde34edecac16309970b5737f');
    const nonce = new Uint8Array([...hex('207bb9ef'), ...hex('080000007dc3929f157e882b')]);
    const out = powOutput('mainnet', powHash, nonce);
    expect(Buffer.from(out).toString('hex')).toBe(
      '00000000000000040dfbcc91208a14eb207c06f118554ccb2db4ae11f2a5ee80',
    );
    expect(meetsTarget(out, 0x0000000000000008f45900000000000000000000000000000000000000000000n)).toBe(true);
  });

  it('echoes any id in results and errors, with the [code, message, null] error shape', () => {
    expect(JSON.parse(resultLine(0, true))).toEqual({ id: 0, result: true, error: null });
    expect(JSON.parse(resultLine('abc', [null, '00000001', 12]))).toEqual({
      id: 'abc',
      result: [null, '00000001', 12],
      error: null,
    });
    expect(JSON.parse(errorLine(7, 23, 'Low difficulty'))).toEqual({
      id: 7,
      result: null,
      error: [23, 'Low difficulty', null],
    });
  });

  it('tells requests, notifications, responses and garbage apart', () => {
    expect(parseLine('{"id":0,"method":"mining.subscribe","params":[]}')).toEqual({
      kind: 'request',
      req: { id: 0, method: 'mining.subscribe', params: [] },
    });
    expect(parseLine('{"id":null,"method":"mining.notify","params":[1]}')).toEqual({
      kind: 'notification',
      method: 'mining.notify',
      params: [1],
    });
    expect(parseLine('{"id":3,"result":true,"error":null}')).toMatchObject({ kind: 'response', id: 3 });
    expect(parseLine('{"id":3,')).toMatchObject({ kind: 'invalid', id: null });
    expect(parseLine('[1,2]')).toMatchObject({ kind: 'invalid' });
    expect(parseLine('{"id":4,"method":"x","params":{"a":1}}')).toMatchObject({ kind: 'invalid', id: 4 });
  });

  it('decodes hex only at the exact length', () => {
    expect(hexOfLength('00ff', 2)).toEqual(Uint8Array.of(0, 255));
    expect(hexOfLength('00ff', 3)).toBeNull();
    expect(hexOfLength('0x00', 2)).toBeNull();
    expect(hexOfLength(12, 1)).toBeNull();
  });

  it('splits lines across arbitrary chunk boundaries and refuses an unbounded line', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.string({ minLength: 1, maxLength: 20 }).filter((s) => !/[\n\r]/.test(s) && s.trim() !== ''),
          {
            maxLength: 10,
          },
        ),
        fc.array(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 5 }),
        (lines, cuts) => {
          const text = lines.map((l) => `${l}\r\n`).join('');
          const sp = new LineSplitter(100);
          const got: string[] = [];
          let i = 0;
          let c = 0;
          while (i < text.length) {
            const n = cuts[c++ % cuts.length];
            got.push(...sp.push(text.slice(i, i + n)));
            i += n;
          }
          expect(got).toEqual(lines);
        },
      ),
    );
    const sp = new LineSplitter(16);
    expect(() => sp.push('x'.repeat(17))).toThrow(LineTooLongError);
  });
});
