/**
 * Identifies the OpenPGP signature an rpm signature header carries, without verifying it: the tag it sits in
 * (rpm 6 RPMSIGTAG_OPENPGP 278, v4 RSAHEADER 268 / DSAHEADER 267, v3 PGP 1002 / GPG 1005 / PGP5 1006) and, from
 * the signature packet (RFC 4880 and RFC 9580, section 5.2), the public-key algorithm and the issuer key id.
 */
import type { RpmPackage } from '../types.js';
import type { RpmHeader } from './header.js';

/**
 * Signature header tags holding OpenPGP signatures, most significant first, with what the tag alone tells when
 * the packet cannot be read: RSAHEADER and PGP only ever hold RSA, while rpm files DSA, ECDSA and EdDSA
 * signatures alike under DSAHEADER and GPG.
 */
const SIG_TAGS: Array<[number, RpmPackage['signature']['kind']]> = [
  [278, 'unknown'], [268, 'rsa'], [267, 'unknown'], [1002, 'rsa'], [1005, 'unknown'], [1006, 'unknown'],
];

export function sniffSignature(sig: RpmHeader): RpmPackage['signature'] {
  for (const [tag, guess] of SIG_TAGS) {
    if (!sig.has(tag)) continue;
    // RPMSIGTAG_OPENPGP (rpm 6) is a string array of base64 packets; the older tags are raw packets.
    const packet = tag === 278 ? Buffer.from(sig.strings(tag)?.[0] ?? '', 'base64') : sig.bytes(tag);
    return (packet && decodeSignaturePacket(packet)) ?? { kind: guess, keyId: null };
  }
  return { kind: 'none', keyId: null };
}

const PK_ALGOS: Record<number, RpmPackage['signature']['kind']> = {
  1: 'rsa', 2: 'rsa', 3: 'rsa', 17: 'dsa', 19: 'ecdsa', 22: 'eddsa', 27: 'eddsa', 28: 'eddsa',
};

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const u32 = (b: Uint8Array, at: number) => ((b[at] << 24) >>> 0) + (b[at + 1] << 16) + (b[at + 2] << 8) + b[at + 3];

/** Reads the algorithm and issuer of an OpenPGP signature packet (RFC 4880 §5.2, RFC 9580 §5.2); null if odd. */
export function decodeSignaturePacket(p: Uint8Array): RpmPackage['signature'] | null {
  if (p.length < 2 || !(p[0] & 0x80)) return null;
  let tag: number;
  let at: number;
  if (p[0] & 0x40) {
    tag = p[0] & 0x3f;
    const l0 = p[1];
    at = l0 < 192 ? 2 : l0 < 224 ? 3 : l0 === 255 ? 6 : -1; // partial lengths are not used for signatures
  } else {
    tag = (p[0] >> 2) & 0xf;
    at = [2, 3, 5, 1][p[0] & 3];
  }
  if (tag !== 2 || at < 0 || at >= p.length) return null;
  const body = p.subarray(at);
  const version = body[0];
  if (version === 3 && body.length >= 17) {
    return { kind: PK_ALGOS[body[15]] ?? 'unknown', keyId: hex(body.subarray(7, 15)) };
  }
  if (version !== 4 && version !== 5 && version !== 6) return null;
  if (body.length < 4) return null;
  const kind = PK_ALGOS[body[2]] ?? 'unknown';
  const wide = version !== 4; // v5/v6 use 4-byte subpacket area lengths
  const lenBytes = wide ? 4 : 2;
  let keyId: string | null = null;
  let fpKeyId: string | null = null;
  let pos = 4;
  for (let area = 0; area < 2 && pos + lenBytes <= body.length; area++) {
    const len = wide ? u32(body, pos) : (body[pos] << 8) | body[pos + 1];
    const endArea = Math.min(body.length, pos + lenBytes + len);
    for (let s = pos + lenBytes; s < endArea; ) {
      const o = body[s];
      let n: number;
      let hdr: number;
      if (o < 192) [n, hdr] = [o, 1];
      else if (o < 255 && s + 1 < endArea) [n, hdr] = [((o - 192) << 8) + body[s + 1] + 192, 2];
      else if (o === 255 && s + 5 <= endArea) [n, hdr] = [u32(body, s + 1), 5];
      else break;
      if (n === 0 || s + hdr + n > endArea) break;
      const type = body[s + hdr] & 0x7f;
      const data = body.subarray(s + hdr + 1, s + hdr + n);
      if (type === 16 && data.length === 8) keyId ??= hex(data);
      if (type === 33 && data.length === 21) fpKeyId ??= hex(data.subarray(13)); // v4 key: low 64 bits
      if (type === 33 && data.length === 33) fpKeyId ??= hex(data.subarray(1, 9)); // v6 key: high 64 bits
      s += hdr + n;
    }
    pos += lenBytes + len;
  }
  return { kind, keyId: keyId ?? fpKeyId };
}
