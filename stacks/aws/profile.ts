import { findAwsCredentials } from '../credentials.js';
import type { CloudProfile } from '../profile.js';

/** AWS: EC2 (gp3 root disks up to 16 TiB), state in S3. */
export const AWS_PROFILE = {
  cloud: 'aws',
  label: 'AWS',
  // us-east-1, eu-central-2, us-gov-west-1, us-isob-east-1; more than one digit allowed for
  // regions AWS has yet to open.
  region: { pattern: /^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d+$/, example: 'us-east-1' },
  instanceType: {
    pattern: /^[a-z][a-z0-9-]*\.[a-z0-9]+$/,
    default: 'm6i.large',
    // CKB sync is steady CPU work: no burstable types above small.
    forSize: { small: ['t3.medium'], medium: ['m6i.large'], large: ['m6i.xlarge'] },
  },
  maxDiskGb: 16384,
  stateBackend: 's3',
  findCredentials: findAwsCredentials,
} as const satisfies CloudProfile;
