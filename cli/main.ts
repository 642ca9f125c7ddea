import { dispatch } from 'ckb-pool/cli/dispatch';
import { commands } from './commands/index.js';

const intro = 'ckb-pool-deploy — deploy a Stratum V2 mining pool for Nervos CKB with one command.';
process.exitCode = await dispatch('ckb-pool-deploy', intro, commands, process.argv.slice(2));
