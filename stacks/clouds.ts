/**
 * The clouds `up --cloud` can create a host on. Adding one: a folder stacks/<cloud>/ with its
 * profile (profile.ts) and its host construct, and one line here (CONTRIBUTING.md).
 */
import { ALICLOUD_PROFILE } from './alicloud/profile.js';
import { AWS_PROFILE } from './aws/profile.js';
import type { CloudProfile } from './profile.js';

export const CLOUD_PROFILES = {
  aws: AWS_PROFILE,
  alicloud: ALICLOUD_PROFILE,
} as const satisfies Record<string, CloudProfile>;

export type Cloud = keyof typeof CLOUD_PROFILES;
export const CLOUDS = Object.keys(CLOUD_PROFILES) as Cloud[];

export const isCloud = (name: string): name is Cloud => Object.hasOwn(CLOUD_PROFILES, name);

export const cloudProfile = (cloud: Cloud): CloudProfile => CLOUD_PROFILES[cloud];
