import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadFixture, replay } from './v1-replay.js';

/**
 * The replay against a scripted V1 server that sends, between the first submit and its answer,
 * a second job — the order a real translator may choose when a job arrives from the pool just
 * then. The server answers as a translator does: a resubmit of the same share on the same job
 * is a duplicate (22), the same extranonce2 under another job is low difficulty (23).
 */

const ckbminer = loadFixture(join(import.meta.dirname, 'v1-dialects', 'ckbminer.jsonl'));
const hex64 = (c: string) => c.repeat(64);
/** Half of all hashes meet it: grinding a share takes a couple of tries. */
const EASY_TARGET = `7${'f'.repeat(63)}`;
const line = (o: unknown) => `${JSON.stringify(o)}\n`;
const notify = (job: string, pow: string, clean: boolean) =>
  line({ id: null, method: 'mining.notify', params: [job, pow, 1, hex64('0'), clean] });
const answer = (result: boolean, error: unknown[] | null = null) => line({ id: 0, result, error });

/** What the second job does: arrive as a non-clean notify, or replace the first (clean) and make its share stale. */
type SecondJob = 'non-clean' | 'clean';

let server: Server | null = null;
afterEach(() => {
  server?.close();
  server = null;
});

async function scriptedTranslator(second: SecondJob): Promise<{ url: string; submits: string[][] }> {
  const submits: string[][] = [];
  server = createServer((s: Socket) => {
    let buf = '';
    let valid = new Set(['a1']);
    const seen = new Set<string>();
    s.setEncoding('utf8');
    s.on('data', (d: string) => {
      buf += d;
      for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
        const req = JSON.parse(buf.slice(0, nl)) as { method: string; params: string[] };
        buf = buf.slice(nl + 1);
        if (req.method === 'mining.subscribe')
          s.write(line({ id: 0, result: [null, '00000000', 12], error: null }));
        if (req.method === 'mining.authorize') {
          s.write(answer(true));
          s.write(line({ id: null, method: 'mining.set_target', params: [EASY_TARGET] }));
          s.write(notify('a1', hex64('1'), true));
        }
        if (req.method !== 'mining.submit') continue;
        submits.push(req.params);
        const [, job, en2] = req.params as [string, string, string];
        if (submits.length === 1) {
          s.write(notify('b2', hex64('2'), second === 'clean'));
          if (second === 'clean') valid = new Set(['b2']);
        }
        if (!valid.has(job)) s.write(answer(false, [21, 'Job not found (=stale)', null]));
        else if (seen.has(`${job}/${en2}`)) s.write(answer(false, [22, 'Duplicate share', null]));
        else if (seen.has(en2)) s.write(answer(false, [23, 'Low difficulty', null]));
        else {
          seen.add(`${job}/${en2}`).add(en2);
          s.write(answer(true));
        }
      }
    });
    s.on('error', () => {});
  });
  const srv = server;
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  return { url: `stratum+tcp://127.0.0.1:${port}`, submits };
}

describe('replaying a recorded V1 conversation', () => {
  it('resubmits under the job the fixture bound when a non-clean notify comes before the answer', async () => {
    const t = await scriptedTranslator('non-clean');
    const r = await replay(ckbminer, t.url, { chain: 'dev', networkTarget: 1n });
    // The duplicate (22) the fixture records, not 23 from the same share under job b2.
    expect(t.submits.map((p) => p[1])).toEqual(['a1', 'a1']);
    expect(t.submits[1]?.[2]).toBe(t.submits[0]?.[2]);
    expect(r.vars.get('job')).toBe('a1');
    expect(r.received).toContain(notify('b2', hex64('2'), false).trimEnd());
  });

  it('moves to the newest job when its share is answered stale, as a miner would', async () => {
    const t = await scriptedTranslator('clean');
    const r = await replay(ckbminer, t.url, { chain: 'dev', networkTarget: 1n });
    expect(t.submits.map((p) => p[1])).toEqual(['a1', 'b2', 'b2']);
    expect(t.submits[2]?.[2]).toBe(t.submits[1]?.[2]);
    expect(r.vars.get('job')).toBe('b2');
    expect(r.vars.get('pow')).toBe(hex64('2'));
  });
});
