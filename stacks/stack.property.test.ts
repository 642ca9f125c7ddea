import fc from 'fast-check';
import { expect, it } from 'vitest';
import { readSharedJson, sharedPath } from '../pool/test/shared.js';
import { baseConfig, ingressOf, KEYS, synthJson } from '../test/support/stack-fixtures.js';
import type { AlicloudSchema } from './alicloud/schema-check.js';
import { checkAlicloudJson } from './alicloud/schema-check.js';
import { CLOUDS, canonicalCidr, PRIVATE_PORTS, specFromConfig } from './spec.js';

const SCHEMA = 'reference/iac/alicloud-schema.json';
const schema = sharedPath(SCHEMA) ? readSharedJson<AlicloudSchema>(SCHEMA) : undefined;
if (!schema)
  process.stdout.write(`SKIP schema part of the property test: ../shared/${SCHEMA} is not present\n`);

const ipv4Cidr = fc
  .tuple(fc.nat(2 ** 32 - 1), fc.integer({ min: 0, max: 32 }))
  .map(([v, len]) =>
    canonicalCidr(`${[24, 16, 8, 0].map((s) => Math.floor(v / 2 ** s) % 256).join('.')}/${len}`),
  );
const ipv6Cidr = fc.constantFrom('::/0', '2001:db8::/32', '2001:db8:ad::/48', 'fd00::/8');
const cidrs = (admin: boolean) =>
  fc
    .uniqueArray(fc.oneof(ipv4Cidr, ipv6Cidr), { minLength: 1, maxLength: 4 })
    .filter((l) => !admin || l.every((c) => !c.endsWith('/0')));
const port = fc.integer({ min: 1024, max: 65535 }).filter((p) => !PRIVATE_PORTS.includes(p) && p !== 8080);

it('opens exactly the configured flows on both clouds, and Alibaba blocks stay schema-valid', () => {
  fc.assert(
    fc.property(
      fc.constantFrom(...CLOUDS),
      fc.uniqueArray(port, { minLength: 3, maxLength: 3 }),
      cidrs(false),
      cidrs(true),
      fc.constantFrom(KEYS.ed25519, KEYS.rsa, KEYS.ecdsa),
      fc.constantFrom('small', 'medium', 'large'),
      (cloud, [sv2, v1, p2p], publicCidrs, adminCidrs, key, size) => {
        const config = {
          ...baseConfig(cloud),
          ports: { sv2, v1, p2p },
          publicCidrs,
          adminCidrs,
          instance: { size, diskGb: 200 },
        };
        const tf = synthJson(cloud, specFromConfig(config, key, cloud));
        const got = ingressOf(tf)
          .map((r) => `${r.port}-${r.toPort} ${r.cidr}`)
          .sort();
        const want = [
          ...[sv2, v1, p2p].flatMap((p) => publicCidrs.map((c) => `${p}-${p} ${c}`)),
          ...adminCidrs.map((c) => `22-22 ${c}`),
        ].sort();
        expect(got).toEqual(want);
        if (cloud === 'alicloud' && schema) expect(checkAlicloudJson(tf, schema)).toEqual([]);
      },
    ),
    { numRuns: 16 },
  );
});
