/** pino's levels, as the pool's and translator's configs and `--log-level` accept them. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export const isLogLevel = (s: unknown): s is LogLevel =>
  typeof s === 'string' && (LOG_LEVELS as readonly string[]).includes(s);
