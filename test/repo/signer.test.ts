import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as openpgp from 'openpgp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../src/core/errors.js';
import { generateSigningKey, Signer, stripTrailingWhitespace } from '../../src/repo/signer.js';
import { skipWithout } from '../helpers/tools.js';

// A Release-like text with trailing whitespace on two lines: the InRelease body and the served Release must
// both be the stripped form, or debootstrap-style checks fail.
const RELEASE = [
  'Origin: Packyard ',
  'Label: Packyard',
  'Suite: stable',
  'Codename: stable',
  'Date: Sat, 01 Jun 2025 00:00:00 UTC\t',
  'Architectures: amd64 arm64',
  'Components: main',
  'SHA256:',
  ' 3f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8      1234 main/binary-amd64/Packages',
  ' 0b1c2d3e4f5061728394a5b6c7d8e9f00b1c2d3e4f5061728394a5b6c7d8e9f0       567 main/binary-amd64/Packages.gz',
  '',
].join('\n');

const KEY_DATE = new Date('2024-01-01T00:00:00Z');
const SIGN_DATE = new Date('2025-06-01T00:00:00Z');

let dir: string;
let gnupgHome: string;

function run(cmd: string, args: string[], input?: string | Uint8Array) {
  const r = spawnSync(cmd, args, { input, env: { ...process.env, GNUPGHOME: gnupgHome } });
  return { status: r.status, stdout: r.stdout.toString(), stderr: r.stderr.toString() };
}

function gpg(args: string[], input?: string | Uint8Array) {
  return run('gpg', ['--batch', '--homedir', gnupgHome, ...args], input);
}

function gpgv(keyring: string, ...files: string[]): number | null {
  return run('gpgv', ['--homedir', gnupgHome, '--keyring', keyring, ...files]).status;
}

function file(name: string, content: string | Uint8Array): string {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
}

/** Writes both keyring forms apt and sqv consume. */
function keyrings(signer: Signer, prefix: string) {
  return {
    gpg: file(`${prefix}.gpg`, signer.publicKeyBinary()),
    asc: file(`${prefix}.asc`, signer.publicKeyArmored()),
  };
}

async function expectInvalid(p: Promise<unknown>, pattern: RegExp) {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AppError);
  expect((err as AppError).code).toBe('VALIDATION_FAILED');
  expect((err as AppError).message).toMatch(pattern);
}

describe('stripTrailingWhitespace', () => {
  it('removes spaces, tabs and CR at line ends only', () => {
    expect(stripTrailingWhitespace('a b \nc\t\r\n d\n')).toBe('a b\nc\n d\n');
  });
});

describe.skipIf(skipWithout(['gpgv', 'gpg', 'sqv']))('Signer against gpgv and sqv', () => {
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'packyard-signer-'));
    gnupgHome = join(dir, 'gnupg');
    spawnSync('mkdir', ['-m', '700', gnupgHome]);
  });

  afterAll(() => {
    spawnSync('gpgconf', ['--kill', 'gpg-agent'], { env: { ...process.env, GNUPGHOME: gnupgHome } });
    rmSync(dir, { recursive: true, force: true });
  });

  describe.each([
    { algorithm: 'ed25519' as const, passphrase: 'correct horse', pubAlgo: 22 },
    { algorithm: 'rsa4096' as const, passphrase: undefined, pubAlgo: 1 },
  ])('$algorithm key', ({ algorithm, passphrase, pubAlgo }) => {
    let signer: Signer;
    let ring: { gpg: string; asc: string };
    const release = stripTrailingWhitespace(RELEASE);

    beforeAll(async () => {
      const key = await generateSigningKey({ name: 'Packyard', email: 'repo@example.org', algorithm, passphrase, date: KEY_DATE });
      signer = await Signer.fromArmored(key.armoredPrivateKey, passphrase);
      expect(signer.fingerprint).toBe(key.fingerprint);
      expect(signer.publicKeyArmored()).toBe(key.armoredPublicKey);
      ring = keyrings(signer, algorithm);
    });

    it('generates a v4 key with SHA-512 self-signatures and no expiry', () => {
      expect(signer.fingerprint).toMatch(/^[0-9A-F]{40}$/);
      const packets = gpg(['--list-packets', ring.gpg]).stdout;
      expect(packets).toMatch(new RegExp(`:public key packet:\\n\\s+version 4, algo ${pubAlgo},`));
      expect(packets).not.toMatch(/version [56],/);
      expect(packets).toMatch(/digest algo 10,/);
      expect(packets).not.toMatch(/key expires/);
      const colons = gpg(['--with-colons', '--import-options', 'show-only', '--import', ring.asc]).stdout;
      expect(colons).toContain(`fpr:::::::::${signer.fingerprint}:`);
    });

    it('publicKeyBinary equals gpg --dearmor of the armored key', () => {
      const out = join(dir, `${algorithm}.dearmored`);
      expect(gpg(['--output', out, '--dearmor', ring.asc]).status).toBe(0);
      expect(Buffer.from(signer.publicKeyBinary()).equals(readFileSync(out))).toBe(true);
    });

    it('clearsigns InRelease that gpgv accepts and whose body is the stripped Release', async () => {
      const inRelease = await signer.clearsign(RELEASE, SIGN_DATE);
      expect(inRelease).not.toContain('\r');
      const [, body, sig] = /^-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA512\n\n([\s\S]*)\n(-----BEGIN PGP SIGNATURE-----[\s\S]*)$/.exec(inRelease) ?? [];
      expect(body).toBe(release);
      expect(gpgv(ring.gpg, file(`${algorithm}.InRelease`, inRelease))).toBe(0);
      // debootstrap verifies the extracted signature against Release as a detached text signature.
      expect(gpgv(ring.gpg, file(`${algorithm}.InRelease.sig`, sig), file(`${algorithm}.Release`, release))).toBe(0);
      expect(gpg(['--list-packets', join(dir, `${algorithm}.InRelease.sig`)]).stdout).toMatch(/sigclass 0x01.*digest algo 10/s);
    });

    it('rejects a tampered InRelease', async () => {
      const inRelease = await signer.clearsign(release);
      const tampered = inRelease.replace('Suite: stable', 'Suite: unstable');
      expect(tampered).not.toBe(inRelease);
      expect(gpgv(ring.gpg, file(`${algorithm}.InRelease.bad`, tampered))).not.toBe(0);
    });

    it('detached signature over the Release bytes verifies with gpgv and sqv, tampering fails', async () => {
      const bytes = new TextEncoder().encode(release);
      const sig = file(`${algorithm}.Release.gpg`, await signer.detachSign(bytes, SIGN_DATE));
      const data = file(`${algorithm}.Release.data`, bytes);
      expect(readFileSync(sig, 'utf8')).toMatch(/^-----BEGIN PGP SIGNATURE-----\n/);
      expect(gpg(['--list-packets', sig]).stdout).toMatch(/sigclass 0x00.*digest algo 10/s);
      expect(gpgv(ring.gpg, sig, data)).toBe(0);
      expect(run('sqv', ['--keyring', ring.asc, sig, data]).status).toBe(0);

      const bad = file(`${algorithm}.Release.tampered`, release.replace('1234', '1235'));
      expect(gpgv(ring.gpg, sig, bad)).not.toBe(0);
      expect(run('sqv', ['--keyring', ring.asc, sig, bad]).status).not.toBe(0);
    });
  });

  describe.each([
    { algo: 'ed25519', passphrase: 'p' },
    { algo: 'rsa4096', passphrase: 'p' },
  ])('importing a gpg-exported $algo key', ({ algo, passphrase }) => {
    const uid = `Test ${algo} <t-${algo}@example.org>`;
    let armored: string;
    let fingerprint: string;

    beforeAll(() => {
      const loopback = ['--pinentry-mode', 'loopback', '--passphrase', passphrase];
      const gen = gpg([...loopback, '--quick-gen-key', uid, algo, 'sign', 'never']);
      expect(gen.status, gen.stderr).toBe(0);
      armored = gpg([...loopback, '--armor', '--export-secret-keys', uid]).stdout;
      fingerprint = /^fpr:+([0-9A-F]{40}):/m.exec(gpg(['--with-colons', '--list-keys', uid]).stdout)?.[1] ?? '';
      expect(armored).toContain('-----BEGIN PGP PRIVATE KEY BLOCK-----');
    });

    it('loads with the passphrase and signs what gpgv verifies', async () => {
      const signer = await Signer.fromArmored(armored, passphrase);
      expect(signer.fingerprint).toBe(fingerprint);
      const ring = keyrings(signer, `gpg-${algo}`);
      const inRelease = file(`gpg-${algo}.InRelease`, await signer.clearsign(RELEASE));
      expect(gpgv(ring.gpg, inRelease)).toBe(0);
      const data = file(`gpg-${algo}.repomd.xml`, '<?xml version="1.0"?>\n<repomd/>\n');
      const sig = file(`gpg-${algo}.repomd.xml.asc`, await signer.detachSign(readFileSync(data)));
      expect(gpgv(ring.gpg, sig, data)).toBe(0);
      expect(run('sqv', ['--keyring', ring.asc, sig, data]).status).toBe(0);
    });

    it('rejects a wrong or missing passphrase', async () => {
      await expectInvalid(Signer.fromArmored(armored, 'wrong'), /cannot unlock/);
      await expectInvalid(Signer.fromArmored(armored), /passphrase-protected/);
    });
  });

  it('rejects a gpg key that has no signing-capable key', async () => {
    const uid = 'Encrypt Only <enc@example.org>';
    const loopback = ['--pinentry-mode', 'loopback', '--passphrase', ''];
    expect(gpg([...loopback, '--quick-gen-key', uid, 'ed25519', 'cert', 'never']).status).toBe(0);
    const fpr = /^fpr:+([0-9A-F]{40}):/m.exec(gpg(['--with-colons', '--list-keys', uid]).stdout)?.[1] ?? '';
    expect(gpg([...loopback, '--quick-add-key', fpr, 'cv25519', 'encr', 'never']).status).toBe(0);
    const armored = gpg([...loopback, '--armor', '--export-secret-keys', uid]).stdout;
    await expectInvalid(Signer.fromArmored(armored), /cannot sign/);
  });
});

describe('Signer.fromArmored input validation', () => {
  it('rejects garbage and public keys', async () => {
    await expectInvalid(Signer.fromArmored('-----BEGIN PGP PRIVATE KEY BLOCK-----\n\nnope\n'), /not an armored/);
    await expectInvalid(Signer.fromArmored('hello'), /not an armored/);
    const key = await generateSigningKey({ name: 'P', email: 'p@example.org', algorithm: 'ed25519' });
    await expectInvalid(Signer.fromArmored(key.armoredPublicKey), /not an armored/);
  });

  it('rejects v6 keys, which apt and dnf cannot use', async () => {
    const { privateKey } = await openpgp.generateKey({
      type: 'curve25519',
      userIDs: [{ name: 'V6', email: 'v6@example.org' }],
      config: { v6Keys: true },
      format: 'armored',
    });
    await expectInvalid(Signer.fromArmored(privateKey), /v6 keys are not accepted/);
  });
});
