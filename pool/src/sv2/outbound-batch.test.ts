import { describe, expect, it } from 'vitest';
import { type BatchedWriter, OutboundBatch } from './outbound-batch.js';

function writer(log: string[], name: string): BatchedWriter {
  return { flushBatched: () => log.push(name) };
}

describe('an outbound batch', () => {
  it('writes nothing until the outermost run returns, then every enlisted writer in order', () => {
    const batch = new OutboundBatch();
    const log: string[] = [];
    batch.run(() => {
      expect(batch.open).toBe(true);
      batch.enlist(writer(log, 'a'));
      batch.run(() => batch.enlist(writer(log, 'b')));
      // The inner run ending does not flush: the outer one is still sealing.
      expect(log).toEqual([]);
      batch.enlist(writer(log, 'c'));
    });
    expect(log).toEqual(['a', 'b', 'c']);
    expect(batch.open).toBe(false);
  });

  it('flushes what was held when the sealing loop throws, and forgets it afterwards', () => {
    const batch = new OutboundBatch();
    const log: string[] = [];
    expect(() =>
      batch.run(() => {
        batch.enlist(writer(log, 'a'));
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(log).toEqual(['a']);
    batch.run(() => undefined);
    expect(log).toEqual(['a']);
  });

  it('keeps writing the others when one writer throws', () => {
    const batch = new OutboundBatch();
    const log: string[] = [];
    batch.run(() => {
      batch.enlist(writer(log, 'a'));
      batch.enlist({
        flushBatched: () => {
          throw new Error('socket gone');
        },
      });
      batch.enlist(writer(log, 'c'));
    });
    expect(log).toEqual(['a', 'c']);
  });
});
