export { type Command, UsageError } from '../pool/src/cli/command.js';
