import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { connectionString } from './pg-connection.js';

/** What node-postgres itself makes of the connection settings (no server needed). */
const seenByPg = (url: string) => {
  const c = new pg.Client({ connectionString: url });
  return { password: c.password, user: c.user, host: c.host, database: c.database, ssl: c.ssl };
};

describe('connectionString', () => {
  it('hands node-postgres the password of ledger.passwordFile, which its own option would lose', () => {
    const url = 'postgres://ckbpool@ledger.example:5432/ckbpool';
    expect(new pg.Client({ connectionString: url, password: 'lost' }).password).not.toBe('lost');
    expect(seenByPg(connectionString(url, 'kept-secret'))).toMatchObject({
      password: 'kept-secret',
      user: 'ckbpool',
      host: 'ledger.example',
      database: 'ckbpool',
    });
  });

  it('keeps any character of an RDS-generated password and the TLS setting of the URL', () => {
    const password = 'rds!Gen$pa:ss/w@rd#%?&=+ x\\y';
    const url = 'postgres://ckbpool@db.rds.amazonaws.com:5432/ckbpool?sslmode=no-verify';
    expect(seenByPg(connectionString(url, password))).toMatchObject({
      password,
      ssl: { rejectUnauthorized: false },
    });
  });

  it('leaves a URL alone when there is no password file', () => {
    expect(connectionString('postgres://u@h:5432/d', undefined)).toBe('postgres://u@h:5432/d');
  });
});
