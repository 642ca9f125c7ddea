import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from '../command.js';
import { packageRoot } from '../package-root.js';

// Read from the package manifest so a release bump changes one place.
const { version } = JSON.parse(readFileSync(join(packageRoot(import.meta.url), 'package.json'), 'utf8')) as {
  version: string;
};

const command: Command = {
  help: 'Usage: ckb-pool-deploy version\n\nPrints the version of ckb-pool-deploy (from package.json).',
  async run() {
    process.stdout.write(`${version}\n`);
    return 0;
  },
};
export default command;
