/** `host:port` as every listener and upstream address in our configs and flags is written. */

/** A malformed address; `field` names the config field or flag it came from. */
export class HostPortError extends Error {
  constructor(
    readonly field: string,
    readonly detail: string,
  ) {
    super(`${field}: ${detail}`);
    this.name = 'HostPortError';
  }
}

/** Splits `host:port` (IPv6 as `[::1]:3333`); throws a HostPortError naming `field`. */
export function parseHostPort(value: string, field = 'address'): { host: string; port: number } {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:\s[\]]+)):(\d{1,5})$/.exec(value);
  if (!m) throw new HostPortError(field, `expected host:port, got '${value}'`);
  const port = Number(m[3]);
  if (port > 65_535) throw new HostPortError(field, `port ${port} is out of range 0..65535`);
  return { host: (m[1] ?? m[2]) as string, port };
}
