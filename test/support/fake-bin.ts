/**
 * Test support: a folder of fake executables (terraform, ansible-playbook, ssh, docker, …) to
 * put on PATH. Each records its argv, cwd and environment to calls.jsonl and answers from
 * behaviour.json — the first rule whose `match` prefixes "tool arg1 arg2 …" (and which
 * `contains` its text, if it names one) decides its
 * stdout, stderr and exit code. A rule with `forward` makes a fake `ssh -N -L l:h:r` forward
 * 127.0.0.1:l to h:r until it is stopped, like a real tunnel.
 */
import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface FakeRule {
  match: string;
  /** And the command line also contains this (ssh's remote command comes last). */
  contains?: string;
  /** Answer only the first N matching calls; later ones go on to the next rule (state changes). */
  times?: number;
  stdout?: string;
  stderr?: string;
  exit?: number;
  forward?: boolean;
  /** Exit only after this long (a slow tool). */
  delayMs?: number;
}

export interface FakeCall {
  tool: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
}

const SCRIPT = `
const fs = require('fs');
const path = require('path');
const net = require('net');
const dir = __dirname;
const tool = path.basename(process.argv[1]);
const args = process.argv.slice(2);
const id = process.pid + '-' + process.hrtime.bigint();
fs.appendFileSync(path.join(dir, 'calls.jsonl'), JSON.stringify({ id, tool, args, cwd: process.cwd(), env: process.env }) + '\\n');
let rules = [];
try { rules = JSON.parse(fs.readFileSync(path.join(dir, 'behaviour.json'), 'utf8')); } catch {}
const line = [tool, ...args].join(' ');
const matches = (r, l) => l.startsWith(r.match) && (!r.contains || l.includes(r.contains));
// The calls recorded before this one. Not "all but the last line": a call started at the same
// time may have appended after this one, and this one would then count itself as earlier.
const earlier = () => {
  const calls = fs.readFileSync(path.join(dir, 'calls.jsonl'), 'utf8').trim().split('\\n').map((j) => JSON.parse(j));
  return calls.slice(0, calls.findIndex((c) => c.id === id)).map((c) => [c.tool, ...c.args].join(' '));
};
const rule = rules.find((r) => matches(r, line) && (r.times === undefined || earlier().filter((l) => matches(r, l)).length < r.times)) || {};
if (rule.stdout) process.stdout.write(rule.stdout);
if (rule.stderr) process.stderr.write(rule.stderr);
if (rule.forward) {
  const [lp, host, rp] = args[args.indexOf('-L') + 1].split(':');
  const server = net.createServer((c) => {
    const u = net.connect(Number(rp), host);
    c.pipe(u);
    u.pipe(c);
    u.on('error', () => c.destroy());
    c.on('error', () => u.destroy());
  });
  server.listen(Number(lp), '127.0.0.1');
  process.on('SIGTERM', () => process.exit(0));
} else if (rule.delayMs) {
  // Like terraform: an interrupt asks for a clean stop, which still finishes the work.
  process.on('SIGINT', () => {});
  setTimeout(() => { fs.appendFileSync(path.join(dir, 'finished'), tool + '\\n'); process.exit(rule.exit ?? 0); }, rule.delayMs);
} else {
  process.exitCode = rule.exit ?? 0;
}
`;

export class FakeBin {
  private constructor(readonly dir: string) {}

  /** Creates the folder with one fake executable per tool name. */
  static create(tools: string[]): FakeBin {
    const dir = mkdtempSync(join(tmpdir(), 'fake-bin-'));
    writeFileSync(join(dir, 'package.json'), '{"type":"commonjs"}\n');
    for (const t of tools) {
      const p = join(dir, t);
      // Absolute interpreter: the fake PATH need not contain node.
      writeFileSync(p, `#!${process.execPath}\n${SCRIPT}`);
      chmodSync(p, 0o755);
    }
    return new FakeBin(dir);
  }

  rules(rules: FakeRule[]): this {
    writeFileSync(join(this.dir, 'behaviour.json'), JSON.stringify(rules));
    return this;
  }

  calls(): FakeCall[] {
    const f = join(this.dir, 'calls.jsonl');
    if (!existsSync(f)) return [];
    return readFileSync(f, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as FakeCall);
  }

  /** "tool arg1 arg2" of each call, in order. */
  commandLines(): string[] {
    return this.calls().map((c) => [c.tool, ...c.args].join(' '));
  }
}
