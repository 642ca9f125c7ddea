import { describe, expect, it } from 'vitest';
import { configFor } from '../../test/support/bundle-helpers.js';
import { composeFile } from './compose.js';

type Service = { image: string; stop_grace_period?: string };
const services = (extra: Record<string, unknown>) =>
  composeFile(configFor('testnet', extra)).services as Record<string, Service>;
const seconds = (d: string | undefined) => Number(/^(\d+)s$/.exec(d ?? '')?.[1] ?? Number.NaN);

describe('the compose services across an upgrade', () => {
  it('change only the pool when images.pool moves and images.translator is pinned', () => {
    const before = services({ images: { pool: 'example.com/ckb-pool:1.0.0' } });
    const after = services({
      images: { pool: 'example.com/ckb-pool:1.1.0', translator: 'example.com/ckb-pool:1.0.0' },
    });
    const changed = Object.keys(before).filter((s) => JSON.stringify(before[s]) !== JSON.stringify(after[s]));
    expect(changed).toEqual(['pool']);
  });

  it('move the translator with the pool when it is not pinned', () => {
    expect(services({ images: { pool: 'example.com/ckb-pool:1.1.0' } }).translator?.image).toBe(
      'example.com/ckb-pool:1.1.0',
    );
  });

  it('give the pool a stop grace period that outlasts its drain (3 s for clients, 5 s for block submissions, the last flush)', () => {
    expect(seconds(services({}).pool?.stop_grace_period)).toBeGreaterThanOrEqual(3 + 5 + 10);
  });
});
