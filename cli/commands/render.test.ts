import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { MAINNET_ADDRESS } from '../../test/support/config-fixtures.js';

const BIN = fileURLToPath(new URL('../../bin/ckb-pool-deploy.js', import.meta.url));

function cli(args: string[], cwd: string) {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function snapshot(dir: string, rel = ''): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of readdirSync(join(dir, rel), { withFileTypes: true })) {
    const p = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) Object.assign(out, snapshot(dir, p));
    else out[p] = readFileSync(join(dir, p), 'utf8');
  }
  return out;
}

describe('ckb-pool-deploy render (spawned)', () => {
  it('renders the bundle of an init-written config, byte for byte the same on every run', () => {
    const dir = mkdtempSync(join(tmpdir(), 'render-'));
    expect(cli(['init', '--yes', '--payout-address', MAINNET_ADDRESS], dir).code).toBe(0);
    // init's default images carry tags only: a mainnet render needs --allow-unpinned (and warns).
    const first = cli(['render', '--out', 'bundle', '--allow-unpinned'], dir);
    expect(first.stderr).toMatch(/^warning: images pinned by tag only .*images\.ckb \(nervos\/ckb:/);
    expect(first.code).toBe(0);
    const files = snapshot(join(dir, 'bundle'));
    expect(Object.keys(files)).toEqual(
      expect.arrayContaining([
        'compose.yaml',
        '.env',
        'ckb/ckb.toml',
        'pool/pool.yaml',
        'prometheus/alerts.yml',
      ]),
    );
    expect(statSync(join(dir, 'bundle/secrets')).mode & 0o777).toBe(0o700);
    const password = readFileSync(join(dir, 'secrets/grafana-admin-password'), 'utf8').trim();
    expect(files['secrets/grafana-admin-password']).toBe(`${password}\n`);
    expect(files['.env']).not.toContain(password);
    expect(files['compose.yaml']).not.toContain(password);

    expect(cli(['render', '--out', 'bundle', '--allow-unpinned'], dir).code).toBe(0);
    expect(snapshot(join(dir, 'bundle'))).toEqual(files);
  });

  it('refuses a mainnet bundle whose images are pinned by tag only, and renders it once they carry digests', () => {
    const dir = mkdtempSync(join(tmpdir(), 'render-'));
    expect(cli(['init', '--yes', '--payout-address', MAINNET_ADDRESS], dir).code).toBe(0);
    const refused = cli(['render', '--out', 'bundle'], dir);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/mainnet images must be pinned by digest; not pinned: images\.ckb/);
    expect(readdirSync(dir)).not.toContain('bundle');
    const digest = `sha256:${'0f'.repeat(32)}`;
    const pinned = readFileSync(join(dir, 'ckb-pool.yaml'), 'utf8').replace(
      // Image references (name:tag), not the ports of the same names.
      /^(\s+(?:ckb|pool|translator|prometheus|alertmanager|grafana|nodeExporter): )(\S+:\S+)$/gm,
      `$1$2@${digest}`,
    );
    writeFileSync(join(dir, 'ckb-pool.yaml'), pinned);
    const ok = cli(['render', '--out', 'bundle'], dir);
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    expect(readFileSync(join(dir, 'bundle/compose.yaml'), 'utf8')).toContain(`nervos/ckb:v0.205.0@${digest}`);
  });

  it('says to run init when the secrets are missing, and requires --out', () => {
    const dir = mkdtempSync(join(tmpdir(), 'render-'));
    expect(cli(['render'], dir)).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/--out DIR is required/),
    });
    const r = cli(['render', '--out', 'b'], dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/ckb-pool-deploy init/);
  });
});
