import type { Command } from '../command.js';

const command: Command = {
  summary: 'Print the version of ckb-pool.',
  help: 'Usage: ckb-pool version\n\nPrints the version of ckb-pool.',
  async run() {
    process.stdout.write('0.1.0\n');
    return 0;
  },
};
export default command;
