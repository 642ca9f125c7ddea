/**
 * Asks an image's registry — without a Docker engine, anonymously, as `docker pull` would —
 * whether a tag exists for a platform. `up` uses it to decide, before anything runs on a host,
 * whether the host can pull the pool image or must be given one (OCI distribution spec:
 * GET /v2/<name>/manifests/<reference>, bearer tokens from the realm a 401 names).
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { type ImageRef, parseImageRef, registryBaseUrl } from './reference.js';

export type Probe =
  | { status: 'available'; detail: string }
  | { status: 'missing' | 'denied' | 'unreachable' | 'no-platform'; detail: string };

const MANIFEST_TYPES = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
].join(', ');

interface Manifest {
  manifests?: Array<{ platform?: { os?: string; architecture?: string } }>;
  config?: { digest?: string };
}

/** `Bearer realm="…",service="…",scope="…"` → its parameters. */
export function parseBearerChallenge(header: string): Record<string, string> | null {
  const m = /^\s*Bearer\s+(.*)$/i.exec(header);
  if (!m?.[1]) return null;
  const params: Record<string, string> = {};
  for (const p of m[1].matchAll(/([A-Za-z_]+)="([^"]*)"/g)) params[(p[1] ?? '').toLowerCase()] = p[2] ?? '';
  return params.realm ? params : null;
}

class Client {
  private token: string | null = null;
  constructor(
    private readonly image: ImageRef,
    private readonly timeoutMs: number,
  ) {}

  private get(url: string, accept?: string, auth = true): Promise<Response> {
    const headers: Record<string, string> = {};
    if (accept) headers.accept = accept;
    if (auth && this.token) headers.authorization = `Bearer ${this.token}`;
    return fetch(url, { headers, signal: AbortSignal.timeout(this.timeoutMs) });
  }

  /** GET with one anonymous token round when the registry asks for it. */
  async fetch(path: string, accept?: string): Promise<Response> {
    const url = `${registryBaseUrl(this.image)}/v2/${this.image.repository}/${path}`;
    const first = await this.get(url, accept);
    if (first.status !== 401 || this.token) return first;
    const challenge = parseBearerChallenge(first.headers.get('www-authenticate') ?? '');
    if (!challenge?.realm) return first;
    const tokenUrl = new URL(challenge.realm);
    if (challenge.service) tokenUrl.searchParams.set('service', challenge.service);
    tokenUrl.searchParams.set('scope', challenge.scope ?? `repository:${this.image.repository}:pull`);
    const t = await this.get(tokenUrl.toString(), 'application/json', false);
    if (!t.ok) return first;
    const body = (await t.json()) as { token?: string; access_token?: string };
    this.token = body.token ?? body.access_token ?? null;
    return this.token ? this.get(url, accept) : first;
  }
}

/** Whether `image` can be pulled for `platform` (e.g. linux/arm64) from its registry. */
export async function probeImage(image: ImageRef, platform: string, timeoutMs = 15_000): Promise<Probe> {
  const where = `${image.repository}:${image.tag} at ${image.registry}`;
  const client = new Client(image, timeoutMs);
  let res: Response;
  try {
    res = await client.fetch(`manifests/${image.digest ?? image.tag}`, MANIFEST_TYPES);
  } catch (e) {
    const cause = (e as { cause?: { code?: string } }).cause?.code ?? (e as Error).message;
    return { status: 'unreachable', detail: `${image.registry} did not answer (${cause})` };
  }
  if (res.status === 404) return { status: 'missing', detail: `${where} does not exist` };
  if (res.status === 401 || res.status === 403)
    return { status: 'denied', detail: `${where}: the registry refuses anonymous pulls (${res.status})` };
  if (!res.ok) return { status: 'unreachable', detail: `${where}: the registry answered ${res.status}` };
  const manifest = (await res.json()) as Manifest;
  const [os, arch] = platform.split('/');
  if (Array.isArray(manifest.manifests)) {
    const platforms = manifest.manifests.map((m) => `${m.platform?.os}/${m.platform?.architecture}`);
    return platforms.includes(`${os}/${arch}`)
      ? { status: 'available', detail: `${where} (${platform})` }
      : { status: 'no-platform', detail: `${where} has ${platforms.join(', ')}, not ${platform}` };
  }
  // A single-platform manifest: its config blob says which platform.
  const digest = manifest.config?.digest;
  if (!digest) return { status: 'available', detail: `${where} (platform not stated)` };
  const blob = await client.fetch(`blobs/${digest}`).catch(() => null);
  const config = blob?.ok ? ((await blob.json()) as { os?: string; architecture?: string }) : null;
  if (!config) return { status: 'available', detail: `${where} (platform not read)` };
  return config.os === os && config.architecture === arch
    ? { status: 'available', detail: `${where} (${platform})` }
    : { status: 'no-platform', detail: `${where} is ${config.os}/${config.architecture}, not ${platform}` };
}

/** `probeImage` for a reference as written in the config (throws ImageRefError on a bad one). */
export const probeImageNamed = (image: string, platform: string): Promise<Probe> =>
  probeImage(parseImageRef(image), platform);

export type Resolved =
  | { status: 'resolved'; digest: string; detail: string }
  | { status: 'missing' | 'denied' | 'unreachable'; detail: string };

/**
 * The digest a tag names today: sha256 of the manifest (or multi-platform index) bytes the
 * registry serves, which is what `docker pull name@sha256:…` later asks for. The registry's
 * `Docker-Content-Digest` header must agree with the bytes; a proxy that rewrote the manifest
 * would otherwise have us pin content no registry holds.
 */
export async function resolveDigest(image: ImageRef, timeoutMs = 15_000): Promise<Resolved> {
  const where = `${image.repository}:${image.tag} at ${image.registry}`;
  const client = new Client(image, timeoutMs);
  let res: Response;
  let bytes: Uint8Array;
  try {
    res = await client.fetch(`manifests/${image.tag}`, MANIFEST_TYPES);
    bytes = new Uint8Array(await res.arrayBuffer());
  } catch (e) {
    const cause = (e as { cause?: { code?: string } }).cause?.code ?? (e as Error).message;
    return { status: 'unreachable', detail: `${image.registry} did not answer (${cause})` };
  }
  if (res.status === 404) return { status: 'missing', detail: `${where} does not exist` };
  if (res.status === 401 || res.status === 403)
    return { status: 'denied', detail: `${where}: the registry refuses anonymous pulls (${res.status})` };
  if (!res.ok) return { status: 'unreachable', detail: `${where}: the registry answered ${res.status}` };
  const digest = `sha256:${bytesToHex(sha256(bytes))}`;
  const header = res.headers.get('docker-content-digest');
  if (header && header !== digest)
    return {
      status: 'unreachable',
      detail: `${where}: the registry names ${header} but served content hashing to ${digest}`,
    };
  return { status: 'resolved', digest, detail: `${where} is ${digest}` };
}
