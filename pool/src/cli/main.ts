import { commands } from './commands/index.js';
import { dispatch } from './dispatch.js';

const intro = 'ckb-pool — a Stratum V2 mining pool for Nervos CKB (Eaglesong PoW).';
process.exitCode = await dispatch('ckb-pool', intro, commands, process.argv.slice(2));
