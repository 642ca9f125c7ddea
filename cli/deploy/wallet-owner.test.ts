import { describe, expect, it } from 'vitest';
import { POOL_UID } from '../bundle/layout.js';
import { walletOwnerRequest } from './compose.js';

describe('handing the pool wallet key to the pool user on this machine', () => {
  it('chowns only the bundle’s wallet key file, as root with CHOWN alone and no network', () => {
    const r = walletOwnerRequest('/work/bundle', 'ghcr.io/x/ckb-pool:1.0.0');
    expect(r.cmd).toBe('docker');
    const args = r.args.join(' ');
    expect(args).toContain('-v /work/bundle/secrets/pool-wallet-key:/wallet-key ');
    expect(args).toContain('--network none');
    expect(args).toContain('--cap-drop ALL --cap-add CHOWN');
    // The image's entrypoint (ckb-pool) replaced by chown, then its arguments: owner and file.
    expect(r.args.slice(-3)).toEqual(['ghcr.io/x/ckb-pool:1.0.0', `${POOL_UID}:${POOL_UID}`, '/wallet-key']);
    expect(args).not.toMatch(/-v \S+secrets:/); // never the whole secrets folder
  });
});
