// Runs a TypeScript entry from a clone: tsx compiles on the fly, and the `ckb-pool-source`
// export condition makes `ckb-pool/…` imports resolve to the sources instead of dist/, so a
// clone never runs stale compiled output. Installed packages have no sources and never get here.
import { register } from 'node:module';

const addSourceCondition = `export async function resolve(specifier, context, next) {
  const conditions = context.conditions.includes('ckb-pool-source')
    ? context.conditions
    : [...context.conditions, 'ckb-pool-source'];
  return next(specifier, { ...context, conditions });
}`;

export async function runSource(entry) {
  const tsx = await import('tsx/esm/api');
  tsx.register();
  // Registered last so it runs first: tsx then resolves with the condition added.
  register(`data:text/javascript,${encodeURIComponent(addSourceCondition)}`);
  await import(entry);
}
