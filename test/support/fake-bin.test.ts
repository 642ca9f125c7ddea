import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { FakeBin } from './fake-bin.js';

const run = promisify(execFile);

describe('FakeBin', () => {
  it('answers a `times: 1` rule to exactly one of many calls made at once', async () => {
    // Started together, the calls append to calls.jsonl in some order and read it back after
    // others appended: each must still count only the calls recorded before its own.
    for (let round = 0; round < 3; round++) {
      const fake = FakeBin.create(['ssh']).rules([
        { match: 'ssh', times: 1, stdout: 'first' },
        { match: 'ssh', stdout: 'later' },
      ]);
      const outs = await Promise.all(
        Array.from({ length: 8 }, (_, i) => run(join(fake.dir, 'ssh'), [`host-${i}`]).then((r) => r.stdout)),
      );
      expect(outs.filter((o) => o === 'first')).toHaveLength(1);
      expect(outs.filter((o) => o === 'later')).toHaveLength(7);
      expect(fake.calls()).toHaveLength(8);
    }
  });
});
