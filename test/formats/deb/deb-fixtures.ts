/**
 * Fixture builders shared by the deb and apt format tests: real packages built with `dpkg-deb --build`,
 * hand-assembled ar/tar archives for malformed inputs, and real Debian packages fetched with apt-get.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, linkSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import tarStream from 'tar-stream';
import type { BlobFacts } from '../../../src/formats/types.js';

export type Z = 'gzip' | 'xz' | 'zstd' | 'none';

const created: string[] = [];

export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `packyard-${prefix}-`));
  created.push(dir);
  return dir;
}

/** For `afterAll`: removes every directory `tempDir` made in this test file. */
export function removeTempDirs(): void {
  for (const dir of created.splice(0)) rmSync(dir, { recursive: true, force: true });
}

export interface TreeEntry {
  path: string;
  content?: string;
  mode?: number;
  symlink?: string;
  hardlink?: string;
}

/** Builds a .deb with dpkg-deb from a control text and a file tree; returns its path. */
export function buildDeb(dir: string, name: string, control: string, tree: TreeEntry[], z: Z = 'xz'): string {
  const root = join(dir, `${name}.root`);
  mkdirSync(join(root, 'DEBIAN'), { recursive: true });
  writeFileSync(join(root, 'DEBIAN', 'control'), control);
  for (const e of tree) {
    const p = join(root, e.path);
    mkdirSync(dirname(p), { recursive: true });
    if (e.symlink) symlinkSync(e.symlink, p);
    else if (e.hardlink) linkSync(join(root, e.hardlink), p);
    else if (e.content === undefined) mkdirSync(p, { recursive: true });
    else {
      writeFileSync(p, e.content);
      if (e.mode !== undefined) chmodSync(p, e.mode);
    }
  }
  const out = join(dir, `${name}.deb`);
  execFileSync('dpkg-deb', [`-Z${z}`, '--root-owner-group', '--build', root, out], { stdio: 'pipe' });
  return out;
}

export const sampleControl = (pkg = 'sample', version = '1:2.3-4', arch = 'amd64') => `Package: ${pkg}
Source: sample-src (2.3-1)
Version: ${version}
Architecture: ${arch}
Maintainer: Packyard Tests <tests@example.org>
Installed-Size: 12
Pre-Depends: libc6 (>= 2.36)
Depends: libfoo1 (>= 1.0), bar | baz
Conflicts: oldsample (<< 1.0)
Breaks: other (<< 2)
Provides: sample-virtual
Multi-Arch: same
Section: utils
Priority: optional
Homepage: https://example.org/sample
Description: a sample package for tests
 This is the long description.
 .
 It has several paragraphs and an indented
   verbatim line.
`;

export const sampleTree: TreeEntry[] = [
  { path: 'usr/bin/sample', content: '#!/bin/sh\necho sample\n', mode: 0o755 },
  { path: 'usr/bin/sample-link', symlink: 'sample' },
  { path: 'usr/bin/sample-hard', hardlink: 'usr/bin/sample' },
  { path: 'usr/share/doc/sample/README', content: 'read me\n', mode: 0o644 },
  { path: 'usr/share/sample/with space.txt', content: 'x', mode: 0o644 },
  { path: 'etc/sample/empty.d' },
];

export interface ArInput {
  name: string;
  data: Uint8Array;
}

/** Assembles a common-format ar archive (deb(5)) byte for byte, padding odd members with "\n". */
export function arPack(members: ArInput[]): Buffer {
  const parts: Buffer[] = [Buffer.from('!<arch>\n')];
  for (const m of members) {
    const fields = [m.name.padEnd(16), '0'.padEnd(12), '0'.padEnd(6), '0'.padEnd(6), '100644'.padEnd(8), String(m.data.length).padEnd(10)];
    const header = `${fields.join('')}\`\n`;
    parts.push(Buffer.from(header, 'latin1'), Buffer.from(m.data));
    if (m.data.length % 2 === 1) parts.push(Buffer.from('\n'));
  }
  return Buffer.concat(parts);
}

/** Splits an ar archive into its members (test-side reference reader). */
export function arUnpack(buf: Buffer): ArInput[] {
  const out: ArInput[] = [];
  let off = 8;
  while (off + 60 <= buf.length) {
    const name = buf.toString('latin1', off, off + 16).trim().replace(/\/$/, '');
    const size = Number(buf.toString('latin1', off + 48, off + 58).trim());
    out.push({ name, data: buf.subarray(off + 60, off + 60 + size) });
    off += 60 + size + (size % 2);
  }
  return out;
}

export interface TarInput {
  name: string;
  content?: string | Uint8Array;
  type?: 'file' | 'directory' | 'symlink' | 'link';
  linkname?: string;
  size?: number;
}

/** Builds a tar archive in memory with tar-stream (for member names dpkg-deb would never write). */
export async function tarPack(entries: TarInput[]): Promise<Buffer> {
  const pack = tarStream.pack();
  const chunks: Buffer[] = [];
  const done = (async () => {
    for await (const c of pack) chunks.push(c as Buffer);
  })();
  for (const e of entries) {
    const body = e.content === undefined ? undefined : typeof e.content === 'string' ? Buffer.from(e.content) : Buffer.from(e.content);
    await new Promise<void>((resolve, reject) => {
      const cb = (err?: Error | null) => (err ? reject(err) : resolve());
      const header = { name: e.name, type: e.type ?? 'file', linkname: e.linkname, mode: 0o644, mtime: new Date(0) };
      if (body) pack.entry(header, body, cb);
      else pack.entry({ ...header, size: e.size ?? 0 }, cb).end(null);
    });
  }
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}

export function compress(z: Z, data: Uint8Array, extraArgs: string[] = []): Buffer {
  switch (z) {
    case 'none':
      return Buffer.from(data);
    case 'gzip':
      return gzipSync(data);
    case 'xz':
      return execFileSync('xz', ['-c', ...extraArgs], { input: data, maxBuffer: 1 << 30 });
    case 'zstd':
      return execFileSync('zstd', ['-q', '-c', ...extraArgs], { input: data, maxBuffer: 1 << 30 });
  }
}

export const suffix = (z: Z) => ({ none: '', gzip: '.gz', xz: '.xz', zstd: '.zst' })[z];

/** A minimal .deb assembled by hand from a control text and data.tar entries. */
export async function handDeb(opts: {
  control?: string;
  controlEntries?: TarInput[];
  dataEntries?: TarInput[];
  controlZ?: Z;
  dataZ?: Z;
  debianBinary?: string;
}): Promise<Buffer> {
  const controlZ = opts.controlZ ?? 'gzip';
  const dataZ = opts.dataZ ?? 'gzip';
  const controlTar = await tarPack(opts.controlEntries ?? [{ name: './control', content: opts.control ?? sampleControl() }]);
  const dataTar = await tarPack(opts.dataEntries ?? [{ name: './usr/bin/x', content: 'x' }]);
  return arPack([
    { name: 'debian-binary', data: Buffer.from(opts.debianBinary ?? '2.0\n') },
    { name: `control.tar${suffix(controlZ)}`, data: compress(controlZ, controlTar) },
    { name: `data.tar${suffix(dataZ)}`, data: compress(dataZ, dataTar) },
  ]);
}

export function blobFacts(buf: Uint8Array): BlobFacts {
  const h = (alg: string) => createHash(alg).update(buf).digest('hex');
  return { size: buf.length, md5: h('md5'), sha1: h('sha1'), sha256: h('sha256') };
}

/**
 * Fetches real Debian packages with `apt-get download`. Returns null when that is impossible (offline
 * developer machine); in CI a failure is an error, so the conformance tests can never silently vanish.
 */
export function downloadDebs(dir: string, names: string[]): string[] | null {
  try {
    execFileSync('apt-get', ['download', ...names], { cwd: dir, stdio: 'pipe', timeout: 300_000 });
  } catch (err) {
    if (process.env.CI === 'true') throw err;
    process.stderr.write(`skipping real-package tests: apt-get download failed: ${(err as Error).message}\n`);
    return null;
  }
  return readdirSync(dir)
    .filter((f) => f.endsWith('.deb'))
    .sort()
    .map((f) => join(dir, f));
}

export const read = (path: string) => readFileSync(path);

export interface ListedEntry {
  type: 'dir' | 'file' | 'symlink' | 'other';
  path: string;
  /** Regular files' size; hard links list 0 in the tar, so the parser's (target) size is checked apart. */
  size: number;
  mode: number;
  hardlink: boolean;
}

/** Permission bits from an `ls -l` style string such as "rwsr-xr-x". */
function parsePerms(p: string): number {
  let mode = 0;
  for (let i = 0; i < 9; i++) {
    const c = p[i];
    const isExec = i % 3 === 2;
    if (isExec ? 'xst'.includes(c) : c !== '-') mode |= 1 << (8 - i);
  }
  if ('sS'.includes(p[2])) mode |= 0o4000;
  if ('sS'.includes(p[5])) mode |= 0o2000;
  if ('tT'.includes(p[8])) mode |= 0o1000;
  return mode;
}

/** `dpkg-deb -c` as FileEntry-like records: the reference listing the parser is compared with. */
export function dpkgContents(deb: string): ListedEntry[] {
  const text = execFileSync('dpkg-deb', ['-c', deb], { encoding: 'utf8', maxBuffer: 1 << 28 });
  return text
    .trimEnd()
    .split('\n')
    .map((line) => {
      const m = /^(\S)(\S{9}) \S+\s+(\d+) \S+ \S+ (.*?)(?: -> .*| link to .*)?$/.exec(line);
      if (!m) throw new Error(`unexpected dpkg-deb -c line: ${line}`);
      const type = ({ d: 'dir', '-': 'file', l: 'symlink', h: 'file' } as const)[m[1] as 'd'] ?? 'other';
      const path = `/${m[4].replace(/^\.\//, '').replace(/\/$/, '')}`.replace(/^\/\.$/, '/');
      return { type, path, size: m[1] === '-' ? Number(m[3]) : 0, mode: parsePerms(m[2]), hardlink: m[1] === 'h' };
    });
}
