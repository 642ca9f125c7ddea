#!/usr/bin/env node
// The installed package runs its compiled JavaScript (dist/). A clone has the TypeScript
// sources beside bin/ and runs those through tsx instead (no build step while developing).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const source = new URL('../src/cli/main.ts', import.meta.url);
if (existsSync(fileURLToPath(source))) {
  const { runSource } = await import('./source-mode.js');
  await runSource(source.href);
} else {
  await import('../dist/cli/main.js');
}
