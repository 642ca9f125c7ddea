import { describe, expect, it } from 'vitest';
import { bool, hex, hostPort, httpUrl, int, list, num, oneOf, str, text } from './kinds.js';

describe('config kinds', () => {
  it('reads integers from YAML numbers, and from digit strings only where asked and on the command line', () => {
    expect(int(1, 10).parse(5)).toBe(5);
    expect(() => int(1, 10).parse('5')).toThrow(/expected an integer, got '5'/);
    expect(int(1, 10, { strings: true }).parse('5')).toBe(5);
    expect(int(1, 10).fromFlag(['3', '7'])).toBe(7);
    expect(() => int(1, 10).parse(1.5)).toThrow(/expected an integer, got 1.5/);
    expect(() => int(1, 10).parse(11)).toThrow(/11 is out of range 1..10/);
    expect(int(1, 10, { auto: true }).parse('auto')).toBe('auto');
    expect(int(1, 10, { auto: true }).fromFlag(['auto'])).toBe('auto');
    expect(int(1, 10, { auto: true }).parse(4)).toBe(4);
    expect(int(1, 10, { auto: true }).describe).toBe('`auto` or integer 1..10');
    expect(() => int(1, 10).parse('auto')).toThrow(/expected an integer, got 'auto'/);
    expect(() => int(1, 10, { auto: true }).parse('Auto')).toThrow(/expected an integer/);
    expect(num(0.01, 1).parse(0.5)).toBe(0.5);
    expect(() => num(0.01, 1).parse(Number.NaN)).toThrow(/expected a number/);
  });

  it('reads booleans the way YAML and flags write them', () => {
    expect(bool().parse(true)).toBe(true);
    expect(bool().fromFlag('off')).toBe(false);
    expect(() => bool().parse('maybe')).toThrow(/true or false/);
  });

  it('checks strings against a pattern and refuses empty text', () => {
    expect(str('name', /^[a-z]+$/, 'lowercase').parse('abc')).toBe('abc');
    expect(() => str('name', /^[a-z]+$/, 'lowercase').parse('A')).toThrow(
      "'A' is not a valid name (lowercase)",
    );
    expect(() => text().parse('')).toThrow(/non-empty string/);
  });

  it('offers enum values as choices and names them in the error', () => {
    expect(oneOf(['a', 'b']).choices).toEqual(['a', 'b']);
    expect(() => oneOf(['a', 'b']).parse('c')).toThrow("must be one of a, b, got 'c'");
  });

  it('takes a single string as a one-item list and names the bad item', () => {
    expect(list(str(), 'list').parse('x')).toEqual(['x']);
    expect(list(str(), 'list').fromFlag(['a,b', 'c'])).toEqual(['a', 'b', 'c']);
    expect(() => list(int(1, 2), 'list').parse([1, 3])).toThrow(/item 2: 3 is out of range/);
    expect(() => list(str(), 'list').parse({})).toThrow(/expected a list/);
  });

  it('reads hex bytes in lowercase, of the given length', () => {
    expect(hex(2).parse('0xABcd')).toBe('0xabcd');
    expect(() => hex(2).parse('0xab')).toThrow(/0x and 4 hex characters/);
    expect(() => hex().parse('0xabc')).toThrow(/0x and hex bytes/);
  });

  it('reads listen addresses and http(s) URLs', () => {
    expect(hostPort().parse('[::1]:3333')).toBe('[::1]:3333');
    expect(() => hostPort().parse('localhost')).toThrow(/expected host:port/);
    expect(httpUrl().parse('http://ckb:8114')).toBe('http://ckb:8114');
    expect(() => httpUrl().parse('ftp://x')).toThrow(/http:\/\/ or https:\/\//);
    expect(() => httpUrl().parse('nope')).toThrow(/not a URL/);
  });
});
