// Worker threads do not inherit the tsx loader the main process registered, and `--import tsx`
// in execArgv resolves against the working directory. This plain-JS entry registers tsx from
// its own location, so the hashing worker (TypeScript) loads under the bin, vitest and anywhere.
import { register } from 'tsx/esm/api';

register();
await import('./worker.ts');
