import type { PrivateKey } from 'openpgp';
import * as openpgp from 'openpgp';
import { AppError } from '../core/errors.js';

/**
 * OpenPGP signing of repository metadata (APT InRelease/Release.gpg, DNF repomd.xml.asc) with openpgp.js.
 *
 * Only v4 keys: apt (gpgv), sqv, dnf and gpg 2.2 reject RFC 9580 v6 keys, so `config.v6Keys` is never set
 * and `type: 'curve25519'` (new-format Ed25519) is never used. Ed25519 here means the legacy EdDSA curve.
 * Signatures use SHA-512, which passes current apt/sqv hash policies.
 */

// Passed on every call so a change to openpgp's global config elsewhere cannot weaken our signatures.
const SIGN_CONFIG = { preferredHashAlgorithm: openpgp.enums.hash.sha512 } as const;

/** Smallest RSA modulus we accept: apt's sqv policy already rejects RSA < 2048. */
const MIN_RSA_BITS = 2048;

export interface GeneratedKey {
  armoredPrivateKey: string;
  armoredPublicKey: string;
  /** Uppercase hex fingerprint of the primary key. */
  fingerprint: string;
}

export async function generateSigningKey(opts: {
  name: string;
  email: string;
  algorithm: 'ed25519' | 'rsa4096';
  passphrase?: string;
  date?: Date;
}): Promise<GeneratedKey> {
  const algo =
    opts.algorithm === 'ed25519'
      ? ({ type: 'ecc', curve: 'curve25519Legacy' } as const)
      : ({ type: 'rsa', rsaBits: 4096 } as const);
  try {
    const { privateKey, publicKey } = await openpgp.generateKey({
      ...algo,
      userIDs: [{ name: opts.name, email: opts.email }],
      passphrase: opts.passphrase,
      date: opts.date,
      keyExpirationTime: 0,
      format: 'object',
      config: { ...SIGN_CONFIG, v6Keys: false },
    });
    return {
      armoredPrivateKey: privateKey.armor(),
      armoredPublicKey: publicKey.armor(),
      fingerprint: privateKey.getFingerprint().toUpperCase(),
    };
  } catch (err) {
    throw new AppError('SIGNING_FAILED', `key generation failed: ${message(err)}`);
  }
}

/** apt's InRelease check hashes lines without trailing whitespace; Release must be served in the same form. */
export function stripTrailingWhitespace(text: string): string {
  return text.replace(/[ \t\r]+$/gm, '');
}

export class Signer {
  readonly fingerprint: string;
  private readonly publicArmored: string;
  private readonly publicBinary: Uint8Array;

  /** `key` must already be decrypted; use fromArmored. */
  private constructor(private readonly key: PrivateKey) {
    this.fingerprint = key.getFingerprint().toUpperCase();
    const pub = key.toPublic();
    this.publicArmored = pub.armor();
    this.publicBinary = pub.write();
  }

  /**
   * Loads an armored secret key (ours, or `gpg --export-secret-keys --armor`) and unlocks it once, so each
   * signature afterwards costs only the signing operation.
   */
  static async fromArmored(armoredPrivateKey: string, passphrase?: string): Promise<Signer> {
    let key: PrivateKey;
    try {
      key = await openpgp.readPrivateKey({ armoredKey: armoredPrivateKey });
    } catch (err) {
      throw invalid(`not an armored OpenPGP private key: ${message(err)}`);
    }
    if (key.keyPacket.version !== 4) {
      throw invalid(`OpenPGP v${key.keyPacket.version} keys are not accepted by apt and dnf; use a v4 key`);
    }
    if (!key.isDecrypted()) {
      if (passphrase === undefined) throw invalid('the private key is passphrase-protected');
      try {
        key = await openpgp.decryptKey({ privateKey: key, passphrase });
      } catch (err) {
        throw invalid(`cannot unlock the private key: ${message(err)}`);
      }
    }
    // Fails for keys without a valid signing-capable (sub)key now: expired, revoked or encrypt-only.
    const info = await key.getSigningKey(undefined, new Date()).then(
      (signingKey) => signingKey.getAlgorithmInfo(),
      (err: unknown) => {
        throw invalid(`the key cannot sign: ${message(err)}`);
      },
    );
    if (info.bits !== undefined && info.bits < MIN_RSA_BITS) {
      throw invalid(`RSA keys need at least ${MIN_RSA_BITS} bits (got ${info.bits})`);
    }
    return new Signer(key);
  }

  publicKeyArmored(): string {
    return this.publicArmored;
  }

  /** Binary transferable public key, identical to `gpg --dearmor` output: apt `signed-by=` keyring. */
  publicKeyBinary(): Uint8Array {
    return this.publicBinary.slice();
  }

  /**
   * InRelease. The caller must serve `stripTrailingWhitespace(text)` as Release: the cleartext signature
   * covers the stripped lines, and tools that check InRelease's body against Release byte for byte
   * (debootstrap) fail if Release kept trailing spaces.
   */
  async clearsign(text: string, date?: Date): Promise<string> {
    try {
      const msg = await openpgp.createCleartextMessage({ text: stripTrailingWhitespace(text) });
      const signed = await openpgp.sign({ message: msg, signingKeys: this.key, date, config: SIGN_CONFIG });
      // openpgp.js writes the cleartext with CRLF; the hash is over canonical CRLF either way, so LF keeps
      // InRelease byte-identical in its body to the Release file, as gpg --clearsign would produce.
      return signed.replace(/\r\n/g, '\n');
    } catch (err) {
      throw new AppError('SIGNING_FAILED', `clearsign failed: ${message(err)}`);
    }
  }

  /** Armored detached binary signature (type 0x00) over the exact bytes: Release.gpg, repomd.xml.asc. */
  async detachSign(data: Uint8Array, date?: Date): Promise<string> {
    try {
      const msg = await openpgp.createMessage({ binary: data });
      return await openpgp.sign({
        message: msg,
        signingKeys: this.key,
        detached: true,
        format: 'armored',
        date,
        config: SIGN_CONFIG,
      });
    } catch (err) {
      throw new AppError('SIGNING_FAILED', `detached signing failed: ${message(err)}`);
    }
  }
}

function invalid(msg: string): AppError {
  return new AppError('VALIDATION_FAILED', msg);
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
