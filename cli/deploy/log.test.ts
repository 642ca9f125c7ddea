import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DeployLog, logFileName, MASK, Masker } from './log.js';

describe('Masker', () => {
  it('masks every occurrence of every secret, longest first', () => {
    const m = new Masker().add('secret-value-1', 'secret-value-12345', undefined, 'short');
    expect(m.mask('a secret-value-12345 b secret-value-1 c secret-value-1')).toBe(
      `a ${MASK} b ${MASK} c ${MASK}`,
    );
    // Values under 8 characters would mask ordinary words: they are ignored.
    expect(m.mask('short words stay')).toBe('short words stay');
  });

  it('takes the cloud secret keys from the environment, not the key ids', () => {
    const m = new Masker().addFromEnv({
      AWS_ACCESS_KEY_ID: 'AKIAIDENTIFIER',
      AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG',
      ALICLOUD_SECRET_KEY: 'alicloud-secret-xyz',
    });
    expect(m.mask('AKIAIDENTIFIER wJalrXUtnFEMI/K7MDENG alicloud-secret-xyz')).toBe(
      `AKIAIDENTIFIER ${MASK} ${MASK}`,
    );
  });

  it('masks the secret of every credential source doctor accepts', () => {
    const m = new Masker().addFromEnv({
      ALIBABACLOUD_ACCESS_KEY_SECRET: 'alibabacloud-secret-1',
      ALIBABACLOUD_SECURITY_TOKEN: 'alibabacloud-sts-token-2',
      AWS_CONTAINER_AUTHORIZATION_TOKEN: 'ecs-container-token-3',
    });
    expect(m.mask('alibabacloud-secret-1 alibabacloud-sts-token-2 ecs-container-token-3')).toBe(
      `${MASK} ${MASK} ${MASK}`,
    );
  });

  it('never lets a registered secret through, whatever surrounds it', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 8, maxLength: 40 }).filter((s) => s.trim().length >= 8 && !s.includes('*')),
        fc.string(),
        fc.string(),
        (secret, a, b) => {
          const masked = new Masker().add(secret).mask(`${a}${secret}${b}`);
          expect(masked.includes(secret.trim())).toBe(false);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('DeployLog', () => {
  it('writes masked lines to a per-run file and keeps the tail of the current section', () => {
    const dir = mkdtempSync(join(tmpdir(), 'log-'));
    const log = DeployLog.inFolder(
      dir,
      'up',
      new Masker().add('hunter2-password'),
      new Date('2026-11-21T22:44:55Z'),
    );
    expect(log.path).toBe(join(dir, 'up-20261121-224455.log'));
    log.line('before');
    log.section('terraform apply');
    log.line('using hunter2-password');
    expect(log.tail()).toEqual([`using ${MASK}`]);
    const text = readFileSync(log.path, 'utf8');
    expect(text).toContain('==== terraform apply');
    expect(text).not.toContain('hunter2-password');
    expect(logFileName('down', new Date('2026-01-02T03:04:05.678Z'))).toBe('down-20260102-030405.log');
  });
});
