import { describe, expect, it } from 'vitest';
import { configFor } from '../../test/support/bundle-helpers.js';
import { imagePinVerdict, isPinnedByDigest, unpinnedImages } from './image-pins.js';

const DIGEST = `sha256:${'ab'.repeat(32)}`;

function allPinned(chain: 'mainnet' | 'testnet') {
  const c = configFor(chain);
  return configFor(chain, {
    images: Object.fromEntries(Object.entries(c.images).map(([k, v]) => [k, `${v}@${DIGEST}`])),
  });
}

describe('image pins', () => {
  it('tells a digest-pinned reference from a tag', () => {
    expect(isPinnedByDigest(`nervos/ckb:v0.205.0@${DIGEST}`)).toBe(true);
    expect(isPinnedByDigest('nervos/ckb:v0.205.0')).toBe(false);
    expect(isPinnedByDigest('nervos/ckb:v0.205.0@sha256:abc')).toBe(false);
  });

  it('refuses tags alone on mainnet, naming each image and how to pin it', () => {
    const v = imagePinVerdict(configFor('mainnet'), false);
    expect(v.error).toMatch(
      /^mainnet images must be pinned by digest; not pinned: images\.ckb \(nervos\/ckb:v0\.205\.0\)/,
    );
    expect(v.error).toContain('--allow-unpinned');
    expect(v.error).toContain('docker buildx imagetools inspect');
  });

  it('only warns with --allow-unpinned on mainnet, and on testnet', () => {
    for (const v of [
      imagePinVerdict(configFor('mainnet'), true),
      imagePinVerdict(configFor('testnet'), false),
    ]) {
      expect(v.error).toBeUndefined();
      expect(v.warning).toMatch(/pinned by tag only/);
    }
  });

  it('says nothing when every image has its digest', () => {
    expect(unpinnedImages(allPinned('mainnet'))).toEqual([]);
    expect(imagePinVerdict(allPinned('mainnet'), false)).toEqual({});
  });
});
