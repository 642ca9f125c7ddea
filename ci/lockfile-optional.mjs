#!/usr/bin/env node
// Usage: node ci/lockfile-optional.mjs package-lock.json
//
// The npm registry reachable from CI here is a partial mirror: it lacks the optional
// platform packages nobody installs on linux-x64 (e.g. @biomejs/cli-darwin-arm64). npm then
// writes a lockfile without entries for them, and `npm ci` refuses that lockfile ("Missing:
// @biomejs/cli-darwin-arm64@ from lock file"). This adds a platform-restricted entry for every
// optional dependency that is named but absent, so `npm ci` skips them instead of refusing.
// Only the platform packages of the table below are added (os/cpu/libc as their own
// package.json files declare them); any other gap is reported and left alone.
import { readFileSync, writeFileSync } from 'node:fs';

/** Biome's per-platform binaries (the only gap seen so far). */
function platformOf(name) {
  const m = /^@biomejs\/cli-(android|darwin|linux|win32)-(arm64|x64)(-musl)?$/.exec(name);
  if (!m) return undefined;
  return { os: [m[1]], cpu: [m[2]], ...(m[3] ? { libc: ['musl'] } : {}) };
}

const file = process.argv[2] ?? 'package-lock.json';
const lock = JSON.parse(readFileSync(file, 'utf8'));
const paths = Object.keys(lock.packages ?? {});
const added = [];
const unknown = [];
for (const [path, entry] of Object.entries(lock.packages ?? {})) {
  for (const [name, version] of Object.entries(entry.optionalDependencies ?? {})) {
    if (paths.some((p) => p === `node_modules/${name}` || p.endsWith(`/node_modules/${name}`))) continue;
    const platform = platformOf(name);
    if (!platform || !/^\d+\.\d+\.\d+$/.test(version)) {
      unknown.push(`${name}@${version} (of ${path || 'the root'})`);
      continue;
    }
    lock.packages[`node_modules/${name}`] = {
      version,
      ...(entry.dev ? { dev: true } : {}),
      optional: true,
      ...platform,
    };
    added.push(`${name}@${version}`);
  }
}
writeFileSync(file, `${JSON.stringify(lock, null, 2)}\n`);
console.log(
  `lockfile: added ${added.length} platform-restricted optional entries${added.length ? `: ${added.join(', ')}` : ''}`,
);
if (unknown.length) console.log(`lockfile: left alone (not a known platform package): ${unknown.join(', ')}`);
