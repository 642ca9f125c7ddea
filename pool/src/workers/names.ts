import { findTlvValue, TLV_USER_IDENTITY } from '../sv2/messages/index.js';

/**
 * Extension 0x0002 (worker-specific hashrate tracking) on SubmitSharesCkb: whom a share is
 * credited to, and the namespace rule that keeps a downstream inside its own account
 * (docs/protocol.md, "Extension 0x0002").
 *
 * A worker name is `account.worker`; the account is the part of the channel's user_identity
 * before its first '.' (the whole identity when it has none). A user_identity TLV can only
 * name workers inside that account:
 *
 *   channel `alice.proxy`, TLV `rig7`        → `alice.rig7`
 *   channel `alice.proxy`, TLV `alice.rig7`  → `alice.rig7` (already inside the account)
 *   channel `alice.proxy`, TLV `alice`       → `alice`
 *   channel `alice.proxy`, TLV `bob.rig1`    → `alice.bob.rig1` (never bob's)
 *
 * So whatever a channel's identity is allowed to earn, its TLVs can only split those
 * earnings between names of the same account, never move them to another account.
 */

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const utf8Encoder = new TextEncoder();

/** SV2 user_identity is a STR0_255; a V1 name must fit it too. */
export const MAX_WORKER_NAME_BYTES = 255;

/**
 * True when `s` holds a control character: C0 (U+0000–U+001F), DEL, C1 (U+0080–U+009F) or a
 * Unicode line/paragraph separator. Never allowed in a worker name: names reach logs, the
 * ledger, the API and dashboards, where such characters forge lines or hide text.
 */
export function hasControlChars(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f) || c === 0x2028 || c === 0x2029) return true;
  }
  return false;
}

/**
 * Why `name` cannot be a worker name, or null when it can: the one rule for SV2 user_identity
 * (pool) and V1 mining.authorize (translator).
 */
export function workerNameProblem(name: unknown): string | null {
  if (typeof name !== 'string' || name.length === 0) return 'the worker name must be a non-empty string';
  if (utf8Encoder.encode(name).length > MAX_WORKER_NAME_BYTES)
    return `the worker name must be at most ${MAX_WORKER_NAME_BYTES} bytes of UTF-8`;
  if (hasControlChars(name)) return 'the worker name must not contain control characters';
  return null;
}

/** The account part of a worker name: everything before the first '.'. */
export function accountOf(identity: string): string {
  const dot = identity.indexOf('.');
  return dot < 0 ? identity : identity.slice(0, dot);
}

/** The name credited for a share on a channel named `channelWorker` whose TLV says `tlvWorker`. */
export function creditedWorker(channelWorker: string, tlvWorker: string): string {
  const account = accountOf(channelWorker);
  if (inAccount(tlvWorker, account)) return tlvWorker;
  return `${account}.${tlvWorker}`;
}

function inAccount(name: string, account: string): boolean {
  return (
    name === account || (name.startsWith(account) && name.charCodeAt(account.length) === 0x2e) // '.'
  );
}

function decodeWorker(bytes: Uint8Array): string | null {
  let name: string;
  try {
    name = utf8.decode(bytes);
  } catch {
    return null;
  }
  return hasControlChars(name) ? null : name;
}

/**
 * The worker a share is credited to on a connection that negotiated 0x0002, given the
 * message's TLV tail: the channel's own worker when the tail holds no usable user_identity
 * (absent, empty, not UTF-8, control characters, a malformed tail), the namespaced TLV name
 * otherwise — or null when the share must be refused because the user_identity is longer
 * than 32 bytes (the spec's "exceeds the maximum length … MUST reject the message").
 */
export function shareWorker(channelWorker: string, tlv: Uint8Array): string | null {
  const value = findTlvValue(tlv, TLV_USER_IDENTITY.extensionType, TLV_USER_IDENTITY.fieldType);
  if (value === undefined || value.length === 0) return channelWorker;
  if (value.length > TLV_USER_IDENTITY.maxLength) return null;
  const name = decodeWorker(value);
  return name === null ? channelWorker : creditedWorker(channelWorker, name);
}

/**
 * Translator side: the user_identity TLV value that makes the pool credit a share on a
 * channel named `channelIdentity` to `user` — the shortest form the rule maps back to it (the
 * account prefix is dropped when the pool would add it again, so `<address>.rig7` fits in 32
 * bytes behind a channel of the same address). A name outside the channel's account goes as
 * it is (the pool files it under the channel's account). Null when no valid TLV can carry it:
 * empty, control characters, or more than 32 bytes.
 */
export function tlvWorkerFor(user: string, channelIdentity: string): Uint8Array | null {
  if (user.length === 0 || hasControlChars(user)) return null;
  const account = accountOf(channelIdentity);
  let value = user;
  if (user.startsWith(`${account}.`)) {
    const short = user.slice(account.length + 1);
    if (short.length > 0 && creditedWorker(channelIdentity, short) === user) value = short;
  }
  const bytes = utf8Encoder.encode(value);
  return bytes.length <= TLV_USER_IDENTITY.maxLength ? bytes : null;
}
