// The CPU miner (`ckb-pool mine`, run on this machine against the published ports) and the
// commands the pool image offers (so missing pieces are reported as SKIP, not as failures).
import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { $ } from 'zx';
import { ROOT } from './docker.mjs';
import { info, waitFor } from './steps.mjs';

/** The `ckb-pool` subcommands of an image, from its `--help` listing. */
export async function poolCommands(image) {
  const out = await $`docker run --rm --entrypoint ckb-pool ${image} --help`.nothrow();
  const names = new Set();
  let inList = false;
  for (const line of out.stdout.split('\n')) {
    if (/^Commands:/.test(line)) inList = true;
    else if (inList && /^\s{2}[a-z]/.test(line)) names.add(line.trim().split(/\s+/)[0]);
    else if (inList && line.trim() === '') inList = names.size === 0;
  }
  return names;
}

const apiBlocks = (apiUrl) => async () => {
  const res = await fetch(`${apiUrl}/api/v1/blocks`);
  if (!res.ok) throw new Error(`GET ${apiUrl}/api/v1/blocks answered ${res.status}`);
  return res.json();
};

/**
 * Runs `ckb-pool mine --url URL --user USER` until the pool's /api/v1/blocks lists a block of
 * that worker with status `accepted` (the dev chain took it), then stops the miner. Returns
 * the block row. `whileMining(block)` runs after the block, while the miner is still connected.
 * `fetchBlocks()` reads /api/v1/blocks (default: GET on `apiUrl`).
 */
export async function mineUntilBlock({
  url,
  user,
  apiUrl,
  fetchBlocks = apiBlocks(apiUrl),
  logFile,
  timeoutMs = 240_000,
  whileMining,
}) {
  const fd = openSync(logFile, 'a');
  const args = [join(ROOT, 'pool/bin/ckb-pool.js'), 'mine', '--url', url, '--user', user, '--threads', '1'];
  info(`ckb-pool mine --url ${url} --user ${user} --threads 1 (log ${logFile})`);
  const miner = spawn(process.execPath, args, { stdio: ['ignore', fd, fd] });
  closeSync(fd);
  let exited = null;
  miner.on('exit', (code, signal) => {
    exited = { code, signal };
  });
  try {
    const block = await waitFor(
      `an accepted block by ${user}`,
      async () => {
        if (exited) {
          const tail = (await $`tail -n 30 ${logFile}`.nothrow()).stdout;
          throw new Error(`the miner exited early (${exited.code ?? exited.signal}):\n${tail}`);
        }
        const { blocks } = await fetchBlocks();
        return blocks.find((b) => b.worker === user && b.status === 'accepted') ?? null;
      },
      { timeoutMs, intervalMs: 2000 },
    );
    // Checks that need a connected miner (e.g. the translator's health) run before it stops.
    if (whileMining) await whileMining(block);
    return block;
  } catch (err) {
    const tail = (await $`tail -n 30 ${logFile}`.nothrow()).stdout;
    err.message += `\nminer log (last lines):\n${tail}`;
    throw err;
  } finally {
    if (!exited) {
      miner.kill('SIGINT');
      await new Promise((r) => {
        const t = setTimeout(() => {
          miner.kill('SIGKILL');
          r();
        }, 10_000);
        miner.on('exit', () => {
          clearTimeout(t);
          r();
        });
      });
    }
  }
}
