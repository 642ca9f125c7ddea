// Types for promql.mjs (the end-to-end scripts are plain zx/ESM; the unit test is TypeScript).
export function metricNames(expr: string): string[];
export function exportedNames(text: string): Set<string>;
export function forPrometheus(expr: string): string;
