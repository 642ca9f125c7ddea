/**
 * Files that ship inside the npm package next to the CLI: the Ansible playbook, its config
 * and the role. They are used by path, never installed from Galaxy or git (iac-facts F1, F2).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../package-root.js';

export const PACKAGE_ROOT = packageRoot(import.meta.url);
export const ANSIBLE_DIR = join(PACKAGE_ROOT, 'ansible');
export const PLAYBOOK = join(ANSIBLE_DIR, 'site.yml');
export const ANSIBLE_CFG = join(ANSIBLE_DIR, 'ansible.cfg');
export const ROLES_DIR = join(ANSIBLE_DIR, 'roles');

/** The shipped playbook files that must exist; returns the missing ones. */
export function missingAnsibleFiles(): string[] {
  return [PLAYBOOK, ANSIBLE_CFG, join(ROLES_DIR, 'ckb_pool', 'tasks', 'main.yml')].filter(
    (p) => !existsSync(p),
  );
}
