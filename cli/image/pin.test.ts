import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MAINNET_ADDRESS } from '../../test/support/config-fixtures.js';
import { imagePinVerdict } from '../bundle/image-pins.js';
import { loadConfig } from '../config/schema.js';
import { ensureSecrets } from '../config/secrets.js';
import { pinOutcomes, type ResolveDigest, writePins } from './pin.js';
import { runImagePin } from './pin-command.js';
import type { ImageRef } from './reference.js';

const digestOf = (seed: string) =>
  `sha256:${Buffer.from(seed.padEnd(32, '.')).subarray(0, 32).toString('hex')}`;

/** A registry that has every image but the pool's, each tag naming a digest derived from it. */
const registry: ResolveDigest = async (image: ImageRef) =>
  image.repository.endsWith('ckb-pool')
    ? { status: 'missing', detail: `${image.repository}:${image.tag} at ${image.registry} does not exist` }
    : { status: 'resolved', digest: digestOf(`${image.repository}:${image.tag}`), detail: '' };

function mainnetConfig(extra = ''): string {
  const dir = mkdtempSync(join(tmpdir(), 'pin-'));
  ensureSecrets(join(dir, 'secrets'));
  const path = join(dir, 'ckb-pool.yaml');
  writeFileSync(
    path,
    [
      '# the operator wrote this comment',
      'project: ckb-pool',
      'chain: mainnet',
      `payoutAddress: ${MAINNET_ADDRESS}`,
      'cloud: local',
      'secretsDir: secrets',
      extra,
    ].join('\n'),
  );
  return path;
}

describe('pinning the images of a config', () => {
  it('writes each digest beside its tag, keeps comments, and leaves an image its registry lacks', async () => {
    const path = mainnetConfig();
    const lines: string[] = [];
    const code = await runImagePin({
      configPath: path,
      check: false,
      resolve: registry,
      out: (l) => lines.push(l),
    });
    expect(code).toBe(1); // the pool image is not published: one image stays a tag
    const text = readFileSync(path, 'utf8');
    expect(text).toContain('# the operator wrote this comment');
    const config = loadConfig(path);
    expect(config.images.ckb).toBe(`nervos/ckb:v0.205.0@${digestOf('nervos/ckb:v0.205.0')}`);
    expect(config.images.grafana).toMatch(/^grafana\/grafana:12\.1\.1@sha256:[0-9a-f]{64}$/);
    expect(config.images.pool).not.toContain('@');
    expect(lines.find((l) => l.includes('images.pool'))).toMatch(
      /^unpinned .*builds this image from the installed ckb-pool/,
    );
    expect(imagePinVerdict(config, false).error).toContain('images.pool');
    expect(imagePinVerdict(config, false).error).not.toContain('images.ckb');
  });

  it('makes a mainnet config renderable once every image is pinned, and a second run changes nothing', async () => {
    const path = mainnetConfig('images:\n  pool: registry.example.com/me/ckb-pool-fork:1.0.0');
    const everything: ResolveDigest = async (i) => ({
      status: 'resolved',
      digest: digestOf(i.repository),
      detail: '',
    });
    expect(await runImagePin({ configPath: path, check: false, resolve: everything, out: () => {} })).toBe(0);
    expect(imagePinVerdict(loadConfig(path), false)).toEqual({});
    const once = readFileSync(path, 'utf8');
    const lines: string[] = [];
    expect(
      await runImagePin({ configPath: path, check: false, resolve: everything, out: (l) => lines.push(l) }),
    ).toBe(0);
    expect(readFileSync(path, 'utf8')).toBe(once);
    expect(lines.every((l) => l.startsWith('kept'))).toBe(true);
  });

  it('checks without writing: a moved tag and a tag alone both fail the check', async () => {
    const stale = `sha256:${'11'.repeat(32)}`;
    const path = mainnetConfig(`images:\n  ckb: nervos/ckb:v0.205.0@${stale}`);
    const before = readFileSync(path, 'utf8');
    const lines: string[] = [];
    expect(
      await runImagePin({ configPath: path, check: true, resolve: registry, out: (l) => lines.push(l) }),
    ).toBe(1);
    expect(readFileSync(path, 'utf8')).toBe(before);
    expect(lines.find((l) => l.includes('images.ckb'))).toContain(
      `now names ${digestOf('nervos/ckb:v0.205.0')}`,
    );
    expect(lines.find((l) => l.includes('images.grafana'))).toMatch(
      /^unpinned .*a tag alone; its digest today/,
    );
  });
});

describe('the outcome of one image', () => {
  it('keeps a pinned image without asking the registry unless checking', async () => {
    let asked = 0;
    const counting: ResolveDigest = async (i) => {
      asked++;
      return registry(i);
    };
    const pinned = `nervos/ckb:v0.205.0@${digestOf('nervos/ckb:v0.205.0')}`;
    const images = { ckb: pinned } as unknown as Parameters<typeof pinOutcomes>[0];
    expect(await pinOutcomes(images, counting, false)).toEqual([
      { name: 'ckb', ref: pinned, outcome: 'already-pinned' },
    ]);
    expect(asked).toBe(0);
    expect(await pinOutcomes(images, counting, true)).toEqual([
      { name: 'ckb', ref: pinned, outcome: 'tag-current' },
    ]);
  });

  it('adds an images map to a config that had none, and leaves the text alone when nothing was pinned', () => {
    const text = 'project: p # name\n';
    const written = writePins(text, [
      { name: 'ckb', ref: 'a/b:1', outcome: 'pinned', pinned: 'a/b:1@sha256:x' },
    ]);
    expect(written).toBe('project: p # name\nimages:\n  ckb: a/b:1@sha256:x\n');
    expect(writePins(text, [{ name: 'ckb', ref: 'a/b:1', outcome: 'failed', detail: 'no' }])).toBe(text);
  });
});
