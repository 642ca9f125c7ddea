/**
 * Images pinned by digest as well as tag. A tag is a name the registry owner can move; the
 * digest is the content. The config keeps both (`name:tag@sha256:<64 hex>`): the tag says which
 * release it is, the digest makes the host pull exactly the bytes that were tested.
 */
import type { PoolDeployConfig } from '../config/types.js';

const DIGEST = /@sha256:[0-9a-f]{64}$/;

export const isPinnedByDigest = (image: string): boolean => DIGEST.test(image);

/** `images.<name> (<reference>)` for every image without a digest. */
export function unpinnedImages(config: PoolDeployConfig): string[] {
  return Object.entries(config.images)
    .filter(([, ref]) => !isPinnedByDigest(ref))
    .map(([name, ref]) => `images.${name} (${ref})`);
}

export interface PinVerdict {
  /** Set when rendering must stop (mainnet without --allow-unpinned). */
  error?: string;
  /** Set when rendering goes on but the operator should know. */
  warning?: string;
}

const HOW =
  '`ckb-pool-deploy image pin` writes each digest into the config (or pin by hand as name:tag@sha256:<digest>, ' +
  'from docker buildx imagetools inspect <image>)';

/** Mainnet refuses mutable tags unless allowed; testnet only warns. */
export function imagePinVerdict(config: PoolDeployConfig, allowUnpinned: boolean): PinVerdict {
  const unpinned = unpinnedImages(config);
  if (unpinned.length === 0) return {};
  const list = unpinned.join(', ');
  if (config.chain === 'mainnet' && !allowUnpinned) {
    return {
      error: `mainnet images must be pinned by digest; not pinned: ${list}. ${HOW}, or pass --allow-unpinned to deploy tags alone`,
    };
  }
  return { warning: `images pinned by tag only (a registry can move a tag): ${list}; ${HOW}` };
}
