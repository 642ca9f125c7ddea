import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The folder of the nearest package.json at or above a module. The same module runs from
 * `cli/…` in a clone and from `dist/cli/…` in the installed package, one level deeper, so
 * paths to the package's own files start here instead of counting `../`.
 */
export function packageRoot(moduleUrl: string | URL): string {
  let dir = dirname(fileURLToPath(moduleUrl));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no package.json above ${fileURLToPath(moduleUrl)}`);
    dir = parent;
  }
  return dir;
}
