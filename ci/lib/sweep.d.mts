// Types for sweep.mjs (ci/sweep.mjs is plain ESM; the unit test is TypeScript).
export type Cloud = 'aws' | 'alicloud';
export interface AwsResource {
  type: string;
  id: string;
}
export interface AliyunResource {
  kind: string;
  id: string;
  instanceId?: string;
}
export interface AliyunCall {
  kind: string;
  argv: string[];
  list: string;
  id: string;
}
export interface Plan<R> {
  commands: string[][];
  unknown: R[];
}
export const MANAGED_BY: { key: string; value: string };
export const PROJECT_TAG: string;
export function parseCiProject(name: string): { cloud: Cloud; createdMs: number } | null;
export function isOldCiProject(project: string, cloud: Cloud, nowMs: number, maxAgeMs: number): boolean;
export function parseDuration(text: string): number;
export function awsDiscovery(region: string): string[];
export function awsInventory(output: {
  ResourceTagMappingList?: { ResourceARN: string; Tags?: { Key: string; Value: string }[] }[];
}): Map<string, AwsResource[]>;
export function awsPlan(region: string, resources: AwsResource[] | undefined): Plan<AwsResource>;
export function aliyunDiscovery(region: string): AliyunCall[];
export function aliyunInventory(calls: AliyunCall[], answers: unknown[]): Map<string, AliyunResource[]>;
export function aliyunPlan(region: string, resources: AliyunResource[]): Plan<AliyunResource>;
export function sweepPlan(args: {
  cloud: Cloud;
  region: string;
  inventory: Map<string, (AwsResource | AliyunResource)[]>;
  nowMs: number;
  maxAgeMs: number;
}): {
  sweep: ({ project: string; createdMs: number; resources: unknown[] } & Plan<unknown>)[];
  kept: { project: string; reason: string }[];
};
export function staleStates(args: {
  cloud: Cloud;
  prefixes: string[];
  nowMs: number;
  maxAgeMs: number;
  failed?: Set<string>;
}): string[];
export function ageText(ms: number): string;
export function aliyunEnv(env: Record<string, string | undefined>): Record<string, string | undefined>;
export function stateListing(cloud: Cloud, bucket: string, region: string): string[];
export function statePrefixes(cloud: Cloud, bucket: string, output: string): string[];
export function stateRemoval(cloud: Cloud, bucket: string, region: string, project: string): string[];
export function alreadyGone(output: string): boolean;
export function shellLine(argv: string[]): string;
