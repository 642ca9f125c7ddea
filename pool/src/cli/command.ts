/**
 * One subcommand of a CLI. Each lives in its own file under `commands/`, named as typed
 * (`keys.ts` for `ckb-pool keys …`), and is listed in `commands/index.ts` with its summary,
 * so that `--help` can list every command without importing any of them.
 */
export interface Command {
  /** Full help text printed for `<cli> <command> --help`. */
  help: string;
  /** Runs with the arguments after the command name; resolves to the process exit code. */
  run(argv: string[]): Promise<number>;
}

/** A command as the command list knows it: its one-line summary and how to load it. */
export interface CommandEntry {
  /** One line for the command list in `--help`. */
  summary: string;
  load(): Promise<{ default: Command }>;
}

export type CommandTable = Readonly<Record<string, CommandEntry>>;

/** An error whose message is meant for the user as is (no stack), with an exit code. */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly exitCode = 2,
  ) {
    super(message);
    this.name = 'UsageError';
  }
}
