/**
 * One template of the miner's node through the JD pipeline (docs/job-declaration-ckb.md §2.2):
 * the policy's transaction set, a token and the pool's payout lock from the JDS, the
 * declaration (with its missing-transaction round), then SetCustomCkbMiningJob on the pool's
 * extended channel. Every step that fails says why, so the role can log it and keep its miners
 * on the pool's jobs.
 */
import { templateToBlock } from '../ckb/template.js';
import type { Script } from '../ckb/transaction.js';
import type { CustomJobAnswer, CustomJobFields } from '../sv2/client/upstream.js';
import type { DeclareResult } from './jds-client.js';
import { type LocalJob, localJob } from './local-job.js';
import type { JdcNode } from './node.js';
import { applyPolicy, type TxPolicy } from './policy.js';

export type DeclareStep =
  | { ok: true; local: LocalJob; token: Uint8Array; upstreamJobId: number; notes: string[] }
  | { ok: false; stage: 'template' | 'jds' | 'declaration' | 'pool'; reason: string; notes: string[] };

export interface DeclarerParts {
  node: JdcNode;
  policy: TxPolicy;
  /** The JDS connection's token allocation and declaration (jds-client.ts). */
  jds: {
    allocate(): Promise<{ token: Uint8Array; payout: Script }>;
    declare(job: LocalJob, token: Uint8Array): Promise<DeclareResult>;
  };
  /** SetCustomCkbMiningJob on the pool's extended channel. */
  setCustomJob(fields: CustomJobFields): Promise<CustomJobAnswer>;
}

export async function declareTemplate(template: unknown, p: DeclarerParts): Promise<DeclareStep> {
  const notes: string[] = [];
  let block: ReturnType<typeof templateToBlock>;
  try {
    block = templateToBlock(template);
  } catch (err) {
    return { ok: false, stage: 'template', reason: (err as Error).message, notes };
  }
  let allocated: Awaited<ReturnType<DeclarerParts['jds']['allocate']>>;
  try {
    allocated = await p.jds.allocate();
  } catch (err) {
    return { ok: false, stage: 'jds', reason: (err as Error).message, notes };
  }
  const choice = await applyPolicy(p.node, block, p.policy);
  notes.push(...choice.notes);
  const local = localJob(block, allocated.payout, choice);
  const declared = await p.jds.declare(local, allocated.token);
  if (!declared.ok)
    return { ok: false, stage: 'declaration', reason: `${declared.code}: ${declared.details}`, notes };
  const answer = await p.setCustomJob({
    miningJobToken: declared.token,
    powHash: local.powHash,
    parentHash: local.rawHeader.parentHash,
    number: local.rawHeader.number,
    compactTarget: local.rawHeader.compactTarget,
  });
  if (!answer.ok)
    return { ok: false, stage: 'pool', reason: `SetCustomMiningJob.Error ${answer.code}`, notes };
  return { ok: true, local, token: declared.token, upstreamJobId: answer.jobId, notes };
}
