import { describe, expect, it } from 'vitest';
import { encodeAuthorityPubkey, generateAuthorityKeypair } from '../../sv2/noise/keys.js';
import { UsageError } from '../command.js';
import jdClient from './jd-client.js';

const key = encodeAuthorityPubkey(generateAuthorityKeypair().publicXonly);
const POOL = `stratum2+tcp://127.0.0.1:3336/${key}`;
const JDS = `stratum2+tcp://127.0.0.1:3337/${key}`;
const base = ['--node', 'http://127.0.0.1:8114', '--pool', POOL, '--jds', JDS, '--user', 'alice'];

async function usageError(argv: string[]): Promise<string> {
  try {
    await jdClient.run(argv);
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    return (e as Error).message;
  }
  throw new Error('no usage error');
}

describe('ckb-pool jd-client', () => {
  it('documents its flags in --help', () => {
    for (const flag of [
      '--node',
      '--pool',
      '--jds',
      '--user',
      '--listen',
      '--v1-listen',
      '--include-tx',
      '--authority-key',
    ])
      expect(jdClient.help).toContain(flag);
  });

  it('requires the node, both pool URLs and the account', async () => {
    expect(await usageError(base.slice(2))).toMatch(/--node/);
    expect(await usageError(['--node', 'http://127.0.0.1:8114', '--jds', JDS, '--user', 'a'])).toMatch(
      /--pool URL is required/,
    );
    expect(await usageError(['--node', 'http://127.0.0.1:8114', '--pool', POOL, '--user', 'a'])).toMatch(
      /--jds URL is required/,
    );
    expect(await usageError(base.slice(0, 6))).toMatch(/--user/);
    expect(
      await usageError([...base.slice(0, 4), '--jds', 'stratum2+tcp://127.0.0.1:1/nokey', '--user', 'a']),
    ).toMatch(/^--jds:/);
  });

  it('refuses a malformed transaction hash and a bad listener address', async () => {
    expect(await usageError([...base, '--include-tx', '0x12'])).toMatch(/--include-tx 0x12/);
    expect(await usageError([...base, '--listen', 'nowhere'])).toMatch(/--listen/);
    expect(await usageError([...base, '--chain', 'bitcoin'])).toMatch(/--chain/);
  });
});
