import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { run } from './clients.js';

export interface DebSpec {
  name: string;
  version: string;
  arch?: string;
  depends?: string;
  source?: string;
  compression?: 'gzip' | 'xz' | 'zstd' | 'none';
  /** Extra text to make otherwise identical packages differ in content. */
  salt?: string;
  /** Extra files: path below the root (no leading "/") → content. */
  files?: Record<string, string>;
}

/** Builds a real .deb with dpkg-deb and returns its bytes. */
export function buildDeb(spec: DebSpec): Buffer {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'packyard-deb-'));
  try {
    return buildDebIn(dir, spec);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function buildDebIn(dir: string, spec: DebSpec): Buffer {
  const root = path.join(dir, 'root');
  mkdirSync(path.join(root, 'DEBIAN'), { recursive: true });
  mkdirSync(path.join(root, 'usr/share/doc', spec.name), { recursive: true });
  mkdirSync(path.join(root, 'usr/bin'), { recursive: true });
  writeFileSync(path.join(root, 'usr/bin', spec.name), `#!/bin/sh\necho ${spec.name} ${spec.version} ${spec.salt ?? ''}\n`, { mode: 0o755 });
  writeFileSync(path.join(root, 'usr/share/doc', spec.name, 'README'), `${spec.name}\n`);
  for (const [file, content] of Object.entries(spec.files ?? {})) {
    mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    writeFileSync(path.join(root, file), content);
  }
  const control = [
    `Package: ${spec.name}`,
    ...(spec.source ? [`Source: ${spec.source}`] : []),
    `Version: ${spec.version}`,
    `Architecture: ${spec.arch ?? 'amd64'}`,
    'Maintainer: Packyard Tests <tests@example.org>',
    'Installed-Size: 8',
    ...(spec.depends ? [`Depends: ${spec.depends}`] : []),
    'Section: utils',
    'Priority: optional',
    `Description: test package ${spec.name}`,
    ' A package built by the Packyard test suite.',
    ' .',
    ' It has a multi-line description.',
  ].join('\n');
  writeFileSync(path.join(root, 'DEBIAN/control'), `${control}\n`);
  const out = path.join(dir, `${spec.name}.deb`);
  const r = run('dpkg-deb', [`-Z${spec.compression ?? 'xz'}`, '--root-owner-group', '--build', root, out]);
  if (r.status !== 0) throw new Error(`dpkg-deb failed: ${r.stderr}`);
  return readFileSync(out);
}

export interface RpmSpec {
  name: string;
  version: string;
  release?: string;
  arch?: string;
  requires?: string;
  salt?: string;
}

/** Builds a real .rpm with rpmbuild and returns its bytes. */
export function buildRpm(spec: RpmSpec): Buffer {
  const top = mkdtempSync(path.join(os.tmpdir(), 'packyard-rpm-'));
  try {
    return buildRpmIn(top, spec);
  } finally {
    rmSync(top, { recursive: true, force: true });
  }
}

function buildRpmIn(top: string, spec: RpmSpec): Buffer {
  for (const d of ['SPECS', 'BUILD', 'RPMS', 'SOURCES', 'SRPMS', 'BUILDROOT']) mkdirSync(path.join(top, d));
  const arch = spec.arch ?? 'noarch';
  const specText = `Name: ${spec.name}
Version: ${spec.version}
Release: ${spec.release ?? '1'}
Summary: test package ${spec.name}
License: MIT
BuildArch: ${arch}
${spec.requires ? `Requires: ${spec.requires}\n` : ''}
%description
A package built by the Packyard test suite. ${spec.salt ?? ''}

%install
mkdir -p %{buildroot}/usr/share/${spec.name}
echo "${spec.name} ${spec.salt ?? ''}" > %{buildroot}/usr/share/${spec.name}/README

%files
/usr/share/${spec.name}/README

%changelog
* Mon Jan 05 2026 Packyard Tests <tests@example.org> - ${spec.version}-${spec.release ?? '1'}
- Built for tests
`;
  const specFile = path.join(top, 'SPECS', `${spec.name}.spec`);
  writeFileSync(specFile, specText);
  const r = run('rpmbuild', ['--define', `_topdir ${top}`, '--define', '_build_id_links none', '--target', arch, '-bb', specFile]);
  if (r.status !== 0) throw new Error(`rpmbuild failed: ${r.stderr}`);
  const file = path.join(top, 'RPMS', arch, `${spec.name}-${spec.version}-${spec.release ?? '1'}.${arch}.rpm`);
  return readFileSync(file);
}
