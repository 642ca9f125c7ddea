/**
 * `image pin`: writes each image's digest beside its tag in the deployment config, so the host
 * pulls the bytes that were current (and tested) when the operator pinned them, even if the
 * registry later moves the tag. Comments and layout of the config survive: only the
 * `images.<name>` values change.
 */
import { isMap, parseDocument } from 'yaml';
import { isPinnedByDigest } from '../bundle/image-pins.js';
import type { PoolDeployConfig } from '../config/types.js';
import { type ImageRef, parseImageRef } from './reference.js';
import type { Resolved } from './registry.js';

export type PinOutcome =
  | { name: string; ref: string; outcome: 'pinned'; pinned: string }
  | { name: string; ref: string; outcome: 'already-pinned' | 'tag-current' }
  | { name: string; ref: string; outcome: 'tag-moved'; now: string }
  | { name: string; ref: string; outcome: 'failed'; detail: string };

export type ResolveDigest = (image: ImageRef) => Promise<Resolved>;

const tagOnly = (ref: string): string => (ref.includes('@') ? ref.slice(0, ref.indexOf('@')) : ref);

/** What pinning (or, with `check`, verifying) each image of `config` comes to. */
export async function pinOutcomes(
  images: PoolDeployConfig['images'],
  resolve: ResolveDigest,
  check: boolean,
): Promise<PinOutcome[]> {
  const entries = Object.entries(images);
  return Promise.all(
    entries.map(async ([name, ref]): Promise<PinOutcome> => {
      const pinned = isPinnedByDigest(ref);
      if (pinned && !check) return { name, ref, outcome: 'already-pinned' };
      const image = parseImageRef(tagOnly(ref));
      const r = await resolve(image);
      if (r.status !== 'resolved') return { name, ref, outcome: 'failed', detail: r.detail };
      if (!pinned) return { name, ref, outcome: 'pinned', pinned: `${tagOnly(ref)}@${r.digest}` };
      return ref.endsWith(`@${r.digest}`)
        ? { name, ref, outcome: 'tag-current' }
        : { name, ref, outcome: 'tag-moved', now: r.digest };
    }),
  );
}

/** The config text with every newly pinned image written into `images:`. */
export function writePins(text: string, outcomes: PinOutcome[]): string {
  const doc = parseDocument(text);
  let changed = false;
  for (const o of outcomes) {
    if (o.outcome !== 'pinned') continue;
    if (!isMap(doc.get('images'))) doc.set('images', doc.createNode({}));
    doc.setIn(['images', o.name], o.pinned);
    changed = true;
  }
  return changed ? doc.toString() : text;
}

/** One line per image, for the operator. */
export function describeOutcome(o: PinOutcome, poolBuiltLocally: boolean, check = false): string {
  switch (o.outcome) {
    case 'pinned':
      return check
        ? `unpinned images.${o.name}: ${o.ref} is a tag alone; its digest today: ${o.pinned.slice(o.pinned.indexOf('@') + 1)} (\`image pin\` writes it)`
        : `pinned   images.${o.name}: ${o.pinned}`;
    case 'already-pinned':
      return `kept     images.${o.name}: ${o.ref} (already pinned; --check compares it with the tag)`;
    case 'tag-current':
      return `current  images.${o.name}: the tag still names ${o.ref.slice(o.ref.indexOf('@') + 1)}`;
    case 'tag-moved':
      return `MOVED    images.${o.name}: ${tagOnly(o.ref)} now names ${o.now}, the config pins ${o.ref.slice(o.ref.indexOf('@') + 1)}; review the new release, then remove the digest and pin again`;
    case 'failed':
      return `unpinned images.${o.name}: ${o.detail}${
        o.name === 'pool' && poolBuiltLocally
          ? ' (`up` builds this image from the installed ckb-pool when it cannot be pulled; a digest needs the published image)'
          : ''
      }`;
  }
}
