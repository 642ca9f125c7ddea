// Types for real-node.mjs (the end-to-end scripts are plain ESM; the unit test is TypeScript).
export const MAINNET_PAYOUT: string;
export const DEV_COMPACT_TARGET: number;
export const DEV_DIR: string;
export const DEV_SPEC_PATH: string;
export const NODE_BASE_IMAGE: string;
export function powFuncFor(chain: string): 'Eaglesong' | 'EaglesongBlake2b';
export function setTomlValue(text: string, section: string, key: string, literal: string): string;
export function devChainSpec(
  template: string,
  opts: { chain: string; timestampMs: number; compactTarget?: number },
): string;
export function devCkbToml(rendered: string): string;
export function realNodeOverride(
  compose: { version?: string; services?: Record<string, { volumes?: string[] }> },
  ckbHome?: string,
): { version?: string; services: { ckb: { volumes: string[] } } };
export function imagesToPull(images: Record<string, string>, nodeBase?: string): string[];
export function pullFailure(failures: { image: string; output: string }[]): Error;
export const GRAFANA_PASSWORD_FILE: string;
export interface ProvisionedDashboard {
  file: string;
  uid: string;
  title: string;
  panels: Panel[];
}
export interface Panel {
  type?: string;
  title?: string;
  datasource?: { uid?: string };
  targets?: { expr?: string; datasource?: { uid?: string } }[];
  panels?: Panel[];
}
export function dashboardProblems(
  provisioned: ProvisionedDashboard[],
  search: { uid: string }[],
  loaded: Record<
    string,
    { meta?: { provisioned?: boolean }; dashboard?: { title?: string; panels?: Panel[] } } | null
  >,
): string[];
export function dashboardDatasources(dashboard: { panels?: Panel[] }): string[];
export function dsQuery(
  datasourceUid: string,
  expr: string,
  opts: { nowMs: number; minutes?: number },
): { queries: Record<string, unknown>[]; from: string; to: string };
export function dsQueryError(status: number, body: unknown): string | null;
export function cellbaseLock(witnessHex: string): { code_hash: string; hash_type: string; args: string };
