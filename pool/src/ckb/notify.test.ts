import { afterEach, describe, expect, it } from 'vitest';
import { readSharedJson, sharedPath } from '../../test/shared.js';
import { startDevnet } from '../devnet/index.js';
import { pathCarriesSecret, startNotifyReceiver, templateShapeProblem } from './notify.js';
import type { BlockTemplateJson } from './rpc-types.js';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('block-assembler notify receiver', () => {
  it('parses a template the dev chain pushes after a new tip, as the node posts it', async () => {
    const got: BlockTemplateJson[] = [];
    const receiver = await startNotifyReceiver({ port: 0, onTemplate: (t) => got.push(t) });
    cleanups.push(() => receiver.close());
    expect(receiver.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const d = await startDevnet({ rpcPort: 0, notifyUrls: [receiver.url] });
    cleanups.push(() => d.close());
    const [h] = await d.mine(1);
    const deadline = Date.now() + 5000;
    while (got.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(got.length).toBeGreaterThan(0);
    expect(got[0].parent_hash).toBe(h.hash);
    expect(got[0].number).toBe('0x2');
  });

  it('answers 200 to a raw POST of the node README template and 400/405 to other input', async () => {
    const rejected: string[] = [];
    const got: BlockTemplateJson[] = [];
    const receiver = await startNotifyReceiver({
      port: 0,
      onTemplate: (t) => got.push(t),
      onReject: (r) => rejected.push(r),
    });
    cleanups.push(() => receiver.close());
    const rel = 'reference/ckb/block-template-vectors.json';
    const template = sharedPath(rel)
      ? readSharedJson<{ templates: Array<{ name: string; response?: { result: unknown } }> }>(
          rel,
        ).templates.find((t) => t.name === 'ckb_rpc_readme_get_block_template_example')!.response!.result
      : {
          version: '0x0',
          compact_target: '0x1e083126',
          current_time: '0x174c45e17a3',
          number: '0x401',
          epoch: '0x7080019000001',
          parent_hash: `0x${'a5'.repeat(32)}`,
          cellbase: { hash: `0x${'00'.repeat(32)}`, cycles: null, data: {} },
          work_id: '0x0',
          dao: `0x${'00'.repeat(32)}`,
          transactions: [],
          proposals: [],
          uncles: [],
        };
    const post = (body: string, method = 'POST') =>
      fetch(receiver.url, {
        method,
        headers: { 'content-type': 'application/json' },
        ...(method !== 'GET' && { body }),
      });
    const ok = await post(JSON.stringify(template));
    expect(ok.status).toBe(200);
    expect(got).toEqual([template]);
    expect((await post('{not json')).status).toBe(400);
    expect((await post(JSON.stringify({ jsonrpc: '2.0', method: 'x' }))).status).toBe(400);
    expect((await post('', 'GET')).status).toBe(405);
    expect(rejected.length).toBe(3);
    expect(rejected[1]).toMatch(/missing field version/);
  });

  it('names the missing or mistyped field of a non-template body', () => {
    expect(templateShapeProblem([])).toMatch(/not a JSON object/);
    expect(templateShapeProblem({})).toBe('missing field version');
  });
});

describe('notify receiver with a shared secret', () => {
  const SECRET = 'n0tify-Secret_of-32-characters-xx';
  const template = {
    version: '0x0',
    compact_target: '0x1e083126',
    current_time: '0x174c45e17a3',
    number: '0x401',
    epoch: '0x7080019000001',
    parent_hash: `0x${'a5'.repeat(32)}`,
    cellbase: { hash: `0x${'00'.repeat(32)}`, cycles: null, data: {} },
    work_id: '0x0',
    dao: `0x${'00'.repeat(32)}`,
    transactions: [],
    proposals: [],
    uncles: [],
  };

  it('accepts a template only when the URL path is the secret, and never shows the secret', async () => {
    const got: unknown[] = [];
    const rejected: string[] = [];
    const receiver = await startNotifyReceiver({
      port: 0,
      secret: SECRET,
      onTemplate: (t) => got.push(t),
      onReject: (r) => rejected.push(r),
    });
    cleanups.push(() => receiver.close());
    expect(receiver.url).not.toContain(SECRET);
    const post = (path: string) =>
      fetch(new URL(path, receiver.url), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(template),
      });
    for (const path of ['/', `/${SECRET}x`, `/${SECRET.slice(1)}`, `/?${SECRET}`]) {
      const res = await post(path);
      expect(res.status).toBe(403);
      expect(await res.text()).not.toContain(SECRET);
    }
    expect(got).toEqual([]);
    expect(rejected).toHaveLength(4);
    expect(rejected.join('\n')).not.toContain(SECRET);
    expect((await post(`/${SECRET}`)).status).toBe(200);
    expect(got).toEqual([template]);
  });

  it('takes the secret from a path compared in constant time', () => {
    expect(pathCarriesSecret(`/${SECRET}`, SECRET)).toBe(true);
    expect(pathCarriesSecret('/', SECRET)).toBe(false);
    expect(pathCarriesSecret(undefined, SECRET)).toBe(false);
  });
});
