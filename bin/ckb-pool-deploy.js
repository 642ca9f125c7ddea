#!/usr/bin/env node
// The installed package runs its compiled JavaScript (dist/). A clone has the TypeScript
// sources beside bin/ and runs those through tsx instead (no build step while developing).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const source = new URL('../cli/main.ts', import.meta.url);
if (existsSync(fileURLToPath(source))) {
  const { runSource } = await import('ckb-pool/source-mode');
  await runSource(source.href);
} else {
  await import('../dist/cli/main.js');
}
