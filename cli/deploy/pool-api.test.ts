import { execFile } from 'node:child_process';
import { createServer } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { formatHashrate, getJson, PoolApiError } from './pool-api.js';

describe('getJson', () => {
  it('keeps a standalone process alive when the port resets the connection (docker-proxy at start-up)', async () => {
    // While a container starts, Docker's port proxy accepts and drops connections at once.
    // fetch then never settles and, with AbortSignal.timeout's unref'd timer, nothing holds the
    // event loop: a bare `node` process exits with code 13 mid-wait. getJson keeps a ref'd timer.
    const server = createNetServer((socket) => socket.destroy());
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as { port: number }).port;
    // Loaded the way bin/ckb-pool-deploy.js loads the CLI (`node --import tsx` would keep the
    // loop alive by itself and hide the bug).
    const script = `const { register } = await import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))});
      register();
      const { getJson } = await import(${JSON.stringify(new URL('./pool-api.ts', import.meta.url).href)});
      try { await getJson('http://127.0.0.1:${port}/health', 1000); console.log('answered'); }
      catch (e) { console.log(e.name); }`;
    const out = await new Promise<{ code: number | null; stdout: string }>((resolve) => {
      execFile(process.execPath, ['--input-type=module', '-e', script], (err, stdout) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout }),
      );
    });
    server.close();
    expect(out).toEqual({ code: 0, stdout: 'PoolApiError\n' });
  });

  it('names the URL and the cause when nothing answers', async () => {
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as { port: number }).port;
    await new Promise<void>((r) => server.close(() => r()));
    await expect(getJson(`http://127.0.0.1:${port}/health`, 2000)).rejects.toThrow(
      new PoolApiError(`http://127.0.0.1:${port}/health: ECONNREFUSED`),
    );
  });

  it('formats hashrates in SI units', () => {
    expect(formatHashrate(0)).toBe('0 H/s');
    expect(formatHashrate(1_234_567_890)).toBe('1.23 GH/s');
  });
});
