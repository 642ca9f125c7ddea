/**
 * TLV extension fields (spec 3.4.2): appended after a message's last field once an extension
 * is negotiated; decoders keep them undecoded in `msg.tlv`. Header = extension_type U16 ‖
 * field_type U8 ‖ length U16, little-endian as SRI writes them (the spec's example shows
 * big-endian; SRI's bytes are what peers send).
 */
import { Reader, Sv2DecodeError, Writer } from '../binary.js';

export interface TlvField {
  extensionType: number;
  fieldType: number;
  value: Uint8Array;
}

/** Extension 0x0002 "worker-specific hashrate tracking": field 0x01 = user_identity (≤ 32 bytes). */
export const TLV_USER_IDENTITY = { extensionType: 0x0002, fieldType: 0x01, maxLength: 32 } as const;

export function encodeTlvs(fields: readonly TlvField[]): Uint8Array {
  const w = new Writer(16);
  for (const f of fields) {
    w.u16(f.extensionType).u8(f.fieldType).u16(f.value.length).raw(f.value);
  }
  return w.finish();
}

/** Splits a TLV tail into fields; a truncated field is a `Sv2DecodeError`. */
export function parseTlvs(bytes: Uint8Array): TlvField[] {
  const r = new Reader(bytes);
  const fields: TlvField[] = [];
  while (r.remaining > 0) {
    const extensionType = r.u16();
    const fieldType = r.u8();
    const length = r.u16();
    fields.push({ extensionType, fieldType, value: r.raw(length, 'TLV value') });
  }
  return fields;
}

/**
 * The value of the first field (extensionType, fieldType) in a TLV tail, as a view into
 * `bytes` (no copy, no allocation but the view): the share hot path reads it. Fields before
 * it are skipped whatever their type; a tail that ends inside a field header or value stops
 * the scan (undefined), as SRI skips fields it cannot decode.
 */
export function findTlvValue(
  bytes: Uint8Array,
  extensionType: number,
  fieldType: number,
): Uint8Array | undefined {
  let at = 0;
  while (bytes.length - at >= 5) {
    const ext = bytes[at] | (bytes[at + 1] << 8);
    const field = bytes[at + 2];
    const length = bytes[at + 3] | (bytes[at + 4] << 8);
    const start = at + 5;
    if (bytes.length - start < length) return undefined;
    if (ext === extensionType && field === fieldType) return bytes.subarray(start, start + length);
    at = start + length;
  }
  return undefined;
}

/** The worker name carried by extension 0x0002, if present in a TLV tail. */
export function userIdentityFromTlv(tlv: Uint8Array | undefined): string | undefined {
  if (!tlv) return undefined;
  const f = parseTlvs(tlv).find(
    (x) => x.extensionType === TLV_USER_IDENTITY.extensionType && x.fieldType === TLV_USER_IDENTITY.fieldType,
  );
  if (!f) return undefined;
  if (f.value.length > TLV_USER_IDENTITY.maxLength) {
    throw new Sv2DecodeError('length-limit', `user_identity TLV is ${f.value.length} bytes, limit 32`);
  }
  return new TextDecoder().decode(f.value);
}
