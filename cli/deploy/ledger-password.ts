/**
 * The shared ledger's password for several pool hosts, kept off Terraform's state, its outputs,
 * the log and every command line:
 *   - AWS: RDS generates it into Secrets Manager (`manage_master_user_password`); `up` reads it
 *     on the operator's machine with the AWS CLI and the credentials Terraform already uses.
 *     The value comes back on the CLI's stdout (never logged) and leaves this machine only as
 *     a 0444 file in the 0700 secrets folder of each pool host's bundle. Chosen over the pool
 *     hosts reading it with an instance role: no IAM role or AWS CLI on the hosts, so a pool
 *     host holds the password and nothing that can read other secrets.
 *   - Alibaba Cloud: PostgreSQL runs on the node host; its password is generated once into
 *     the deployment's secrets folder (`ledger-password`, 0600) and shipped the same way.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LEDGER_PASSWORD_SECRET } from '../bundle/hosts.js';
import { type Session, StepFailure } from './context.js';

/** Path of the generated password in the deployment's secrets folder. */
export const ledgerPasswordPath = (secretsDir: string) => join(secretsDir, LEDGER_PASSWORD_SECRET);

/** Reads the generated password, creating it on first use; an existing one is always kept. */
export function ensureGeneratedLedgerPassword(secretsDir: string): { password: string; created: boolean } {
  const path = ledgerPasswordPath(secretsDir);
  if (!existsSync(path)) {
    writeFileSync(path, `${randomBytes(24).toString('base64url')}\n`, { mode: 0o600, flag: 'wx' });
    return { password: readPassword(path), created: true };
  }
  const mode = statSync(path).mode & 0o777;
  if (mode & 0o077)
    throw new StepFailure(`${path} is readable by others (mode ${mode.toString(8)}); run chmod 600 ${path}`);
  return { password: readPassword(path), created: false };
}

function readPassword(path: string): string {
  const value = readFileSync(path, 'utf8').trim();
  if (!/^[A-Za-z0-9_-]{16,}$/.test(value))
    throw new StepFailure(`${path} must hold at least 16 characters of A-Z a-z 0-9 _ -`);
  return value;
}

/** The AWS CLI call that prints the RDS-managed secret (JSON with `username` and `password`). */
export function secretValueRequest(secretArn: string, region: string) {
  return {
    cmd: 'aws',
    args: [
      'secretsmanager',
      'get-secret-value',
      '--secret-id',
      secretArn,
      '--region',
      region,
      '--query',
      'SecretString',
      '--output',
      'text',
    ],
    timeoutMs: 60_000,
  };
}

/**
 * Reads the RDS master password from Secrets Manager. Runs the CLI without the session's tool
 * logging (its stdout is the secret) and registers the value for masking before anything else
 * can print it.
 */
export async function readRdsLedgerPassword(s: Session, secretArn: string, region: string): Promise<string> {
  const req = secretValueRequest(secretArn, region);
  s.log.line(`$ ${req.cmd} ${req.args.join(' ')}  (output not logged: it is the ledger password)`);
  const r = await s.deps.runner.run(req);
  if (r.notFound) {
    throw new StepFailure(
      'the AWS CLI (aws) is not on PATH; several pool hosts on AWS read the ledger password from Secrets Manager with it: install AWS CLI v2 and re-run `up`',
    );
  }
  if (r.exitCode !== 0) {
    s.log.line(`! ${s.masker.mask(r.stderr.trim())}`);
    throw new StepFailure(
      `aws secretsmanager get-secret-value exited with ${r.exitCode}: the credentials need secretsmanager:GetSecretValue on ${secretArn} (see the log)`,
    );
  }
  let password: unknown;
  try {
    password = (JSON.parse(r.stdout) as { password?: unknown }).password;
  } catch {
    password = undefined;
  }
  if (typeof password !== 'string' || password === '' || /[\r\n]/.test(password))
    throw new StepFailure(`the secret ${secretArn} holds no one-line 'password' field`);
  s.masker.add(password);
  return password;
}
