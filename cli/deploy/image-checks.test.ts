import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeDeployment, testDeps } from '../../test/support/deploy-fixture.js';
import { FakeBin } from '../../test/support/fake-bin.js';
import { runDoctor } from '../commands/doctor.js';
import { DEFAULT_IMAGES } from '../config/fields.js';
import type { Probe } from '../image/registry.js';
import { workDir } from './workdir.js';

const engine = () =>
  FakeBin.create(['docker']).rules([
    { match: 'docker info --format {{.ServerVersion}}', stdout: '28.2.2\n' },
    { match: 'docker info --format {{.Architecture}}', stdout: 'aarch64\n' },
    { match: 'docker compose version', stdout: 'Docker Compose version v2.29.7\n' },
    { match: `docker image inspect --format {{.Id}} ${DEFAULT_IMAGES.prometheus}`, stdout: 'sha256:1\n' },
    { match: 'docker image inspect', exit: 1, stderr: 'Error: No such image\n' },
  ]);

describe('doctor --cloud local: images', () => {
  it('says which images are here, pullable or built by up, and fails naming one that is none of these', async () => {
    const d = makeDeployment({ cloud: 'local' });
    const asked: string[] = [];
    const deps = testDeps(engine().dir, {
      probeImage: async (image: string, platform: string): Promise<Probe> => {
        asked.push(`${image} ${platform}`);
        if (image === DEFAULT_IMAGES.ckb || image === DEFAULT_IMAGES.pool)
          return { status: 'unreachable', detail: 'registry-1.docker.io did not answer (ENOTFOUND)' };
        return { status: 'available', detail: image };
      },
    });
    expect(await runDoctor(['--config', d.configPath], deps)).toBe(1);
    const out = deps.out.text;
    expect(out).toContain(`✔ image ${DEFAULT_IMAGES.prometheus}: on this machine (prometheus)`);
    expect(out).toContain(`✔ image ${DEFAULT_IMAGES.grafana}: pullable from Docker Hub (docker.io)`);
    expect(out).toContain(`✔ image ${DEFAULT_IMAGES.pool}: not pullable (`);
    expect(out).toContain('`up` builds it from the installed ckb-pool');
    expect(out).toMatch(
      /✖ image nervos\/ckb:v0\.205\.0: nervos\/ckb:v0\.205\.0 \(service ckb, images\.ckb\) from Docker Hub \(docker\.io\): .*ENOTFOUND/,
    );
    expect(out).toContain('--image-archive images.tar.gz');
    expect(out).toContain('1 check failed.');
    // The engine's own platform is what a pull would fetch; the image already here is not asked about.
    expect(asked).toContain(`${DEFAULT_IMAGES.ckb} linux/arm64`);
    expect(asked.some((a) => a.startsWith(DEFAULT_IMAGES.prometheus))).toBe(false);
  });

  it('reads the images from the bundle up renders, as Compose resolves it with its override', async () => {
    const d = makeDeployment({ cloud: 'local' });
    const bundle = workDir(d.configPath, 'ckb-pool', 'local').bundle;
    mkdirSync(bundle, { recursive: true });
    writeFileSync(join(bundle, 'compose.yaml'), 'services: {}\n');
    const fake = engine();
    fake.rules([
      {
        match: 'docker compose',
        contains: ' config',
        stdout: `services:\n  ckb:\n    image: ckb-pool-ci/node:bookworm\n  grafana:\n    image: ${DEFAULT_IMAGES.grafana}\n    profiles: [off]\n`,
      },
      { match: 'docker info --format {{.ServerVersion}}', stdout: '28.2.2\n' },
      { match: 'docker compose version', stdout: 'Docker Compose version v2.29.7\n' },
    ]);
    const deps = testDeps(fake.dir);
    expect(await runDoctor(['--config', d.configPath], deps)).toBe(0);
    expect(deps.out.text).toContain('✔ image ckb-pool-ci/node:bookworm: on this machine (ckb)');
    expect(deps.out.text).not.toContain(`image ${DEFAULT_IMAGES.grafana}`);
    expect(fake.commandLines()).toContain(`docker compose --project-directory ${bundle} -p ckb-pool config`);
  });
});
