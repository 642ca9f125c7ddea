import type { Command } from '../command.js';

const command: Command = {
  summary: 'Print the version of ckb-pool-deploy.',
  help: 'Usage: ckb-pool-deploy version\n\nPrints the version of ckb-pool-deploy.',
  async run() {
    process.stdout.write('0.1.0\n');
    return 0;
  },
};
export default command;
