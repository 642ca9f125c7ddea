import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { eaglesong } from '../../ckb/eaglesong.js';
import { bytesToHex } from '../../ckb/hex.js';
import { compactToTarget, meetsTarget, u256LeToTarget } from '../../ckb/target.js';
import { FrameDecoder } from '../frame.js';
import { EXAMPLE_SHARE_DIFFICULTY, exampleSession, renderExampleSession } from './example-session.js';
import { CODECS, decodeMessage, encodeMessage, type MessageOf } from './index.js';

const DOC = new URL('../../../../docs/protocol.md', import.meta.url);

describe('the example session of docs/protocol.md', () => {
  it('is reproduced verbatim in the document', () => {
    const doc = readFileSync(DOC, 'utf8');
    expect(doc).toContain(renderExampleSession());
  });

  it('lists every Common, extension and Mining message with its id', () => {
    const doc = readFileSync(DOC, 'utf8');
    for (const c of Object.values(CODECS)) {
      if (c.extensionType === 0 && c.msgType >= 0x70) continue; // Template Distribution: named in prose
      const id = `0x${c.msgType.toString(16).padStart(2, '0')}`;
      expect(doc).toMatch(
        new RegExp(`\\| ${id} \\| ${c.channelMsg ? 1 : 0} \\| \`${c.specName.replace('.', '\\.')}\``),
      );
    }
  });

  it('decodes back from one coalesced byte stream', () => {
    const steps = exampleSession();
    const stream = Buffer.concat(steps.map((s) => encodeMessage(s.msg)));
    const frames = new FrameDecoder().push(stream);
    expect(frames.map((f) => decodeMessage(f))).toEqual(steps.map((s) => s.msg));
  });

  it('submits a share that really meets the channel target (and the network target) of its job', () => {
    const steps = exampleSession().map((s) => s.msg);
    const find = <T extends (typeof steps)[number]['type']>(t: T) =>
      steps.find((m) => m.type === t) as MessageOf<T>;
    const open = find('OpenStandardMiningChannelSuccess');
    const job = find('NewCkbJob');
    const share = find('SubmitSharesCkb');
    const nonce16 = new Uint8Array([...open.extranoncePrefix, ...share.nonceSuffix]);
    expect(nonce16.length).toBe(16);
    const out = eaglesong(new Uint8Array([...job.powHash, ...nonce16]));
    // docs/protocol.md §4 and §7 worked example (mainnet block 16,406,793).
    expect(bytesToHex(out)).toBe('00000000000000040dfbcc91208a14eb207c06f118554ccb2db4ae11f2a5ee80');
    expect(meetsTarget(out, u256LeToTarget(open.target))).toBe(true);
    expect(meetsTarget(out, compactToTarget(job.compactTarget))).toBe(true);
    expect(find('SubmitSharesSuccess').newSharesSum).toBe(EXAMPLE_SHARE_DIFFICULTY);
  });
});
