/**
 * Value kinds of the deployer's config: the config engine's (ckb-pool/config-engine/kinds),
 * and the CIDR blocks only a deployment's firewall needs.
 */
import { type Kind, KindError, show } from 'ckb-pool/config-engine/kinds';

export { bool, int, type Kind, KindError, list, oneOf, str } from 'ckb-pool/config-engine/kinds';

/**
 * An IPv4 or IPv6 CIDR block. IPv4 blocks must be canonical (host bits zero), because cloud
 * firewalls reject `203.0.113.7/24`; the error suggests the canonical form.
 */
export function cidr(): Kind<string> {
  const parse = (raw: unknown): string => {
    if (typeof raw !== 'string') throw new KindError(`expected a CIDR string, got ${show(raw)}`);
    const problem = cidrProblem(raw);
    if (problem) throw new KindError(problem);
    return raw;
  };
  return {
    describe: 'CIDR',
    parse,
    fromFlag: (raw) => parse(Array.isArray(raw) ? raw[raw.length - 1] : raw),
  };
}

export function cidrProblem(text: string): string | undefined {
  const [addr, bits, ...rest] = text.split('/');
  if (bits === undefined) {
    return `'${text}' has no prefix length; for a single address write ${addr}${addr.includes(':') ? '/128' : '/32'}`;
  }
  if (rest.length > 0 || !/^\d{1,3}$/.test(bits))
    return `'${text}' is not a CIDR block (address/prefix-length)`;
  const n = Number(bits);
  if (addr.includes(':')) {
    if (n > 128 || !/^[0-9a-fA-F:]+$/.test(addr) || (addr.match(/::/g) ?? []).length > 1) {
      return `'${text}' is not a valid IPv6 CIDR block`;
    }
    return undefined;
  }
  const octets = addr.split('.');
  if (n > 32 || octets.length !== 4 || octets.some((o) => !/^\d{1,3}$/.test(o) || Number(o) > 255)) {
    return `'${text}' is not a valid IPv4 CIDR block`;
  }
  const value = octets.reduce((acc, o) => acc * 256 + Number(o), 0);
  const size = 2 ** (32 - n);
  const network = value - (value % size);
  if (network !== value) {
    const canonical = [24, 16, 8, 0].map((s) => Math.floor(network / 2 ** s) % 256).join('.');
    return `'${text}' has host bits set; did you mean ${canonical}/${n}?`;
  }
  return undefined;
}
