import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { synthDeb } from '../../bench/synth.js';
import { auditRows } from '../helpers/accounts.js';
import { type FormPart, multipartParts, startTestServer, type TestServer } from '../helpers/app.js';
import { debEntries, tokenFor } from '../helpers/roles.js';

const RPM = readFileSync(path.resolve(import.meta.dirname, '../../../shared/fixtures/rpm/bear-4.1-1.noarch.rpm'));

/** The same package (name, version, arch, contents) in other bytes: only the ar member's mtime differs. */
function otherBytes(deb: Buffer): Buffer {
  const copy = Buffer.from(deb);
  const at = copy.indexOf('1700000000', 8);
  copy.write('1700000001', at);
  return copy;
}

const file = (filename: string, content: Buffer): FormPart => ({ name: 'file', filename, content });
const debFile = (name: string, version = '1.0') => file(`${name}_${version}_amd64.deb`, synthDeb(name, version));

describe('POST /upload/batch', () => {
  let srv: TestServer;
  const post = async (url: string, parts: FormPart[], authorization?: string | null) => {
    const body = multipartParts(parts);
    const auth = authorization === null ? {} : { authorization: authorization ?? `Bearer ${await srv.token()}` };
    return srv.app.inject({ method: 'POST', url, payload: body.payload, headers: { ...body.headers, ...auth } });
  };
  const packages = async () => debEntries((await srv.app.inject({ url: '/repos/dists/jammy/main/binary-amd64/Packages' })).body);
  const head = async () => (await srv.container.stores.repositories.getByName('jammy'))!.headSnapshot;

  beforeAll(async () => {
    srv = await startTestServer({ MAX_UPLOAD_MB: '1' });
  });
  afterAll(async () => srv?.close());

  it('imports 20 debs of one request in grouped commits (fewer snapshots than files) and publishes them all', async () => {
    const before = await head();
    const audited = (await auditRows(srv, 'UPLOAD')).length;
    const names = Array.from({ length: 20 }, (_, i) => `bulk${String(i).padStart(2, '0')}`);
    const res = await post('/upload/batch?distribution=jammy', names.map((n) => debFile(n)));
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ distribution: 'jammy', total: 20, accepted: 20, already_imported: 0, pending_review: 0, rejected: 0, failed: 0 });
    expect(body.results.map((r: { filename: string }) => r.filename)).toEqual(names.map((n) => `${n}_1.0_amd64.deb`));
    for (const [i, r] of body.results.entries()) {
      expect(r).toMatchObject({ status: 'accepted', format: 'deb', package: names[i], version: '1.0', arch: 'amd64', distribution: 'jammy' });
      expect(r.sha256).toMatch(/^[0-9a-f]{64}$/);
      expect(r.error).toBeUndefined();
    }
    // Imports overlap, so the group commit takes them together; the first one to arrive finds the committer
    // idle and is committed on its own, so "one snapshot per request" is not what it promises.
    const numbers = [...new Set<number>(body.results.map((r: { snapshot: number }) => r.snapshot))].sort((a, b) => a - b);
    expect(numbers.length).toBeLessThan(names.length);
    expect(numbers).toEqual(Array.from({ length: numbers.length }, (_, i) => before + 1 + i));
    expect(await head()).toBe(before + numbers.length);
    const jammy = (await srv.container.stores.repositories.getByName('jammy'))!;
    const created = await srv.container.db.selectFrom('snapshots').select('number').where('repository_id', '=', jammy.id).where('number', '>', before).execute();
    expect(created.map((r) => r.number).sort((a, b) => a - b)).toEqual(numbers);
    expect(await packages()).toEqual(expect.arrayContaining(names.map((n) => `${n} 1.0 amd64`)));
    expect((await auditRows(srv, 'UPLOAD')).length - audited).toBe(20);
  });

  it('answers each file of a mixed request on its own and publishes the good one', async () => {
    const known = synthDeb('mixknown', '1.0');
    const clash = synthDeb('mixclash', '2.0');
    const first = await post('/upload/batch?distribution=jammy', [file('mixknown.deb', known), file('mixclash.deb', clash)]);
    expect(first.json()).toMatchObject({ accepted: 2, failed: 0 });

    const res = await post('/upload/batch', [
      { name: 'distribution', value: 'jammy' },
      debFile('mixgood'),
      file('mixknown.deb', known),
      file('x.deb', Buffer.from('this is not an ar archive')),
      file('bear-4.1-1.noarch.rpm', RPM),
      file('mixclash.deb', otherBytes(clash)),
    ]);
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ distribution: 'jammy', total: 5, accepted: 1, already_imported: 1, pending_review: 0, rejected: 0, failed: 3 });
    const [good, dup, corrupt, rpm, conflict] = body.results;
    expect(good).toMatchObject({ status: 'accepted', filename: 'mixgood_1.0_amd64.deb', package: 'mixgood' });
    expect(dup).toMatchObject({ status: 'already_imported', filename: 'mixknown.deb', package: 'mixknown', sha256: first.json().results[0].sha256 });
    expect(corrupt).toEqual({ filename: 'x.deb', status: 'failed', error: { code: expect.stringMatching(/^FORMAT_/), message: expect.any(String) } });
    expect(rpm).toMatchObject({ filename: 'bear-4.1-1.noarch.rpm', status: 'failed', error: { code: 'FORMAT_MISMATCH' } });
    expect(conflict).toMatchObject({ filename: 'mixclash.deb', status: 'failed', error: { code: 'DUPLICATE_CONFLICT' } });
    const listed = await packages();
    expect(listed).toContain('mixgood 1.0 amd64');
    expect(listed.filter((e) => e.startsWith('mixclash '))).toEqual(['mixclash 2.0 amd64']);
  });

  it('fails a file over the size limit or of an unknown type alone and reads on past it', async () => {
    const res = await post('/upload/batch?distribution=jammy', [
      file('huge.deb', Buffer.alloc(1024 * 1024 + 4096, 7)),
      file('notes.txt', Buffer.from('hello')),
      debFile('aftersize'),
    ]);
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ total: 3, accepted: 1, failed: 2 });
    expect(body.results.map((r: { status: string; error?: { code: string } }) => r.error?.code ?? r.status)).toEqual(['UPLOAD_TOO_LARGE', 'UNSUPPORTED_FILE_TYPE', 'accepted']);
    expect(await packages()).toContain('aftersize 1.0 amd64');
    // The oversized file spilled to a staging file on disk; nothing of it is left behind.
    expect(readdirSync(path.join(srv.dataDir, 'blobs', 'tmp'))).toEqual([]);
  });

  it('lets the imports already started settle when the body breaks off in a later file', async () => {
    const body = multipartParts([debFile('cutfirst'), debFile('cutsecond'), file('cutthird.deb', Buffer.alloc(1000 * 1024, 1))]);
    const payload = body.payload.subarray(0, body.payload.length - 300 * 1024);
    const res = await srv.app.inject({ method: 'POST', url: '/upload/batch?distribution=jammy', payload, headers: { ...body.headers, authorization: `Bearer ${await srv.token()}` } });
    expect(res.statusCode).toBeGreaterThanOrEqual(400);
    expect(await packages()).toEqual(expect.arrayContaining(['cutfirst 1.0 amd64', 'cutsecond 1.0 amd64']));
    expect(readdirSync(path.join(srv.dataDir, 'blobs', 'tmp'))).toEqual([]);
  });

  it('refuses requests without a usable distribution or without files with 400', async () => {
    const missing = await post('/upload/batch', [debFile('nodist')]);
    expect(missing.statusCode).toBe(400);
    expect(missing.json()).toMatchObject({ code: 'VALIDATION_FAILED', message: expect.stringMatching(/distribution.*before.*query string/) });

    const late = await post('/upload/batch', [debFile('latedist'), { name: 'distribution', value: 'jammy' }]);
    expect(late.statusCode).toBe(400);
    expect(late.json().code).toBe('VALIDATION_FAILED');

    const unknownQuery = await post('/upload/batch?distribution=sid-does-not-exist', [debFile('nowhere')]);
    expect(unknownQuery.statusCode).toBe(400);
    expect(unknownQuery.json().code).toBe('UNKNOWN_DISTRIBUTION');
    const unknownField = await post('/upload/batch', [{ name: 'distribution', value: 'sid-does-not-exist' }, debFile('nowhere')]);
    expect(unknownField.statusCode).toBe(400);
    expect(unknownField.json().code).toBe('UNKNOWN_DISTRIBUTION');

    const twoDists = await post('/upload/batch?distribution=jammy', [{ name: 'distribution', value: 'noble' }, debFile('twodists')]);
    expect(twoDists.statusCode).toBe(400);
    expect(twoDists.json().code).toBe('VALIDATION_FAILED');

    const none = await post('/upload/batch?distribution=jammy', [{ name: 'distribution', value: 'jammy' }]);
    expect(none.statusCode).toBe(400);
    expect(none.json()).toMatchObject({ code: 'VALIDATION_FAILED', message: expect.stringMatching(/no files/) });

    const wrongField = await post('/upload/batch?distribution=jammy', [{ name: 'package', filename: 'wrongfield.deb', content: synthDeb('wrongfield', '1.0') }]);
    expect(wrongField.statusCode).toBe(400);
    expect(wrongField.json().code).toBe('VALIDATION_FAILED');

    const notMultipart = await srv.app.inject({ method: 'POST', url: '/upload/batch?distribution=jammy', headers: { authorization: `Bearer ${await srv.token()}` }, payload: { file: 'x' } });
    expect(notMultipart.statusCode).toBe(400);

    expect(await packages()).not.toEqual(expect.arrayContaining([expect.stringMatching(/^(nodist|latedist|nowhere|twodists|wrongfield) /)]));
  });

  it('refuses more files than one request may carry with 413', async () => {
    const parts = Array.from({ length: 1001 }, (_, i) => file(`n${i}.txt`, Buffer.from('x')));
    const res = await post('/upload/batch?distribution=jammy', parts);
    expect(res.statusCode).toBe(413);
    expect(res.json()).toMatchObject({ code: 'UPLOAD_TOO_LARGE', message: expect.stringMatching(/at most 1000 files/) });
  });

  it('needs a token with package:upload: 401 without one, 403 for a reader', async () => {
    const anonymous = await post('/upload/batch?distribution=jammy', [debFile('anon')], null);
    expect(anonymous.statusCode).toBe(401);
    const reader = await post('/upload/batch?distribution=jammy', [debFile('byreader')], `Bearer ${await tokenFor(srv, 'reader')}`);
    expect(reader.statusCode).toBe(403);
    expect(reader.json().code).toBe('FORBIDDEN');
    const uploader = await post('/upload/batch?distribution=jammy', [debFile('byuploader')], `Bearer ${await tokenFor(srv, 'uploader')}`);
    expect(uploader.statusCode).toBe(200);
    expect(uploader.json()).toMatchObject({ accepted: 1 });
    const listed = await packages();
    expect(listed).toContain('byuploader 1.0 amd64');
    expect(listed.some((e) => e.startsWith('anon ') || e.startsWith('byreader '))).toBe(false);
  });

  it('counts each file of a batch in repod_uploads_total, a failed file as an error', async () => {
    const uploads = async () => {
      const text = (await srv.app.inject({ url: '/metrics' })).body;
      const count = (status: string) => Number(new RegExp(`^repod_uploads_total\\{status="${status}"\\} (\\d+)$`, 'm').exec(text)?.[1] ?? 0);
      return { accepted: count('accepted'), already_imported: count('already_imported'), error: count('error') };
    };
    const before = await uploads();
    const known = debFile('metered');
    await post('/upload/batch?distribution=jammy', [known, debFile('metered2'), file('junk.deb', Buffer.from('junk'))]);
    await post('/upload/batch?distribution=jammy', [known]);
    const after = await uploads();
    expect({ accepted: after.accepted - before.accepted, already_imported: after.already_imported - before.already_imported, error: after.error - before.error }).toEqual({
      accepted: 2,
      already_imported: 1,
      error: 1,
    });
  });

  it('is served under /api/v1 as well', async () => {
    const res = await post('/api/v1/upload/batch', [{ name: 'distribution', value: 'jammy' }, debFile('v1one'), debFile('v1two')]);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ distribution: 'jammy', total: 2, accepted: 2 });
    expect(await packages()).toEqual(expect.arrayContaining(['v1one 1.0 amd64', 'v1two 1.0 amd64']));
  });
});
