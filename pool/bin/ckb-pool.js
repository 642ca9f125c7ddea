#!/usr/bin/env node
// The pool is TypeScript run through tsx, so a clone and the image need no build step.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
