export { type Command, type CommandTable, UsageError } from 'ckb-pool/cli/command';
