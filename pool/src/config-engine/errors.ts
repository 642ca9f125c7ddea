/** One thing wrong in a config file: the dotted path of the field and what to do about it. */
export interface ConfigProblem {
  path: string;
  message: string;
}

/**
 * Every problem of one config file at once (path and message, one per line), so a user fixes
 * a file in one pass instead of one error per run. The one error type of every config this
 * project reads: ckb-pool.yaml, pool.yaml and translator.yaml.
 */
export class ConfigError extends Error {
  constructor(
    readonly problems: readonly ConfigProblem[],
    /** The file (or command line) the problems are in; named first in the message. */
    readonly source?: string,
  ) {
    const lines = problems.map((p) => `${p.path}: ${p.message}`);
    const body = lines.length === 1 ? lines[0] : `${lines.length} problems:\n  ${lines.join('\n  ')}`;
    super(source === undefined ? body : `${source}: ${body}`);
    this.name = 'ConfigError';
  }

  /** The paths of the problems, in the order they were found. */
  get paths(): string[] {
    return this.problems.map((p) => p.path);
  }
}
