import { findAlicloudCredentials } from '../credentials.js';
import type { CloudProfile, SizeName } from '../profile.js';

/**
 * x86_64 types per size, most preferred first (the first is the family the stack used before
 * fallbacks existed). All have the size's vCPU/RAM and take the same Debian x64 image: other
 * generations, AMD (g7a/g8a, c7a/c8a) and the universal u1 line, so one sold-out family does
 * not stop a deploy.
 */
export const ALICLOUD_SIZE_TYPES: Record<SizeName, readonly string[]> = {
  small: [
    'ecs.c7.large',
    'ecs.c8i.large',
    'ecs.c7a.large',
    'ecs.c8a.large',
    'ecs.c6.large',
    'ecs.u1-c1m2.large',
  ],
  medium: [
    'ecs.g7.large',
    'ecs.g8i.large',
    'ecs.g7a.large',
    'ecs.g8a.large',
    'ecs.g6.large',
    'ecs.u1-c1m4.large',
  ],
  large: [
    'ecs.g7.xlarge',
    'ecs.g8i.xlarge',
    'ecs.g7a.xlarge',
    'ecs.g8a.xlarge',
    'ecs.g6.xlarge',
    'ecs.u1-c1m4.xlarge',
  ],
};
/** Alibaba Cloud: ECS (ESSD system disks up to 2 TiB), state in OSS. */
export const ALICLOUD_PROFILE = {
  cloud: 'alicloud',
  label: 'Alibaba Cloud',
  // ap-southeast-1, cn-hangzhou, and the special regions such as cn-shanghai-finance-1.
  region: { pattern: /^[a-z]{2}-[a-z]+(-[a-z0-9]+)*$/, example: 'ap-southeast-1' },
  instanceType: {
    pattern: /^ecs\.[a-z0-9-]+\.[a-z0-9]+$/,
    default: 'ecs.g7.large',
    forSize: ALICLOUD_SIZE_TYPES,
  },
  maxDiskGb: 2048,
  stateBackend: 'oss',
  findCredentials: findAlicloudCredentials,
} as const satisfies CloudProfile;
