import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { type Chain, powOutput } from '../../src/ckb/pow.js';
import { meetsTarget } from '../../src/ckb/target.js';
import { targetForBtcpoolDifficulty } from '../../src/stratum-v1/dialects/targets.js';

/**
 * Replays a recorded V1 conversation (pool/test/e2e/v1-dialects/*.jsonl) against a translator.
 * Line 1 is the header (dialect, how the miner reaches it, how its firmware reads a target,
 * the public sources the conversation was reconstructed from); every other line is
 * `{ dir: 'miner' | 'pool', line }`.
 *
 * Pool lines are matched byte for byte, except for placeholders `«name:kind»` (kind `hex:N`:
 * exactly N lowercase hex characters; `hex`: any number; `int`; `num`; `bool`) which bind
 * `name`, and `«name»`, which must repeat the bound value. Miner lines are sent with `«name»`
 * replaced by its value and `«share»` by an extranonce2 whose share meets the target *as this
 * firmware reads it* (big-endian, little-endian or btcpool difficulty) on the newest job.
 * A notify or target line the pool sends between expected lines must still have the shape of
 * the fixture's own such line, but it does not rebind what the fixture bound: «job» stays the
 * job the recorded conversation means (a non-clean notify leaves it valid, so a resubmit of
 * «lastshare» under it is still the duplicate the fixture recorded). Such a notify is kept, with
 * the target in force when it came, as the newest job; the replay moves to it only when a share
 * is answered stale (21), as a miner would.
 */

export type TargetEncoding = 'set_target-be' | 'set_target-le' | 'set_difficulty-btcpool';

export interface FixtureHeader {
  fixture: string;
  dialect: string;
  connect: 'agent' | 'port' | 'suffix';
  targetEncoding: TargetEncoding;
  checks: string[];
  sources: string[];
}

export interface Fixture {
  header: FixtureHeader;
  steps: Array<{ dir: 'miner' | 'pool'; line: string }>;
}

export function loadFixture(path: string): Fixture {
  const [head, ...rest] = readFileSync(path, 'utf8').trim().split('\n');
  return {
    header: JSON.parse(head as string) as FixtureHeader,
    steps: rest.map((l) => JSON.parse(l) as { dir: 'miner' | 'pool'; line: string }),
  };
}

const KIND: Record<string, string> = {
  int: '(-?\\d+)',
  num: '(-?\\d+(?:\\.\\d+)?(?:e[+-]?\\d+)?)',
  bool: '(true|false)',
  hex: '([0-9a-f]+)',
};
const STALE = /^\{"id":[^,]*,"result":false,"error":\[21,/;
const PLACEHOLDER = /«([a-z0-9]+)(?::([a-z]+)(?::(\d+))?)?»/g;

/** An expected pool line as a whole-line pattern, with the names its groups bind. */
function pattern(expected: string, vars: Map<string, string>): { re: RegExp; binds: string[] } {
  const binds: string[] = [];
  let src = '';
  let last = 0;
  for (const m of expected.matchAll(PLACEHOLDER)) {
    src += escapeRe(expected.slice(last, m.index));
    last = (m.index ?? 0) + m[0].length;
    const [, name, kind, len] = m as unknown as [string, string, string | undefined, string | undefined];
    if (!kind && binds.includes(name)) {
      src += `\\${binds.indexOf(name) + 1}`;
      continue;
    }
    if (!kind) {
      const v = vars.get(name);
      if (v === undefined) throw new Error(`fixture uses «${name}» before binding it`);
      src += escapeRe(v);
      continue;
    }
    binds.push(name);
    src += kind === 'hex' && len ? `([0-9a-f]{${len}})` : (KIND[kind] ?? '(.*)');
  }
  src += escapeRe(expected.slice(last));
  return { re: new RegExp(`^${src}$`), binds };
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Newline-delimited text from a socket, line by line, exactly as received. */
class LineSocket {
  private buf = '';
  private readonly lines: string[] = [];
  private wake: (() => void) | null = null;
  closed = false;
  constructor(readonly socket: Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => {
      this.buf += d;
      for (let nl = this.buf.indexOf('\n'); nl >= 0; nl = this.buf.indexOf('\n')) {
        this.lines.push(this.buf.slice(0, nl));
        this.buf = this.buf.slice(nl + 1);
      }
      this.wake?.();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake?.();
    });
    socket.on('error', () => {});
  }
  async next(timeoutMs = 10_000): Promise<string> {
    const end = Date.now() + timeoutMs;
    while (this.lines.length === 0) {
      if (this.closed) throw new Error('the translator closed the connection');
      const left = end - Date.now();
      if (left <= 0) throw new Error('timed out waiting for a line from the translator');
      await new Promise<void>((r) => {
        const t = setTimeout(r, left);
        this.wake = () => {
          clearTimeout(t);
          r();
        };
      });
    }
    return this.lines.shift() as string;
  }
}

export interface ReplayResult {
  vars: Map<string, string>;
  /** Every line the translator sent, in order. */
  received: string[];
  /** The share target as the firmware decoded it from the last target line. */
  minerTarget: bigint;
}

/** The share target a firmware derives from the bound target/difficulty. */
export function decodeTarget(enc: TargetEncoding, vars: Map<string, string>): bigint {
  if (enc === 'set_difficulty-btcpool') return targetForBtcpoolDifficulty(Number(vars.get('difficulty')));
  const hex = vars.get('target') as string;
  const bytes = Buffer.from(hex, 'hex');
  if (enc === 'set_target-le') bytes.reverse();
  return BigInt(`0x${bytes.toString('hex')}`);
}

export async function replay(
  f: Fixture,
  url: string,
  o: { chain: Chain; networkTarget: bigint },
): Promise<ReplayResult> {
  const u = new URL(url);
  const socket = await new Promise<Socket>((resolve, reject) => {
    const s = connect({ host: u.hostname, port: Number(u.port) }, () => resolve(s));
    s.once('error', reject);
  });
  const conn = new LineSocket(socket);
  const vars = new Map<string, string>();
  const received: string[] = [];
  // Lines the pool may repeat at any time (new jobs, new targets): the fixture's own shapes.
  const repeatable = f.steps.filter(
    (s) => s.dir === 'pool' && /mining\.(notify|set_target|set_difficulty)/.test(s.line),
  );
  let grindFrom = 0;
  let lastShare = '';
  const sent = { last: '' };
  const send = (template: string) => {
    sent.last = template;
    let line = template;
    if (line.includes('«share»')) {
      lastShare = grindShare();
      line = line.replace('«share»', lastShare);
    }
    line = line.replace('«lastshare»', lastShare).replace(PLACEHOLDER, (all, name: string, kind?: string) => {
      if (kind) throw new Error(`a miner line cannot bind (${all})`);
      const v = vars.get(name);
      if (v === undefined) throw new Error(`«${name}» not bound`);
      return v;
    });
    socket.write(`${line}\n`);
  };
  let staleRetries = 0;
  // The target lines' bindings in force now, and the newest job the pool sent beyond the fixture
  // (with the target in force when it came): a job's shares are mined to the target before it.
  const targetNow = new Map<string, string>();
  let newest: Map<string, string> | null = null;
  const isTarget = (line: string) => /mining\.set_(target|difficulty)/.test(line);
  const isNotify = (line: string) => line.includes('mining.notify');
  try {
    for (const step of f.steps) {
      if (step.dir === 'miner') {
        send(step.line);
        continue;
      }
      for (;;) {
        const got = await conn.next().catch((err: Error) => {
          throw new Error(
            `${f.header.fixture}: ${err.message} (expected ${step.line}; received so far:\n  ${received.join('\n  ')})`,
          );
        });
        received.push(got);
        if (process.env.REPLAY_DEBUG) console.log('<<', got);
        const want = pattern(step.line, vars);
        const m = want.re.exec(got);
        if (m) {
          for (const [i, name] of want.binds.entries()) vars.set(name, m[i + 1] as string);
          if (isTarget(step.line))
            for (const name of want.binds) targetNow.set(name, vars.get(name) as string);
          if (isNotify(step.line)) {
            for (const [name, v] of targetNow) vars.set(name, v);
            newest = null;
          }
          break;
        }
        const extra = repeatable.find((r) => pattern(r.line, vars).re.test(got));
        if (extra) {
          const { re, binds } = pattern(extra.line, vars);
          const em = re.exec(got) as RegExpExecArray;
          const bound = new Map(binds.map((name, i) => [name, em[i + 1] as string]));
          if (isTarget(extra.line)) for (const [name, v] of bound) targetNow.set(name, v);
          else newest = new Map([...targetNow, ...bound]);
          continue;
        }
        // A new block between notify and submit makes a share stale (21): mine the newest job.
        if (STALE.test(got) && sent.last.includes('«share»') && staleRetries++ < 3) {
          for (const [name, v] of newest ?? []) vars.set(name, v);
          newest = null;
          send(sent.last);
          continue;
        }
        throw new Error(`${f.header.fixture}: expected\n  ${step.line}\ngot\n  ${got}`);
      }
    }
  } finally {
    socket.destroy();
  }
  return { vars, received, minerTarget: decodeTarget(f.header.targetEncoding, vars) };

  function grindShare(): string {
    const en1 = Buffer.from(vars.get('en1') as string, 'hex');
    const size = Number(vars.get('en2size'));
    const pow = Buffer.from(vars.get('pow') as string, 'hex');
    const target = decodeTarget(f.header.targetEncoding, vars);
    const en2 = Buffer.alloc(size);
    for (let i = grindFrom; ; i++) {
      en2.writeUInt32BE(i, size - 4);
      const out = powOutput(o.chain, pow, Buffer.concat([en1, en2]));
      // An ordinary share must not be a block by chance: a block changes the job under us.
      if (meetsTarget(out, target) && !meetsTarget(out, o.networkTarget)) {
        grindFrom = i + 1;
        return en2.toString('hex');
      }
    }
  }
}
