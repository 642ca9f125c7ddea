import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { POOL_UID } from './layout.js';

// No Docker engine runs where these tests run: check the image's key properties statically.
const dockerfile = readFileSync(new URL('../../pool/Dockerfile', import.meta.url), 'utf8');

/** Instructions with continuation lines joined, comments dropped. */
const instructions = dockerfile
  .replace(/\\\n/g, ' ')
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l !== '' && !l.startsWith('#'));
const stages: string[][] = [];
for (const line of instructions) {
  if (line.startsWith('FROM ')) stages.push([]);
  stages.at(-1)?.push(line);
}
const runtime = stages.at(-1) ?? [];

describe('pool/Dockerfile', () => {
  it('takes its base image from ARG NODE_IMAGE (default node:22-bookworm-slim) in every stage', () => {
    expect(instructions[0]).toBe('ARG NODE_IMAGE=node:22-bookworm-slim');
    expect(stages.length).toBeGreaterThanOrEqual(2);
    for (const s of stages) expect(s[0]).toMatch(/^FROM \$\{NODE_IMAGE\}/);
  });

  it('runs as a non-root user with the uid the bundle documents', () => {
    const user = runtime.filter((l) => l.startsWith('USER ')).at(-1);
    expect(user).toBe('USER ckb-pool');
    expect(runtime.join('\n')).toContain(`--uid ${POOL_UID}`);
  });

  it('runs ckb-pool under tini from Debian packages', () => {
    expect(runtime.join('\n')).toMatch(/apt-get install -y --no-install-recommends tini/);
    expect(runtime.find((l) => l.startsWith('ENTRYPOINT '))).toBe(
      'ENTRYPOINT ["/usr/bin/tini", "--", "ckb-pool"]',
    );
  });

  it('checks health with an HTTP GET of /health through node, not curl', () => {
    const hc = runtime.find((l) => l.startsWith('HEALTHCHECK ')) ?? '';
    expect(hc).toMatch(/CMD \["node", "-e", .*fetch\(.*\/health/);
    expect(instructions.join('\n')).not.toMatch(/\bcurl\b|\bwget\b/);
  });

  it('uses the CA build argument only when it is given', () => {
    expect(dockerfile).toMatch(/ARG NPM_CA_FILE=\n/);
    expect(dockerfile).toMatch(/if \[ -n "\$NPM_CA_FILE" \]; then export NODE_EXTRA_CA_CERTS=/);
  });

  it('installs the packed ckb-pool tarball with production dependencies only, in the build stage', () => {
    const deps = stages[0].join('\n');
    expect(deps).toContain('COPY ckb-pool.tgz /tmp/ckb-pool.tgz');
    expect(deps).toMatch(/npm install --omit=dev .*\/tmp\/ckb-pool\.tgz/);
    // Nothing of a source tree is copied in: only the tarball (and an optional CA file).
    const copies = instructions.filter((l) => l.startsWith('COPY ') && !l.startsWith('COPY --from='));
    expect(copies).toEqual([
      'COPY ckb-pool.tgz /tmp/ckb-pool.tgz',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a Dockerfile variable, not a template
      'COPY ${NPM_CA_FILE:-ckb-pool.tgz} /tmp/extra-ca',
    ]);
    expect(runtime.join('\n')).not.toMatch(/npm (ci|install)/);
    expect(runtime.join('\n')).toContain('COPY --from=deps /app /app');
    expect(runtime.join('\n')).toContain(
      'ln -s /app/node_modules/ckb-pool/bin/ckb-pool.js /usr/local/bin/ckb-pool',
    );
  });
});
