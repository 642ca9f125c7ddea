/**
 * One subcommand of a CLI. Each lives in its own file under `commands/`, named as typed
 * (`keys.ts` for `ckb-pool keys …`), so commands are added without touching a shared list.
 */
export interface Command {
  /** One line for the command list in `--help`. */
  summary: string;
  /** Full help text printed for `<cli> <command> --help`. */
  help: string;
  /** Runs with the arguments after the command name; resolves to the process exit code. */
  run(argv: string[]): Promise<number>;
}

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
