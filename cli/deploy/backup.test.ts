import { execFileSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ledger } from 'ckb-pool/ledger/ledger';
import { execa } from 'execa';
import { afterEach, describe, expect, it } from 'vitest';
import { type Deployment, makeDeployment, testDeps } from '../../test/support/deploy-fixture.js';
import { FakeBin } from '../../test/support/fake-bin.js';
import { runBackup } from '../commands/backup.js';
import { runRestore } from '../commands/restore.js';
import { AUTHORITY_SECRET_FILE } from '../config/secrets.js';
import type { Runner, RunRequest, RunResult } from '../process/runner.js';
import { whichOnPath } from '../process/runner.js';
import { workDir } from './workdir.js';

/**
 * The pool host, emulated at the process boundary: `docker compose … run … pool -e PROGRAM` runs
 * PROGRAM with this machine's node against a folder standing in for the pool's data volume;
 * `ssh … | sudo -n sh -e` scripts are decoded and answered the same way, `scp` copies files.
 * Everything else (tar) is the real tool. Each emulated call is recorded.
 */
interface Emulated extends Runner {
  calls: string[];
  scripts: string[];
}

const ok = (stdout = ''): RunResult => ({
  exitCode: 0,
  stdout,
  stderr: '',
  notFound: false,
  timedOut: false,
});
const unquote = (line: string): string[] =>
  [...line.matchAll(/'((?:[^']|'\\'')*)'/g)].map((m) => m[1].replace(/'\\''/g, "'"));

function emulateHost(base: Runner, volume: string): Emulated {
  const calls: string[] = [];
  const scripts: string[] = [];
  async function compose(args: string[]): Promise<RunResult> {
    const sub = args.find((a) => ['run', 'stop', 'start'].includes(a)) as string;
    calls.push(`compose ${sub}${sub === 'run' ? ` ${args[args.indexOf('-e') + 1]}` : ` ${args.at(-1)}`}`);
    if (sub !== 'run') return ok();
    const env: Record<string, string> = {};
    let scratch = '';
    for (let i = 0; i < args.length; i++) {
      if (args[i] === '-v') scratch = args[i + 1].split(':')[0];
      if (args[i] === '-e' && args[i - 1] !== 'pool') {
        const [k, v] = args[i + 1].split(/=(.*)/s) as [string, string];
        env[k] = v;
      }
    }
    expect(args).toEqual(expect.arrayContaining(['--rm', '--no-deps', '-u', '0', '--entrypoint', 'node']));
    const program = args[args.indexOf('pool') + 2];
    const r = await execa(process.execPath, ['-e', program], {
      env: { ...env, LEDGER: env.LEDGER?.replace('/var/lib/ckb-pool', volume) ?? '', SCRATCH: scratch },
      reject: false,
    });
    return {
      exitCode: r.exitCode ?? 1,
      stdout: r.stdout,
      stderr: r.stderr,
      notFound: false,
      timedOut: false,
    };
  }
  return {
    env: base.env,
    which: base.which,
    start: base.start,
    calls,
    scripts,
    async run(req: RunRequest): Promise<RunResult> {
      const a = req.args;
      if (req.cmd === 'docker' && a[0] === 'compose' && a[1] === 'version') return ok('v2\n');
      if (req.cmd === 'docker' && a[0] === 'compose') return compose(a);
      if (req.cmd === 'ssh') {
        calls.push(`ssh ${a.slice(0, -1).join(' ')}`);
        const m = /^echo ([A-Za-z0-9+/=]+) \| base64 -d \| sudo -n sh -e$/.exec(a.at(-1) as string);
        if (!m) throw new Error(`unexpected remote command ${a.at(-1)}`);
        const script = Buffer.from(m[1], 'base64').toString();
        scripts.push(script);
        if (script.includes('mktemp')) return ok(`${mkdtempSync('/tmp/ckb-pool-backup.')}\n`);
        if (script.includes('compose.yaml ]')) return ok('deployed\n');
        if (script.startsWith('rm -rf')) {
          rmSync(unquote(script)[0], { recursive: true, force: true });
          return ok();
        }
        // The compose line runs to the end (the program inside it spans lines).
        return compose(unquote(script.slice(script.indexOf('"$@" -p'))).slice(1));
      }
      if (req.cmd === 'scp') {
        calls.push(`scp ${a.slice(0, -2).join(' ')}`);
        const [from, to] = a.slice(-2).map((p) => p.replace(/^[^/]*:/, '')) as [string, string];
        copyFileSync(from, to);
        return ok();
      }
      return base.run(req);
    },
  };
}

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

interface Setup {
  d: Deployment;
  volume: string;
  runner: Emulated;
  deps: ReturnType<typeof testDeps>;
}

/** A deployment whose pool volume holds a ledger with `shares` shares from three workers. */
function setup(cloud: 'local' | 'ssh', shares: number, deployed = true): Setup {
  const d = makeDeployment({ cloud });
  const volume = mkdtempSync(join(tmpdir(), 'pool-volume-'));
  cleanups.push(() => rmSync(volume, { recursive: true, force: true }));
  if (shares > 0) {
    const l = new Ledger(join(volume, 'ledger.sqlite'), { flushIntervalMs: 0 });
    for (let i = 0; i < shares; i++)
      l.recordShare({ worker: `w${i % 3}`, difficulty: 10, timeMs: i, height: 1 });
    l.close();
  }
  if (deployed && cloud === 'local') {
    const bundle = workDir(d.configPath, 'ckb-pool', 'local').bundle;
    mkdirSync(bundle, { recursive: true });
    writeFileSync(join(bundle, 'compose.yaml'), 'services: {}\n');
  }
  const fake = FakeBin.create([]);
  for (const tool of ['tar', 'gzip'])
    symlinkSync(whichOnPath(tool, process.env) as string, join(fake.dir, tool));
  const deps = testDeps(fake.dir);
  const runner = emulateHost(deps.runner, volume);
  deps.runner = runner;
  return { d, volume, runner, deps };
}

const shareCount = (path: string) => {
  const l = new Ledger(path, { flushIntervalMs: 0 });
  const n = l.shareCount();
  l.close();
  return n;
};

async function backupOf(s: Setup, extra: string[] = []): Promise<string> {
  const out = join(s.d.dir, 'pool.backup.tar.gz');
  const code = await runBackup(['--config', s.d.configPath, '--out', out, ...extra], s.deps);
  expect(code, s.deps.err.text).toBe(0);
  return out;
}

describe('ckb-pool-deploy backup', () => {
  it('writes one 0600 archive with the ledger copy, the config and the secrets, without stopping the pool', async () => {
    const s = setup('local', 40);
    const out = await backupOf(s);
    expect(statSync(out).mode & 0o777).toBe(0o600);
    const entries = execFileSync('tar', ['-tzf', out], { encoding: 'utf8' }).split('\n').filter(Boolean);
    expect(entries).toEqual(
      expect.arrayContaining([
        'backup.json',
        'ledger.sqlite',
        'ckb-pool.yaml',
        `secrets/${AUTHORITY_SECRET_FILE}`,
      ]),
    );
    const x = mkdtempSync(join(tmpdir(), 'unpacked-'));
    cleanups.push(() => rmSync(x, { recursive: true, force: true }));
    execFileSync('tar', ['-xzf', out, '-C', x]);
    expect(shareCount(join(x, 'ledger.sqlite'))).toBe(40);
    const manifest = JSON.parse(readFileSync(join(x, 'backup.json'), 'utf8'));
    expect(manifest).toMatchObject({ format: 1, project: 'ckb-pool', ledger: { shares: 40, workers: 3 } });
    for (const f of readdirSync(s.d.secretsDir)) {
      expect(readFileSync(join(x, 'secrets', f))).toEqual(readFileSync(join(s.d.secretsDir, f)));
    }
    expect(readFileSync(join(x, 'ckb-pool.yaml'), 'utf8')).toBe(readFileSync(s.d.configPath, 'utf8'));
    expect(s.runner.calls).toEqual(['compose run MODE=snapshot']);
    expect(s.deps.out.text).toContain('keep it private');
  });

  it('never overwrites an existing archive', async () => {
    const s = setup('local', 1);
    const out = join(s.d.dir, 'exists.tar.gz');
    writeFileSync(out, 'an older backup');
    expect(await runBackup(['--config', s.d.configPath, '--out', out], s.deps)).toBe(1);
    expect(s.deps.err.text).toContain('exists');
    expect(readFileSync(out, 'utf8')).toBe('an older backup');
  });

  it('says there is nothing to back up when the stack is not deployed', async () => {
    const s = setup('local', 0, false);
    expect(await runBackup(['--config', s.d.configPath], s.deps)).toBe(1);
    expect(s.deps.err.text).toContain('is not deployed');
  });

  it('reaches a remote host over SSH with the pinned known_hosts, as root through sudo -n, and scp on its port', async () => {
    const s = setup('ssh', 25);
    const out = await backupOf(s, ['--host', 'admin@127.0.0.1:2222']);
    expect(statSync(out).mode & 0o777).toBe(0o600);
    const sshCalls = s.runner.calls.filter((c) => c.startsWith('ssh'));
    for (const c of sshCalls) {
      expect(c).toContain('StrictHostKeyChecking=yes');
      expect(c).toContain(`UserKnownHostsFile=${workDir(s.d.configPath, 'ckb-pool', 'ssh').knownHosts}`);
      expect(c).toContain('-p 2222');
    }
    expect(s.runner.calls.find((c) => c.startsWith('scp'))).toContain('-P 2222');
    const composeScript = s.runner.scripts.find((x) => x.includes('"$@" -p')) as string;
    expect(composeScript).toMatch(/^cd \/opt\/ckb-pool\n/);
    expect(composeScript).toContain("'run' '--rm' '--no-deps'");
    expect(s.runner.calls.filter((c) => c.startsWith('compose'))).toEqual(['compose run MODE=snapshot']);
    // The scratch folder on the host is removed again.
    expect(s.runner.scripts.at(-1)).toMatch(/^rm -rf '\/tmp\/ckb-pool-backup\./);
    const x = mkdtempSync(join(tmpdir(), 'unpacked-'));
    cleanups.push(() => rmSync(x, { recursive: true, force: true }));
    execFileSync('tar', ['-xzf', out, '-C', x, 'ledger.sqlite']);
    expect(shareCount(join(x, 'ledger.sqlite'))).toBe(25);
  });
});

describe('ckb-pool-deploy restore', () => {
  it('onto a fresh folder: brings back the config and the secrets (0600), then says to run up and restore again', async () => {
    const s = setup('local', 12);
    const archive = await backupOf(s);
    const fresh = mkdtempSync(join(tmpdir(), 'fresh-'));
    cleanups.push(() => rmSync(fresh, { recursive: true, force: true }));
    const config = join(fresh, 'ckb-pool.yaml');
    const before = s.runner.calls.length;
    const code = await runRestore(['--from', archive, '--config', config], s.deps);
    expect(code, s.deps.err.text).toBe(0);
    expect(readFileSync(config, 'utf8')).toBe(readFileSync(s.d.configPath, 'utf8'));
    for (const f of readdirSync(s.d.secretsDir)) {
      expect(readFileSync(join(fresh, 'secrets', f))).toEqual(readFileSync(join(s.d.secretsDir, f)));
      expect(statSync(join(fresh, 'secrets', f)).mode & 0o777).toBe(0o600);
    }
    expect(s.deps.out.text).toContain('Run `ckb-pool-deploy up`');
    expect(s.runner.calls.slice(before)).toEqual([]);
  });

  it('onto a deployed stack with an empty ledger: stops the pool, puts the ledger in place, starts the pool', async () => {
    const s = setup('local', 30);
    const archive = await backupOf(s);
    rmSync(join(s.volume, 'ledger.sqlite'));
    const before = s.runner.calls.length;
    const code = await runRestore(['--from', archive, '--config', s.d.configPath], s.deps);
    expect(code, s.deps.err.text).toBe(0);
    expect(s.runner.calls.slice(before)).toEqual([
      'compose run MODE=inspect',
      'compose stop pool',
      'compose run MODE=replace',
      'compose start pool',
    ]);
    expect(shareCount(join(s.volume, 'ledger.sqlite'))).toBe(30);
    expect(s.deps.out.text).toContain('Ledger restored on this machine: 30 shares');
  });

  it('refuses to overwrite a ledger that holds shares without --force, and never stops the pool for it', async () => {
    const s = setup('local', 30);
    const archive = await backupOf(s);
    const l = new Ledger(join(s.volume, 'ledger.sqlite'), { flushIntervalMs: 0 });
    l.recordShare({ worker: 'late', difficulty: 1, timeMs: 1, height: 2 });
    l.close();
    const before = s.runner.calls.length;
    expect(await runRestore(['--from', archive, '--config', s.d.configPath], s.deps)).toBe(1);
    expect(s.deps.err.text).toContain('is not empty (31 shares');
    expect(s.runner.calls.slice(before)).toEqual(['compose run MODE=inspect']);
    expect(shareCount(join(s.volume, 'ledger.sqlite'))).toBe(31);

    expect(await runRestore(['--from', archive, '--config', s.d.configPath, '--force'], s.deps)).toBe(0);
    expect(shareCount(join(s.volume, 'ledger.sqlite'))).toBe(30);
  });

  it('refuses a secret that differs from the one in the backup, changing nothing, unless --force', async () => {
    const s = setup('local', 5);
    const archive = await backupOf(s);
    const key = join(s.d.secretsDir, AUTHORITY_SECRET_FILE);
    const original = readFileSync(key);
    writeFileSync(key, 'a different key\n');
    rmSync(join(s.volume, 'ledger.sqlite'));
    const before = s.runner.calls.length;
    expect(await runRestore(['--from', archive, '--config', s.d.configPath], s.deps)).toBe(1);
    expect(s.deps.err.text).toContain(`${key}`);
    expect(s.deps.err.text).toContain('Nothing was changed');
    expect(readFileSync(key, 'utf8')).toBe('a different key\n');
    expect(s.runner.calls.slice(before)).toEqual([]);
    expect(await runRestore(['--from', archive, '--config', s.d.configPath, '--force'], s.deps)).toBe(0);
    expect(readFileSync(key)).toEqual(original);
  });

  it('onto a remote host: the same steps over SSH, the ledger sent with scp and the scratch folder removed', async () => {
    const s = setup('ssh', 21);
    const archive = await backupOf(s, ['--host', 'admin@127.0.0.1']);
    rmSync(join(s.volume, 'ledger.sqlite'));
    const before = s.runner.calls.length;
    const code = await runRestore(
      ['--from', archive, '--config', s.d.configPath, '--host', 'admin@127.0.0.1'],
      s.deps,
    );
    expect(code, s.deps.err.text).toBe(0);
    const calls = s.runner.calls.slice(before);
    expect(calls.filter((c) => c.startsWith('compose'))).toEqual([
      'compose run MODE=inspect',
      'compose stop pool',
      'compose run MODE=replace',
      'compose start pool',
    ]);
    expect(calls.filter((c) => c.startsWith('scp'))).toHaveLength(1);
    expect(s.runner.scripts.at(-1)).toMatch(/^rm -rf '\/tmp\/ckb-pool-backup\./);
    expect(shareCount(join(s.volume, 'ledger.sqlite'))).toBe(21);
  });

  it('rejects a file that is not a backup', async () => {
    const s = setup('local', 0);
    const bogus = join(s.d.dir, 'bogus.tar.gz');
    writeFileSync(bogus, 'not gzip');
    expect(await runRestore(['--from', bogus, '--config', s.d.configPath], s.deps)).toBe(1);
    expect(s.deps.err.text).toContain('cannot be read as a backup');
    expect(existsSync(join(s.volume, 'ledger.sqlite'))).toBe(false);
  });

  it('requires --from', async () => {
    const s = setup('local', 0);
    await expect(runRestore(['--config', s.d.configPath], s.deps)).rejects.toThrow('--from FILE is required');
  });
});
