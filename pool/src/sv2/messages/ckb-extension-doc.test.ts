import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { schnorr } from '@noble/curves/secp256k1.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { base58 } from '@scure/base';
import { describe, expect, it } from 'vitest';
import { NOISE_HANDSHAKE } from '../../../test/vectors/noise-handshake.js';
import { bytesToHex, hexToBytes } from '../../ckb/hex.js';
import { decodeCertificate } from '../noise/certificate.js';
import { encodeAuthorityPubkey, parsePoolUrl } from '../noise/keys.js';
import { exampleFrames, generatedBlocks, markedBlock } from './ckb-extension-doc.js';
import { decodeMessage, EXTENSION_CKB, encodeMessage } from './index.js';

const ROOT = new URL('../../../../', import.meta.url).pathname;
const DOC = join(ROOT, 'docs/extensions/0x4CCB.md');
const doc = () => readFileSync(DOC, 'utf8');
/** The run-it-yourself command when the document is out of date. */
const HOW = 'regenerate the block from pool/src/sv2/messages/ckb-extension-doc.ts';

describe('docs/extensions/0x4CCB.md', () => {
  for (const [name, body] of Object.entries(generatedBlocks(NOISE_HANDSHAKE))) {
    it(`holds the ${name} block exactly as the encoder and the test vector produce it`, () => {
      expect(doc(), HOW).toContain(markedBlock(name, body));
    });
  }

  it('shows every example frame as the hex our encoder writes, and each decodes back to its message', () => {
    const text = doc();
    for (const e of exampleFrames()) {
      const frame = encodeMessage(e.msg);
      expect(text).toContain(`Frame: \`${bytesToHex(frame)}\``);
      expect(decodeMessage(frame)).toEqual(e.msg);
    }
  });

  it('names the extension by the one constant the code uses, in its wire form cb cc', () => {
    expect(EXTENSION_CKB).toBe(0x4ccb);
    expect(doc()).toContain('`extension_type = 0x4CCB | 0x8000 =\n0xCCCB`, on the wire the bytes `cb cc`');
  });

  it('is linked from docs/protocol.md, which cites no design file outside the repository', () => {
    const protocol = readFileSync(join(ROOT, 'docs/protocol.md'), 'utf8');
    expect(protocol).toContain('](extensions/0x4CCB.md)');
    expect(protocol).not.toMatch(/sv2-ckb\.md|generated\/sv2-noise-handshake-vector\.json/);
  });
});

describe('the handshake vector the document prints', () => {
  const v = NOISE_HANDSHAKE;

  it('gives the authority key in URL form as base58check of 01 00 ‖ x-only key', () => {
    // Rebuilt with plain base58 and a double-SHA256 checksum, not with our key codec.
    const payload = new Uint8Array([0x01, 0x00, ...hexToBytes(v.authority_pubkey_xonly)]);
    const check = sha256(sha256(payload)).subarray(0, 4);
    expect(base58.encode(new Uint8Array([...payload, ...check]))).toBe(v.authority_pubkey_base58);
    expect(encodeAuthorityPubkey(hexToBytes(v.authority_pubkey_xonly))).toBe(v.authority_pubkey_base58);
    const url = parsePoolUrl(v.pool_url_example);
    expect(bytesToHex(url.authorityPubkey)).toBe(v.authority_pubkey_xonly);
    expect(url).toMatchObject({ host: 'pool.example.com', port: 34254 });
  });

  it('has a certificate whose fields the document splits correctly and whose signature verifies', () => {
    const cert = decodeCertificate(hexToBytes(v.signature_noise_message_74));
    expect(cert).toMatchObject({
      version: 0,
      validFrom: v.cert_valid_from,
      notValidAfter: v.cert_not_valid_after,
    });
    const message = sha256(hexToBytes(v.cert_signed_bytes));
    expect(schnorr.verify(cert.signature, message, hexToBytes(v.authority_pubkey_xonly))).toBe(true);
    expect(v.cert_signed_bytes.endsWith(v.responder_static_xonly)).toBe(true);
    expect(schnorr.getPublicKey(hexToBytes(v.authority_secret_key))).toEqual(
      hexToBytes(v.authority_pubkey_xonly),
    );
  });
});

/** Files whose literal 0x4ccb is not the extension id. */
const NOT_THE_EXTENSION_ID = new Set([
  // A PRNG seed for generated Eaglesong inputs that happens to be the same number.
  'pool/bench/gen-eaglesong.ts',
]);

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...sourceFiles(p));
    else if (/\.(ts|mjs|js)$/.test(name) && !/\.test\.ts$/.test(name)) out.push(p);
  }
  return out;
}

describe('the extension id', () => {
  it('is written as a number in exactly one place of the shipped and support code: constants.ts', () => {
    const places: string[] = [];
    for (const dir of ['pool/src', 'pool/test', 'pool/bench', 'cli']) {
      for (const file of sourceFiles(join(ROOT, dir))) {
        const rel = relative(ROOT, file);
        if (NOT_THE_EXTENSION_ID.has(rel)) continue;
        // Comments, strings and templates may name the extension; a number in code may not.
        const code = readFileSync(file, 'utf8')
          .replace(/\/\*[\s\S]*?\*\//g, '')
          .replace(/\/\/.*$/gm, '')
          .replace(/'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*"|`(?:[^`\\]|\\.)*`/g, "''");
        if (/\b(0x4ccb|0xcccb|19659|52427)\b/i.test(code)) places.push(rel);
      }
    }
    expect(places).toEqual(['pool/src/sv2/messages/constants.ts']);
  });
});
