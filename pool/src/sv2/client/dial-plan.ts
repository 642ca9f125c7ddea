import { formatPoolUrl, parsePoolUrl } from '../noise/keys.js';

/**
 * Where and when the upstream client dials next, apart from the sockets so that the policy can
 * be read and tested on its own: the configured URLs in turn (failover), exponential backoff
 * between attempts, and the pool's Reconnect, whose target is dialled instead of the configured
 * URLs until a dial to it fails.
 */

export interface Backoff {
  /** Delay before the first retry; each attempt doubles it. */
  minMs: number;
  maxMs: number;
}

/** One dial: the URL, and the configured URL in use that it stands for. */
export interface Dial {
  index: number;
  url: string;
  /** The Reconnect target dialled instead of `index`'s URL, or null. */
  redirect: string | null;
}

export class DialPlan {
  private urlIndex = 0;
  private attempt = 0;
  /** Where the pool's last Reconnect sent us (dialled instead of the URL list while it works). */
  private redirect: string | null = null;

  constructor(
    private readonly urls: readonly string[],
    private readonly backoff: Backoff,
  ) {}

  /** The configured URL in use, or the one to try next. */
  get index(): number {
    return this.urlIndex;
  }
  set index(index: number) {
    this.urlIndex = index;
  }

  next(): Dial {
    const index = this.urlIndex % this.urls.length;
    const redirect = this.redirect;
    return { index, url: redirect ?? this.urls[index], redirect };
  }

  /**
   * A dial failed; true when the configured URL in use should yield to the next one. A redirect
   * that failed is dropped instead: the node the pool sent us to did not take us, so the
   * configured URL in use gets the next dial.
   */
  failed(dial: Dial): boolean {
    if (dial.redirect === null || this.redirect !== dial.redirect) return true;
    this.redirect = null;
    return false;
  }

  /** The delay before the next dial; `failover`: a URL that failed us yields to the next one. */
  retryDelay(failover: boolean): number {
    if (failover && this.urls.length > 1) this.urlIndex = (this.urlIndex + 1) % this.urls.length;
    const delay = Math.min(this.backoff.maxMs, this.backoff.minMs * 2 ** Math.min(this.attempt, 16));
    this.attempt += 1;
    return delay;
  }

  /** Connected on behalf of configured URL `index`: the backoff starts over. */
  connected(index: number): void {
    this.attempt = 0;
    this.urlIndex = index;
  }

  /** The pool sent us to `target`; the configured URL in use needs no redirect. */
  redirectTo(target: string): void {
    this.redirect = target === this.urls[this.urlIndex] ? null : target;
  }

  /** A failback moved us to a configured URL: the old pool's redirect no longer applies. */
  clearRedirect(): void {
    this.redirect = null;
  }
}

/**
 * Reconnect (sv2-spec 3.6.5): "the client re-initiates the Noise handshake and uses the pool's
 * authority public key to verify that the certificate presented by the new server has a valid
 * signature". The message carries no key, so the current URL's key goes with the new address
 * (empty host / port 0 = the present one). Throws when that makes no usable URL.
 */
export function reconnectTarget(current: string, newHost: string, newPort: number): string {
  const here = parsePoolUrl(current);
  const target = formatPoolUrl({
    host: newHost || here.host,
    port: newPort || here.port,
    authorityPubkey: here.authorityPubkey,
  });
  parsePoolUrl(target);
  return target;
}
