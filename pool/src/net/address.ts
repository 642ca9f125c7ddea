/**
 * `host:port` addresses as written in configs and on command lines. A core module: the pool,
 * the translator and the CLI all read listen addresses the same way, so the rule lives here
 * rather than in one role's config.
 */

/** A malformed address; `field` names where it was written so the message can point there. */
export class AddressError extends Error {
  constructor(
    readonly field: string,
    readonly reason: string,
  ) {
    super(`${field}: ${reason}`);
    this.name = 'AddressError';
  }
}

/** Splits `host:port` (IPv6 as `[::1]:3333`); throws an AddressError naming `field`. */
export function parseHostPort(value: string, field = 'address'): { host: string; port: number } {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:\s[\]]+)):(\d{1,5})$/.exec(value);
  if (!m) throw new AddressError(field, `expected host:port, got '${value}'`);
  const port = Number(m[3]);
  if (port > 65_535) throw new AddressError(field, `port ${port} is out of range 0..65535`);
  return { host: m[1] ?? m[2], port };
}
