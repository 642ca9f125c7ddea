import { readFileSync } from 'node:fs';
import { hexToBytes } from '../ckb/hex.js';
import { decodeAuthoritySecret } from '../sv2/noise/keys.js';

/**
 * Reads the pool authority secret key file. Accepted forms (so the file written by
 * `ckb-pool keys generate` and hand-made files both work): the base58check secret on its own
 * line (comment lines starting with # are skipped), 64 hex characters, or a JSON object with
 * a `secret` / `secretKey` / `authoritySecret` field in one of those forms.
 */
export function readAuthoritySecret(file: string): Uint8Array {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`sv2.authorityKeyFile: cannot read ${file}: ${(err as Error).message}`);
  }
  const candidates: string[] = [];
  const trimmed = text.trim();
  if (trimmed.startsWith('{')) {
    try {
      const o = JSON.parse(trimmed) as Record<string, unknown>;
      for (const k of ['secret', 'secretKey', 'authoritySecret', 'authority_secret', 'private']) {
        const v = o[k];
        if (typeof v === 'string') candidates.push(v);
      }
    } catch {
      // fall through to the line forms
    }
  }
  for (const line of trimmed.split(/\r?\n/)) {
    const l = line.trim();
    if (l && !l.startsWith('#')) candidates.push(l.replace(/^[A-Za-z_ ]+[:=]\s*/, ''));
  }
  for (const c of candidates) {
    const s = c.replace(/^0x/, '');
    if (/^[0-9a-fA-F]{64}$/.test(s)) return hexToBytes(s);
    try {
      return decodeAuthoritySecret(c);
    } catch {
      // try the next candidate
    }
  }
  throw new Error(
    `sv2.authorityKeyFile: ${file} holds no authority secret key (base58check or 64 hex characters)`,
  );
}
