/**
 * OpenPGP verification of uploads against a set of trusted public keys.
 * - rpm: the header signature of the signature header (rpm 6 RPMSIGTAG_OPENPGP 278, v4 RSAHEADER 268 /
 *   DSAHEADER 267, which also holds EdDSA and ECDSA), verified over the main header bytes, as `rpm -K` does.
 *   Legacy header+payload signatures (PGP 1002 / GPG 1005) alone are not verified.
 * - deb: a detached signature sent with the upload (`gpg --detach-sign`, armored or binary) over the whole
 *   .deb; verified while streaming the file, so large packages are never loaded whole.
 * Outcome per upload: valid (by a trusted key), untrusted (signed, but by no trusted key, or only a legacy
 * signature), bad (does not verify, or is not a signature), unsigned. Policy: required accepts only valid;
 * optional rejects bad and warns on unsigned and untrusted; off skips the check.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import * as openpgp from 'openpgp';
import type { UploadCheck, UploadCheckInput, UploadCheckResult } from '../content/upload-check.js';
import { HEADER_INTRO_SIZE, headerSize, RpmHeader } from '../formats/rpm/header.js';
import type { ByteSource, RpmPackage } from '../formats/types.js';

export type SignatureOutcome =
  | { status: 'valid'; keyId: string }
  | { status: 'untrusted'; keyId: string | null; reason: string }
  | { status: 'bad'; keyId: string | null; reason: string }
  | { status: 'unsigned' };

export type SignaturePolicy = 'required' | 'optional' | 'off';

const RPM_LEAD = 96;
const TAG_OPENPGP = 278;
const TAG_RSAHEADER = 268;
const TAG_DSAHEADER = 267;
const LEGACY = [1002, 1005, 1006];

/** Reads every public key (armored or binary) from *.asc, *.gpg, *.pgp and *.key files of a directory. */
export async function loadTrustedKeys(dir: string): Promise<openpgp.PublicKey[]> {
  if (!dir) return [];
  const keys: openpgp.PublicKey[] = [];
  for (const name of (await readdir(dir)).sort()) {
    if (!/\.(asc|gpg|pgp|key)$/i.test(name)) continue;
    const bytes = await readFile(path.join(dir, name));
    const armored = bytes.subarray(0, 64).toString('latin1').includes('-----BEGIN PGP');
    const read = armored ? await openpgp.readKeys({ armoredKeys: bytes.toString('utf8') }) : await openpgp.readKeys({ binaryKeys: bytes });
    keys.push(...read.map((k) => k.toPublic()));
  }
  return keys;
}

export class SignatureVerifier {
  private readonly keyIds: Set<string>;

  constructor(private readonly keys: openpgp.PublicKey[]) {
    this.keyIds = new Set(keys.flatMap((k) => k.getKeyIDs().map((id) => id.toHex())));
  }

  /** Verifies a signature (packet bytes or armored text) over `data`. */
  async verify(signatureBytes: Uint8Array, data: Uint8Array | ReadableStream<Uint8Array>): Promise<SignatureOutcome> {
    let signature: openpgp.Signature;
    try {
      const text = Buffer.from(signatureBytes.subarray(0, 64)).toString('latin1');
      signature = text.includes('-----BEGIN PGP SIGNATURE')
        ? await openpgp.readSignature({ armoredSignature: Buffer.from(signatureBytes).toString('utf8') })
        : await openpgp.readSignature({ binarySignature: signatureBytes });
    } catch (err) {
      return { status: 'bad', keyId: null, reason: `not an OpenPGP signature: ${(err as Error).message}` };
    }
    const ids = signature.getSigningKeyIDs().map((id) => id.toHex());
    const keyId = ids[0] ?? null;
    if (!ids.some((id) => this.keyIds.has(id))) {
      return { status: 'untrusted', keyId, reason: `signed by key ${keyId ?? '(unknown)'}, which is not a trusted key` };
    }
    try {
      const message = await openpgp.createMessage({ binary: data });
      const result = await openpgp.verify({ message, signature, verificationKeys: this.keys, format: 'binary', expectSigned: false });
      // With streamed input the verdict is only known once the data stream has been read to its end.
      const out = result.data as unknown;
      if (out instanceof ReadableStream) {
        const reader = (out as ReadableStream<Uint8Array>).getReader();
        while (!(await reader.read()).done);
      }
      await result.signatures[0].verified;
      return { status: 'valid', keyId: result.signatures[0].keyID.toHex() };
    } catch (err) {
      return { status: 'bad', keyId, reason: `signature does not verify: ${(err as Error).message}` };
    }
  }

  /** The header signature of an rpm, verified over its main header. */
  async verifyRpm(src: ByteSource, pkg: Pick<RpmPackage, 'headerRange'>): Promise<SignatureOutcome> {
    const { total } = headerSize(await src.read(RPM_LEAD, HEADER_INTRO_SIZE), 'signature header');
    const sig = new RpmHeader(await src.read(RPM_LEAD, total), 'signature header');
    const packets: Uint8Array[] = [];
    for (const s of sig.strings(TAG_OPENPGP) ?? []) packets.push(Buffer.from(s, 'base64'));
    for (const tag of [TAG_RSAHEADER, TAG_DSAHEADER]) {
      const b = sig.bytes(tag);
      if (b) packets.push(b);
    }
    if (!packets.length) {
      if (LEGACY.some((t) => sig.has(t))) return { status: 'untrusted', keyId: null, reason: 'only a legacy header+payload signature, which is not verified' };
      return { status: 'unsigned' };
    }
    const header = await src.read(pkg.headerRange.start, pkg.headerRange.end - pkg.headerRange.start);
    let last: SignatureOutcome = { status: 'unsigned' };
    // Any one valid signature by a trusted key suffices (rpm 6 may carry several).
    for (const p of packets) {
      last = await this.verify(p, header);
      if (last.status === 'valid' || last.status === 'bad') return last;
    }
    return last;
  }

  /** A detached signature over the whole file, read in 1 MiB chunks. */
  async verifyDetached(src: ByteSource, signature: Uint8Array): Promise<SignatureOutcome> {
    let offset = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull: async (controller) => {
        if (offset >= src.size) return controller.close();
        const chunk = await src.read(offset, Math.min(1 << 20, src.size - offset));
        offset += chunk.length;
        controller.enqueue(new Uint8Array(chunk));
      },
    });
    return this.verify(signature, stream);
  }
}

/** The upload check applying SIGNATURE_POLICY to the verifier's outcome. */
export class SignatureUploadCheck implements UploadCheck {
  readonly name = 'signature';

  constructor(private readonly verifier: SignatureVerifier, private readonly policy: Exclude<SignaturePolicy, 'off'>) {}

  async check(input: UploadCheckInput): Promise<UploadCheckResult> {
    const src = await input.source();
    let outcome: SignatureOutcome;
    try {
      if (input.pkg.format === 'rpm') outcome = await this.verifier.verifyRpm(src, input.pkg);
      else outcome = input.signature?.length ? await this.verifier.verifyDetached(src, input.signature) : { status: 'unsigned' };
    } finally {
      await src.close();
    }
    const what = input.pkg.format === 'rpm' ? 'rpm header signature' : 'detached signature';
    switch (outcome.status) {
      case 'valid':
        return { ok: true };
      case 'bad':
        return { reject: true, code: 'SIGNATURE_INVALID', message: `${input.filename}: ${what} is invalid: ${outcome.reason}`, detail: { signature_status: 'bad', key_id: outcome.keyId } };
      case 'untrusted':
        if (this.policy === 'required') {
          return { reject: true, code: 'SIGNATURE_INVALID', message: `${input.filename}: ${outcome.reason}`, detail: { signature_status: 'untrusted', key_id: outcome.keyId } };
        }
        return { warn: `${input.filename}: ${outcome.reason}` };
      case 'unsigned': {
        const how = input.pkg.format === 'rpm' ? 'sign it with rpmsign' : 'send a detached signature in the field "signature"';
        if (this.policy === 'required') return { reject: true, code: 'SIGNATURE_REQUIRED', message: `${input.filename} is not signed (${how})`, detail: { signature_status: 'unsigned' } };
        return { warn: `${input.filename} is not signed` };
      }
    }
  }
}
