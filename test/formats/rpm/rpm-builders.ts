/**
 * Test support for the rpm parser and the rpm-md renderers: real packages built with rpmbuild (and signed with
 * rpmsign when gpg is present) to cover what the zoo fixtures lack, and synthetic packages assembled byte by
 * byte for structures rpmbuild no longer writes (OLDFILENAMES, legacy weak deps) and for malformed input.
 */
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { hasTool } from '../../helpers/tools.js';

const exec = promisify(execFile);

export const FIXTURE_DIR = path.resolve(import.meta.dirname, '../../../../shared/fixtures/rpm');

export function fixtureFiles(): string[] {
  return readdirSync(FIXTURE_DIR).filter((f) => f.endsWith('.rpm')).sort().map((f) => path.join(FIXTURE_DIR, f));
}

/**
 * Everything a repository may meet: epoch, every dependency kind, scriptlet prerequisites, primary files, ghost
 * files and directories, and twelve changelog entries (three on one day, one author with trailing spaces).
 */
const KITCHEN = `Name: kitchen
Epoch: 3
Version: 1.2.3
Release: 4.el9
Summary: Kitchen sink <test> & "quotes" 'apos'
License: MIT and (GPLv2+ or BSD)
Vendor: Packyard Test & Co
Group: Development/Tools
URL: https://example.com/kitchen?a=1&b=2
Packager: Tester <tester@example.com>
BuildArch: noarch
Provides: kitchen-api = 2.0
Provides: selfdep = 1.0-1
Requires: selfdep = 1.0-1
Requires: selfdep >= 0.5
Requires: /etc/kitchen.conf
Requires: /usr/share/kitchen/data.txt
Requires: /bin/sh
Requires(pre): shadow-utils
Requires(post): coreutils
Requires(preun): grep
Requires(postun): sed
Requires: coreutils
Requires: baz >= 2:1.0-3
Requires: qux < 5
Requires: quux <= 1.0
Requires: corge > 0.1-
Requires: libc.so.6()(64bit)
Requires: libc.so.6(GLIBC_2.2.5)(64bit)
Requires: libc.so.6(GLIBC_2.14)(64bit)
Requires: libc.so.6(GLIBC_2.3)(64bit)
Conflicts: oldkitchen < 1.0
Obsoletes: ancientkitchen <= 0.9-1
Recommends: spoon >= 1.0
Recommends: fork
Suggests: knife
Suggests: cookbook(en) = 2.1
Supplements: (kitchen-lang and langpacks-de)
Enhances: dining-room > 3
%description
A kitchen sink package.
Line two with <markup> & entities.

  Indented line.
%install
mkdir -p %{buildroot}/etc/kitchen.d %{buildroot}/usr/bin %{buildroot}/usr/share/kitchen %{buildroot}/usr/lib %{buildroot}/opt/kitchen/sbin %{buildroot}/var/lib/kitchen
echo conf > %{buildroot}/etc/kitchen.conf
echo sub > %{buildroot}/etc/kitchen.d/a.conf
printf '#!/bin/sh\\necho hi\\n' > %{buildroot}/usr/bin/kitchen
chmod 755 %{buildroot}/usr/bin/kitchen
echo data > %{buildroot}/usr/share/kitchen/data.txt
echo mail > %{buildroot}/usr/lib/sendmail
echo tool > %{buildroot}/opt/kitchen/sbin/tool
ln -s ../share/kitchen/data.txt %{buildroot}/usr/bin/kitchen-data
%pre
exit 0
%post
exit 0
%files
%config(noreplace) /etc/kitchen.conf
%dir /etc/kitchen.d
/etc/kitchen.d/a.conf
/usr/bin/kitchen
/usr/bin/kitchen-data
%dir /usr/share/kitchen
%doc /usr/share/kitchen/data.txt
/usr/lib/sendmail
/opt/kitchen
%dir /var/lib/kitchen
%ghost /var/lib/kitchen/state.db
%ghost %dir /var/lib/kitchen/ghostdir
%changelog
* Wed Jan 10 2024 Alice <alice@example.com> - 3:1.2.3-4
- Twelfth entry
* Wed Jan 10 2024 Bob <bob@example.com> - 1.2.3-3
- Same day as the previous entry
* Wed Jan 10 2024 Carol <carol@example.com> - 1.2.3-2
- Same day again
* Tue Jan 09 2024 Dave <dave@example.com>   
- trailing spaces in author
* Mon Jan 08 2024 Eve <eve@example.com> - 1.0-9
- entry 8 with <xml> & stuff
* Sun Jan 07 2024 Eve <eve@example.com> - 1.0-8
- entry 7
* Sat Jan 06 2024 Eve <eve@example.com> - 1.0-7
- entry 6
* Fri Jan 05 2024 Eve <eve@example.com> - 1.0-6
- entry 5
* Thu Jan 04 2024 Eve <eve@example.com> - 1.0-5
- entry 4
* Wed Jan 03 2024 Eve <eve@example.com> - 1.0-4
- entry 3
* Tue Jan 02 2024 Eve <eve@example.com> - 1.0-3
- entry 2
* Mon Jan 01 2024 Eve <eve@example.com> - 1.0-1
- first entry
`;

/** UTF-8 text, characters XML escapes differently in text and attributes, and a Latin-1 changelog. */
const INTL = Buffer.concat([
  Buffer.from(`Name: intl
Epoch: 0
Version: 2.0~rc1^git5
Release: 1
Summary: Café ☕ summary with tab\there
License: MIT
URL: https://example.com/
Provides: bundled(a&b) = 1.0
Provides: perl(A::B) = 2:3.0
Requires: /usr/bin/intl
%description
Déscription UTF-8 — with "quotes" and tab\tx
%{lua: print("carriage\\rreturn")}
%install
mkdir -p %{buildroot}/usr/bin %{buildroot}/usr/share/intl
echo x > %{buildroot}/usr/bin/intl
echo y > "%{buildroot}/usr/share/intl/naïve & <odd> file.txt"
%files
/usr/bin/intl
/usr/share/intl
%changelog
`),
  // Latin-1 é and ï plus Windows-1252 quotes (0x93/0x94), which createrepo_c and we both drop.
  Buffer.from('* Mon Jan 01 2024 J\xf6rg M\xfcller <jm@example.com> - 1\n- Latin-1 text: caf\xe9 na\xefve \x93quoted\x94\n', 'latin1'),
]);

const tiny = (name: string) => `Name: ${name}
Version: 1.0
Release: 1
Summary: payload test ${name}
License: MIT
BuildArch: noarch
%description
Payload compression test.
%install
mkdir -p %{buildroot}/usr/share/${name}
seq 1 2000 > %{buildroot}/usr/share/${name}/numbers
%files
/usr/share/${name}
`;

export interface BuiltRpms {
  dir: string;
  /** name → absolute path of each built binary package, plus "kitchen-src" for the source package. */
  files: Record<string, string>;
  /** Key ids of the signed copies, when gpg and rpmsign are available. */
  keys: { rsa?: string; eddsa?: string };
}

/** Builds one spec in its own topdir: parallel rpmbuilds sharing one race on creating BUILD/. */
async function rpmbuild(top: string, spec: string, text: string | Buffer, args: string[]): Promise<void> {
  const own = path.join(top, 'build', spec);
  mkdirSync(own, { recursive: true });
  const specFile = path.join(own, `${spec}.spec`);
  writeFileSync(specFile, text);
  await exec('rpmbuild', ['--define', `_topdir ${own}`, '--define', '_build_id_links none', '--define', '_invalid_encoding_terminates_build 0', ...args, specFile]);
}

/** Builds every test package into a fresh directory (a few seconds; run once per test file). */
export async function buildTestRpms(): Promise<BuiltRpms> {
  const top = mkdtempSync(path.join(os.tmpdir(), 'packyard-rpmtest-'));
  const payloads = { gzip: 'w9.gzdio', xz: 'w9.xzdio', zstd: 'w19.zstdio', bzip2: 'w9.bzdio' };
  await Promise.all([
    rpmbuild(top, 'kitchen', KITCHEN, ['-ba']),
    rpmbuild(top, 'intl', INTL, ['--target', 'x86_64', '--define', '_binary_payload w19.zstdio', '-bb']),
    ...Object.entries(payloads).map(([c, io]) => rpmbuild(top, `payload-${c}`, tiny(`payload-${c}`), ['--define', `_binary_payload ${io}`, '-bb'])),
  ]);
  const files: Record<string, string> = {};
  for (const spec of readdirSync(path.join(top, 'build'))) {
    for (const sub of ['RPMS/noarch', 'RPMS/x86_64', 'SRPMS']) {
      const dir = path.join(top, 'build', spec, sub);
      if (!existsSync(dir)) continue;
      for (const f of readdirSync(dir)) {
        const key = sub === 'SRPMS' ? 'kitchen-src' : f.replace(/-\d.*$/, '');
        files[key] = path.join(dir, f);
      }
    }
  }
  const keys = hasTool('gpg') && hasTool('rpmsign') ? await signCopies(top, files) : {};
  return { dir: top, files, keys };
}

/** Signs copies of one package with a fresh RSA and a fresh Ed25519 key in a throwaway GNUPGHOME. */
async function signCopies(top: string, files: Record<string, string>): Promise<BuiltRpms['keys']> {
  const home = path.join(top, 'gnupg');
  mkdirSync(home, { mode: 0o700 });
  const env = { ...process.env, GNUPGHOME: home };
  const keys: BuiltRpms['keys'] = {};
  const gpgPath = (await exec('sh', ['-c', 'command -v gpg'])).stdout.trim();
  try {
    for (const [kind, algo] of [['rsa', 'rsa2048'], ['eddsa', 'ed25519']] as const) {
      const uid = `${kind}@example.com`;
      await exec('gpg', ['--batch', '--passphrase', '', '--quick-gen-key', uid, algo, 'sign', 'never'], { env });
      const { stdout } = await exec('gpg', ['--batch', '--with-colons', '--list-keys', uid], { env });
      keys[kind] = stdout.split('\n').find((l) => l.startsWith('pub:'))?.split(':')[4]?.toLowerCase();
      const target = path.join(top, `signed-${kind}.rpm`);
      copyFileSync(files['payload-gzip'], target);
      await exec('rpmsign', ['--addsign', '--define', `__gpg ${gpgPath}`, '--define', `_gpg_name ${uid}`, target], { env });
      files[`signed-${kind}`] = target;
    }
  } finally {
    await exec('gpgconf', ['--kill', 'all'], { env }).catch(() => undefined);
  }
  return keys;
}

// ---- synthetic packages -------------------------------------------------------------------------------------

export type TagValue =
  | { tag: number; type: 'string' | 'i18n'; value: string | Buffer }
  | { tag: number; type: 'strings'; value: Array<string | Buffer> }
  | { tag: number; type: 'int16' | 'int32' | 'int64'; value: number[] }
  | { tag: number; type: 'bin'; value: Uint8Array };

const TYPE_CODES = { int16: 3, int32: 4, int64: 5, string: 6, bin: 7, strings: 8, i18n: 9 } as const;
const WIDTH = { int16: 2, int32: 4, int64: 8 } as const;

/** Assembles one header structure (intro, index, store) with rpm's alignment rules. */
export function buildHeader(entries: TagValue[]): Buffer {
  const index = Buffer.alloc(entries.length * 16);
  const parts: Buffer[] = [];
  let size = 0;
  entries.forEach((e, i) => {
    let data: Buffer;
    let count: number;
    if (e.type === 'int16' || e.type === 'int32' || e.type === 'int64') {
      const w = WIDTH[e.type];
      const pad = (w - (size % w)) % w;
      if (pad) parts.push(Buffer.alloc(pad));
      size += pad;
      data = Buffer.alloc(w * e.value.length);
      e.value.forEach((v, j) => {
        if (w === 2) data.writeUInt16BE(v, j * 2);
        else if (w === 4) data.writeUInt32BE(v, j * 4);
        else data.writeBigUInt64BE(BigInt(v), j * 8);
      });
      count = e.value.length;
    } else if (e.type === 'bin') {
      data = Buffer.from(e.value);
      count = data.length;
    } else {
      const list = e.type === 'strings' ? e.value : [e.value];
      data = Buffer.concat(list.flatMap((s) => [Buffer.from(s), Buffer.alloc(1)]));
      count = list.length;
    }
    index.writeUInt32BE(e.tag, i * 16);
    index.writeUInt32BE(TYPE_CODES[e.type], i * 16 + 4);
    index.writeUInt32BE(size, i * 16 + 8);
    index.writeUInt32BE(count, i * 16 + 12);
    parts.push(data);
    size += data.length;
  });
  const intro = Buffer.from([0x8e, 0xad, 0xe8, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  intro.writeUInt32BE(entries.length, 8);
  intro.writeUInt32BE(size, 12);
  return Buffer.concat([intro, index, ...parts]);
}

/** A whole .rpm: lead, signature header (with the SIZE tag unless given), padding, main header, payload. */
export function buildSyntheticRpm(opts: { main: TagValue[]; sig?: TagValue[]; payload?: Buffer; leadMajor?: number }): Buffer {
  const payload = opts.payload ?? Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  const main = buildHeader(opts.main);
  const sig = buildHeader(opts.sig ?? [{ tag: 1000, type: 'int32', value: [main.length + payload.length] }]);
  const lead = Buffer.alloc(96);
  Buffer.from([0xed, 0xab, 0xee, 0xdb, opts.leadMajor ?? 3, 0]).copy(lead);
  lead.writeUInt16BE(5, 78); // signature type: header-style signature
  return Buffer.concat([lead, sig, Buffer.alloc((8 - (sig.length % 8)) % 8), main, payload]);
}

/** The tags every package needs. */
export function baseTags(name = 'synth'): TagValue[] {
  return [
    { tag: 1000, type: 'string', value: name },
    { tag: 1001, type: 'string', value: '1.0' },
    { tag: 1002, type: 'string', value: '1' },
    { tag: 1004, type: 'i18n', value: 'synthetic package' },
    { tag: 1022, type: 'string', value: 'noarch' },
  ];
}
