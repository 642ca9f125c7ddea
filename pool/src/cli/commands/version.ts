import { readFileSync } from 'node:fs';
import type { Command } from '../command.js';

// Read from the package manifest so a release bump changes one place.
const { version } = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

const command: Command = {
  help: 'Usage: ckb-pool version\n\nPrints the version of ckb-pool (from pool/package.json).',
  async run() {
    process.stdout.write(`${version}\n`);
    return 0;
  },
};
export default command;
