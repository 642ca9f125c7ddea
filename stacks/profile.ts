/**
 * What the deployer knows about a cloud, in one place: the names it accepts (regions, instance
 * types), the sizes it maps to types, its disk limit, where Terraform state goes and how its
 * credentials are found. Config validation, the stacks, doctor and up all read these profiles
 * (stacks/clouds.ts lists them), so they can never disagree about what a cloud accepts.
 *
 * Kept free of CDK imports: `init` and config validation load it, and must stay fast.
 */
import type { CredentialContext, CredentialFinding } from './credentials.js';

export type SizeName = 'small' | 'medium' | 'large';

export interface CloudProfile {
  /** The config's `cloud:` value. */
  readonly cloud: string;
  /** For people: "AWS", "Alibaba Cloud". */
  readonly label: string;
  readonly region: { readonly pattern: RegExp; readonly example: string };
  readonly instanceType: {
    readonly pattern: RegExp;
    /** Used when the config names none: 2 vCPU, 8 GiB. */
    readonly default: string;
    /** The type per abstract size; a cloud that sells types out may list fallbacks after it. */
    readonly forSize: Readonly<Record<SizeName, readonly string[]>>;
  };
  /** Largest root disk the cloud allows, GiB. */
  readonly maxDiskGb: number;
  /** The bucket backend for remote Terraform state (`state.backend`). */
  readonly stateBackend: 's3' | 'oss';
  /** Which credential source its Terraform provider will use, or what is missing. */
  readonly findCredentials: (ctx: CredentialContext) => Promise<CredentialFinding> | CredentialFinding;
}
