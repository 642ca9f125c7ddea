/**
 * The replace guard: `up` applies only a plan it has read. Any plan that would delete or
 * replace the pool host or its disk — the synced chain and the share ledger live there, and a
 * new host key breaks the pinned known_hosts — is refused before anything is touched, unless
 * the operator said `--allow-replace`. Input is `terraform show -json <planfile>`.
 */

/** Resource types whose deletion loses the chain, the ledger or the host identity. */
export const PROTECTED_TYPES = new Set([
  'aws_instance',
  'aws_ebs_volume',
  'aws_volume_attachment',
  'alicloud_instance',
  'alicloud_ecs_disk',
  'alicloud_disk',
  'alicloud_ecs_disk_attachment',
]);

type Action = 'no-op' | 'create' | 'read' | 'update' | 'delete';

interface ResourceChange {
  address: string;
  type: string;
  mode?: string;
  action_reason?: string;
  change: { actions: Action[]; replace_paths?: (string | number)[][] };
}

export interface TerraformPlan {
  format_version?: string;
  resource_changes?: ResourceChange[];
}

export type ChangeKind = 'create' | 'update' | 'replace' | 'delete';

export interface PlannedChange {
  address: string;
  type: string;
  kind: ChangeKind;
  /** For a replace: the attributes that force it, e.g. `associate_public_ip_address`. */
  forcedBy: string[];
}

export interface PlanReview {
  changes: PlannedChange[];
  /** Deletes and replaces of protected resources. */
  blocked: PlannedChange[];
  unchanged: number;
}

function kindOf(actions: Action[]): ChangeKind | null {
  const a = [...actions].sort().join(',');
  if (a === 'create,delete') return 'replace';
  if (a === 'delete') return 'delete';
  if (a === 'create') return 'create';
  if (a === 'update') return 'update';
  return null; // no-op, read
}

export class PlanFormatError extends Error {}

export function reviewPlan(plan: TerraformPlan): PlanReview {
  if (!plan || typeof plan !== 'object' || !plan.format_version) {
    throw new PlanFormatError('not the JSON of `terraform show -json <planfile>` (no format_version)');
  }
  const changes: PlannedChange[] = [];
  let unchanged = 0;
  for (const rc of plan.resource_changes ?? []) {
    if (rc.mode === 'data') continue;
    const kind = kindOf(rc.change?.actions ?? []);
    if (!kind) {
      unchanged++;
      continue;
    }
    const forcedBy = (rc.change.replace_paths ?? []).map((p) => p.join('.'));
    changes.push({ address: rc.address, type: rc.type, kind, forcedBy });
  }
  const blocked = changes.filter(
    (c) => PROTECTED_TYPES.has(c.type) && (c.kind === 'replace' || c.kind === 'delete'),
  );
  return { changes, blocked, unchanged };
}

/** What the plan does, for the terminal: one line of counts, then one line per change. */
export function planSummary(r: PlanReview): string[] {
  const count = (k: ChangeKind) => r.changes.filter((c) => c.kind === k).length;
  const head = `${count('create')} to create, ${count('update')} to update in place, ${count('replace')} to replace, ${count('delete')} to delete, ${r.unchanged} unchanged`;
  const sign: Record<ChangeKind, string> = { create: '+', update: '~', replace: '-/+', delete: '-' };
  return [
    head,
    ...r.changes.map(
      (c) =>
        `  ${sign[c.kind].padEnd(3)} ${c.address}${c.forcedBy.length ? ` (forced by ${c.forcedBy.join(', ')})` : ''}`,
    ),
  ];
}

/** The refusal, naming what would be lost and how to go ahead anyway. */
export function blockedMessage(r: PlanReview): string {
  const what = r.blocked.map(
    (c) =>
      `${c.address} would be ${c.kind === 'replace' ? 'replaced' : 'deleted'}${c.forcedBy.length ? ` (forced by ${c.forcedBy.join(', ')})` : ''}`,
  );
  return (
    `refusing to apply: ${what.join('; ')}. That deletes the host's disk with the synced chain and the ` +
    'share ledger, and the new host key will not match the pinned known_hosts. Nothing was changed. ' +
    'If that is what you want (docs/clouds.md lists the settings that replace the VM), back up first ' +
    '(docs/deploy.md) and run up again with --allow-replace.'
  );
}
