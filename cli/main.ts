import { dispatch } from '../pool/src/cli/dispatch.js';

const intro = 'ckb-pool-deploy — deploy a Stratum V2 mining pool for Nervos CKB with one command.';
process.exitCode = await dispatch(
  'ckb-pool-deploy',
  intro,
  new URL('./commands/', import.meta.url),
  process.argv.slice(2),
);
