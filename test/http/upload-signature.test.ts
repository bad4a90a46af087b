import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDeb } from '../helpers/build-packages.js';
import { multipart, startTestServer, type TestServer } from '../helpers/app.js';
import { skipWithout } from '../helpers/tools.js';
import { buildTestRpms, type BuiltRpms } from '../formats/rpm/rpm-builders.js';

const exec = promisify(execFile);

async function upload(srv: TestServer, distribution: string, filename: string, content: Buffer, signature?: Buffer | string) {
  const body = multipart({ distribution, ...(typeof signature === 'string' ? { signature } : {}) }, { filename, content });
  let payload = body.payload;
  if (signature instanceof Buffer) {
    // A second file part, as `curl -F signature=@pkg.deb.sig` sends it.
    const boundary = body.headers['content-type'].split('boundary=')[1];
    const part = Buffer.concat([Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="signature"; filename="pkg.sig"\r\nContent-Type: application/pgp-signature\r\n\r\n`), signature, Buffer.from('\r\n')]);
    payload = Buffer.concat([part, payload]);
  }
  return srv.app.inject({ method: 'POST', url: '/upload/', payload, headers: { ...body.headers, authorization: `Bearer ${await srv.token()}` } });
}

describe.skipIf(skipWithout(['gpg', 'rpmsign', 'rpmbuild', 'dpkg-deb']))('upload signature verification', () => {
  let rpms: BuiltRpms;
  let strict: TestServer;
  let lenient: TestServer;
  let gnupg: string;
  const deb = buildDeb({ name: 'signedpkg', version: '1.0' });
  let debSig: Buffer;
  let debSigArmored: string;

  beforeAll(async () => {
    rpms = await buildTestRpms();
    gnupg = path.join(rpms.dir, 'gnupg');
    const env = { ...process.env, GNUPGHOME: gnupg };
    const rsaOnly = path.join(rpms.dir, 'keys-rsa');
    const both = path.join(rpms.dir, 'keys-both');
    mkdirSync(rsaOnly);
    mkdirSync(both);
    const rsa = (await exec('gpg', ['--batch', '--armor', '--export', 'rsa@example.com'], { env })).stdout;
    const ed = await exec('gpg', ['--batch', '--export', 'eddsa@example.com'], { env, encoding: 'buffer' });
    writeFileSync(path.join(rsaOnly, 'rsa.asc'), rsa);
    writeFileSync(path.join(both, 'rsa.asc'), rsa);
    writeFileSync(path.join(both, 'eddsa.gpg'), ed.stdout);
    const debFile = path.join(rpms.dir, 'signedpkg.deb');
    writeFileSync(debFile, deb);
    const sign = ['--batch', '--yes', '--pinentry-mode', 'loopback', '--passphrase', '', '--local-user', 'rsa@example.com'];
    await exec('gpg', [...sign, '--detach-sign', '--output', `${debFile}.sig`, debFile], { env });
    await exec('gpg', [...sign, '--armor', '--detach-sign', '--output', `${debFile}.asc`, debFile], { env });
    await exec('gpgconf', ['--kill', 'all'], { env }).catch(() => undefined);
    debSig = readFileSync(`${debFile}.sig`);
    debSigArmored = readFileSync(`${debFile}.asc`, 'utf8');
    strict = await startTestServer({ SIGNATURE_POLICY: 'required', TRUSTED_KEYS_DIR: rsaOnly });
    lenient = await startTestServer({ SIGNATURE_POLICY: 'optional', TRUSTED_KEYS_DIR: both });
  }, 180_000);
  afterAll(async () => {
    await strict?.close();
    await lenient?.close();
  });

  const file = (key: string) => readFileSync(rpms.files[key]);

  it('accepts an rpm signed (RSA) by a trusted key under "required"', async () => {
    const res = await upload(strict, 'almalinux9', 'signed-rsa.rpm', file('signed-rsa'));
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ status: 'accepted' });
    expect(res.json().warnings).toEqual([]);
  });

  it('rejects under "required" an unsigned rpm and one signed by an untrusted key', async () => {
    const unsigned = await upload(strict, 'rocky9', 'payload.rpm', file('payload-gzip'));
    expect(unsigned.statusCode).toBe(422);
    expect(unsigned.json()).toMatchObject({ code: 'SIGNATURE_REQUIRED', status: 'rejected', signature_status: 'unsigned' });
    const untrusted = await upload(strict, 'rocky9', 'signed-eddsa.rpm', file('signed-eddsa'));
    expect(untrusted.statusCode).toBe(422);
    expect(untrusted.json()).toMatchObject({ code: 'SIGNATURE_INVALID', signature_status: 'untrusted', key_id: rpms.keys.eddsa!.slice(-16) });
  });

  it('accepts an Ed25519-signed rpm when its key is trusted, and warns for an unsigned one under "optional"', async () => {
    const ed = await upload(lenient, 'almalinux9', 'signed-eddsa.rpm', file('signed-eddsa'));
    expect(ed.statusCode).toBe(200);
    expect(ed.json().warnings).toEqual([]);
    const unsigned = await upload(lenient, 'rocky9', 'payload.rpm', file('payload-gzip'));
    expect(unsigned.statusCode).toBe(200);
    expect(unsigned.json().warnings).toEqual(['payload.rpm is not signed']);
  });

  it('rejects a signed rpm whose header was altered, under either policy', async () => {
    const bytes = file('signed-rsa');
    const at = bytes.indexOf('Payload compression test.');
    expect(at).toBeGreaterThan(0);
    bytes[at] = 'p'.charCodeAt(0);
    for (const [srv, dist] of [[strict, 'rocky8'], [lenient, 'rocky8']] as const) {
      const res = await upload(srv, dist, 'tampered.rpm', bytes);
      expect(res.statusCode).toBe(422);
      expect(res.json()).toMatchObject({ code: 'SIGNATURE_INVALID', signature_status: 'bad' });
    }
    const rows = await strict.container.db.selectFrom('audit_events').selectAll().where('result', '=', 'BLOCKED').execute();
    expect(rows.map((r) => JSON.parse(r.detail).code)).toContain('SIGNATURE_INVALID');
  });

  it('verifies a .deb against its detached signature, binary or armored', async () => {
    const bin = await upload(strict, 'jammy', 'signedpkg.deb', deb, debSig);
    expect(bin.statusCode).toBe(200);
    expect(bin.json()).toMatchObject({ status: 'accepted' });
    const armored = await upload(strict, 'noble', 'signedpkg.deb', deb, debSigArmored);
    expect(armored.statusCode).toBe(200);
    expect(armored.json().warnings).toEqual([]);
  });

  it('rejects a .deb without signature under "required" and with a signature of other bytes under either policy', async () => {
    const other = buildDeb({ name: 'signedpkg2', version: '1.0' });
    const none = await upload(strict, 'bookworm', 'signedpkg2.deb', other);
    expect(none.json()).toMatchObject({ code: 'SIGNATURE_REQUIRED' });
    const wrong = await upload(lenient, 'bookworm', 'signedpkg2.deb', other, debSig);
    expect(wrong.statusCode).toBe(422);
    expect(wrong.json()).toMatchObject({ code: 'SIGNATURE_INVALID', signature_status: 'bad' });
    const garbage = await upload(lenient, 'bookworm', 'signedpkg2.deb', other, 'not a signature');
    expect(garbage.json()).toMatchObject({ code: 'SIGNATURE_INVALID', signature_status: 'bad' });
    const unsignedOk = await upload(lenient, 'trixie', 'signedpkg2.deb', other);
    expect(unsignedOk.json()).toMatchObject({ status: 'accepted', warnings: ['signedpkg2.deb is not signed'] });
  });
});
