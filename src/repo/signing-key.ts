import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { generateSigningKey, Signer } from './signer.js';

export interface SigningKeyOptions {
  dataDir: string;
  algorithm: 'ed25519' | 'rsa4096';
  /** Armored private key to import on first start instead of generating one. */
  importFile: string;
  passphrase: string;
}

/**
 * The repository signing key lives at <dataDir>/keys/signing-key.asc (mode 0600, encrypted when a
 * passphrase is configured). Created on first start, by generation or import, and reused afterwards.
 */
export async function loadOrCreateSigner(opts: SigningKeyOptions, log: (msg: string) => void): Promise<Signer> {
  const file = path.join(opts.dataDir, 'keys', 'signing-key.asc');
  const passphrase = opts.passphrase || undefined;
  if (!existsSync(file)) {
    await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
    let armored: string;
    if (opts.importFile) {
      armored = await readFile(opts.importFile, 'utf8');
      await Signer.fromArmored(armored, passphrase); // validate before adopting it
      log(`imported repository signing key from ${opts.importFile}`);
    } else {
      const key = await generateSigningKey({ name: 'Packyard repository signing key', email: 'packyard@localhost', algorithm: opts.algorithm, passphrase });
      armored = key.armoredPrivateKey;
      log(`generated ${opts.algorithm} repository signing key ${key.fingerprint}`);
    }
    const tmp = `${file}.tmp`;
    await writeFile(tmp, armored, { mode: 0o600 });
    await rename(tmp, file);
  }
  return Signer.fromArmored(await readFile(file, 'utf8'), passphrase);
}
