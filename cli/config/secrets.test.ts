import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readAuthorityKeyFile } from 'ckb-pool/sv2/noise/key-files';
import { describe, expect, it } from 'vitest';
import {
  AUTHORITY_PUBLIC_FILE,
  AUTHORITY_SECRET_FILE,
  ensureSecrets,
  GRAFANA_PASSWORD_FILE,
  NOTIFY_SECRET_FILE,
  readSecrets,
} from './secrets.js';

const fresh = () => join(mkdtempSync(join(tmpdir(), 'secrets-')), 'secrets');

describe('ensureSecrets', () => {
  it('creates an authority key, a strong Grafana password and a notify secret, private', () => {
    const dir = fresh();
    const r = ensureSecrets(dir);
    expect(r.created).toHaveLength(3);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    const key = readAuthorityKeyFile(join(dir, AUTHORITY_SECRET_FILE));
    expect(key.kind).toBe('secret');
    expect(readFileSync(join(dir, AUTHORITY_PUBLIC_FILE), 'utf8').trim()).toBe(r.authorityPublicKey);
    expect(readFileSync(join(dir, GRAFANA_PASSWORD_FILE), 'utf8').trim()).toMatch(/^[A-Za-z0-9_-]{32}$/);
    const notify = readFileSync(join(dir, NOTIFY_SECRET_FILE), 'utf8').trim();
    expect(notify).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(notify).not.toBe(readSecrets(dir).grafanaAdminPassword);
    expect(statSync(join(dir, NOTIFY_SECRET_FILE)).mode & 0o777).toBe(0o600);
  });

  it('keeps existing secrets and restores a missing public key file from the secret', () => {
    const dir = fresh();
    const first = ensureSecrets(dir);
    const before = readSecrets(dir);
    rmSync(join(dir, AUTHORITY_PUBLIC_FILE));
    const second = ensureSecrets(dir);
    expect(second.created).toEqual([]);
    expect(second.authorityPublicKey).toBe(first.authorityPublicKey);
    expect(readSecrets(dir)).toEqual(before);
  });
});

describe('readSecrets', () => {
  it('says to run init when secrets are missing', () => {
    expect(() => readSecrets(fresh())).toThrow(/ckb-pool-deploy init/);
  });

  it('asks for init when a secrets folder from before the notify secret lacks it', () => {
    const dir = fresh();
    ensureSecrets(dir);
    rmSync(join(dir, NOTIFY_SECRET_FILE));
    expect(() => readSecrets(dir)).toThrow(
      new RegExp(`${NOTIFY_SECRET_FILE} is missing; run .ckb-pool-deploy init`),
    );
    expect(ensureSecrets(dir).created).toEqual([join(dir, NOTIFY_SECRET_FILE)]);
    expect(readSecrets(dir).notifySecret).toMatch(/^[A-Za-z0-9_-]{32}$/);
  });

  it('refuses a secret other users can read', () => {
    const dir = fresh();
    ensureSecrets(dir);
    chmodSync(join(dir, GRAFANA_PASSWORD_FILE), 0o644);
    expect(() => readSecrets(dir)).toThrow(/chmod 600/);
  });
});
