import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseImageRef } from './reference.js';
import { parseBearerChallenge, probeImage, resolveDigest } from './registry.js';

/**
 * A registry on the loopback that speaks the OCI distribution API as ghcr.io does for public
 * images: manifests need an anonymous bearer token from the realm its 401 names.
 */
let server: Server;
let base = '';
const tokenScopes: string[] = [];
const CONFIG_DIGEST = `sha256:${'c0'.repeat(32)}`;
// Whitespace and key order as a registry stores them: the digest covers these exact bytes.
const INDEX_BYTES =
  '{\n   "schemaVersion": 2,\n   "mediaType": "application/vnd.oci.image.index.v1+json",\n   "manifests": []\n}';
const INDEX_DIGEST = `sha256:${createHash('sha256').update(INDEX_BYTES).digest('hex')}`;

beforeAll(async () => {
  server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://registry');
    const json = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(body));
    };
    if (url.pathname === '/token') {
      tokenScopes.push(`${url.searchParams.get('service')} ${url.searchParams.get('scope')}`);
      return json(200, { token: 'anonymous-pull' });
    }
    if (req.headers.authorization !== 'Bearer anonymous-pull') {
      const scope = url.pathname.split('/').slice(2, -2).join('/');
      return json(
        401,
        { errors: [{ code: 'UNAUTHORIZED' }] },
        {
          'www-authenticate': `Bearer realm="${base}/token",service="test-registry",scope="repository:${scope}:pull"`,
        },
      );
    }
    const m = /^\/v2\/(.+)\/(manifests|blobs)\/(.+)$/.exec(url.pathname);
    if (m?.[1] === 'owner/private') return json(403, { errors: [{ code: 'DENIED' }] });
    if (m?.[1] === 'owner/pool' && m[2] === 'manifests' && m[3] === '0.1.0')
      return json(200, {
        mediaType: 'application/vnd.oci.image.index.v1+json',
        manifests: [
          { platform: { os: 'linux', architecture: 'amd64' } },
          { platform: { os: 'linux', architecture: 'arm64' } },
        ],
      });
    if (m?.[1] === 'owner/pool' && m[2] === 'manifests' && m[3] === 'amd64-only')
      return json(200, { config: { digest: CONFIG_DIGEST } });
    if (m?.[1] === 'owner/pool' && m[2] === 'manifests' && (m[3] === 'digested' || m[3] === 'rewritten')) {
      // A registry states the digest of exactly the bytes it serves; a rewriting proxy may not.
      const body = Buffer.from(INDEX_BYTES);
      const stated = m[3] === 'digested' ? INDEX_DIGEST : `sha256:${'ab'.repeat(32)}`;
      res.writeHead(200, {
        'content-type': 'application/vnd.oci.image.index.v1+json',
        'docker-content-digest': stated,
      });
      return res.end(body);
    }
    if (m?.[2] === 'blobs' && m[3] === CONFIG_DIGEST)
      return json(200, { os: 'linux', architecture: 'amd64' });
    return json(404, { errors: [{ code: 'MANIFEST_UNKNOWN' }] });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const ref = (path: string) => parseImageRef(`${base.replace('http://', '')}/${path}`);

describe('asking a registry whether an image can be pulled', () => {
  it('fetches an anonymous token for the scope the registry names, then finds the platform in the index', async () => {
    const p = await probeImage(ref('owner/pool:0.1.0'), 'linux/arm64');
    expect(p).toEqual({ status: 'available', detail: expect.stringContaining('owner/pool:0.1.0') });
    expect(tokenScopes).toContain('test-registry repository:owner/pool:pull');
  });

  it('says a tag that does not exist is missing', async () => {
    expect((await probeImage(ref('owner/pool:9.9.9'), 'linux/amd64')).status).toBe('missing');
  });

  it('reads the platform of a single-platform image from its config blob', async () => {
    expect((await probeImage(ref('owner/pool:amd64-only'), 'linux/amd64')).status).toBe('available');
    const arm = await probeImage(ref('owner/pool:amd64-only'), 'linux/arm64');
    expect(arm).toEqual({
      status: 'no-platform',
      detail: expect.stringContaining('linux/amd64, not linux/arm64'),
    });
  });

  it('tells a private repository from a missing one', async () => {
    expect((await probeImage(ref('owner/private:1'), 'linux/amd64')).status).toBe('denied');
  });

  it('says unreachable, not missing, when nothing answers', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const p = await probeImage(parseImageRef(`127.0.0.1:${port}/owner/pool:0.1.0`), 'linux/amd64', 2000);
    expect(p.status).toBe('unreachable');
    expect(p.detail).toContain('ECONNREFUSED');
  });
});

describe('reading the digest a tag names', () => {
  it('hashes the manifest bytes as served, and they agree with the digest the registry states', async () => {
    const r = await resolveDigest(ref('owner/pool:digested'));
    expect(r).toEqual({
      status: 'resolved',
      digest: INDEX_DIGEST,
      detail: expect.stringContaining(INDEX_DIGEST),
    });
  });

  it('refuses content whose hash is not the digest the registry states', async () => {
    const r = await resolveDigest(ref('owner/pool:rewritten'));
    expect(r.status).toBe('unreachable');
    expect(r.detail).toContain(`served content hashing to ${INDEX_DIGEST}`);
  });

  it('reports a missing tag and a private repository as such', async () => {
    expect((await resolveDigest(ref('owner/pool:9.9.9'))).status).toBe('missing');
    expect((await resolveDigest(ref('owner/private:1'))).status).toBe('denied');
  });

  it('resolves the tag even when the reference already carries a digest', async () => {
    const r = await resolveDigest(ref(`owner/pool:digested@sha256:${'00'.repeat(32)}`));
    expect(r).toMatchObject({ status: 'resolved', digest: INDEX_DIGEST });
  });
});

describe('bearer challenges', () => {
  it('reads realm, service and scope', () => {
    expect(
      parseBearerChallenge(
        'Bearer realm="https://ghcr.io/token",service="ghcr.io",scope="repository:a/b:pull"',
      ),
    ).toEqual({ realm: 'https://ghcr.io/token', service: 'ghcr.io', scope: 'repository:a/b:pull' });
  });

  it('ignores challenges that are not bearer or name no realm', () => {
    expect(parseBearerChallenge('Basic realm="x"')).toBeNull();
    expect(parseBearerChallenge('Bearer service="x"')).toBeNull();
  });
});
