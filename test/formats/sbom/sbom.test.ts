import { describe, expect, it } from 'vitest';
import { cyclonedxChunks, cyclonedxRef, type ResolvedPackage } from '../../../src/formats/sbom/cyclonedx.js';
import { DependencyIndex, parseDebRelations } from '../../../src/formats/sbom/dependencies.js';
import { classifyLicense } from '../../../src/formats/sbom/licenses.js';
import { packagePurl, purlVendor } from '../../../src/formats/sbom/purl.js';
import type { SbomDocumentInfo, SbomPackage } from '../../../src/formats/sbom/sbom.types.js';
import { spdxChunks, spdxRef } from '../../../src/formats/sbom/spdx.js';
import { assertValid, validators } from './schema-validators.js';

const hex = (c: string, n: number) => c.repeat(n);

function deb(name: string, version: string, extra: Partial<SbomPackage> = {}): SbomPackage {
  return {
    format: 'deb', name, version, arch: 'amd64', distribution: 'jammy', vendor: 'ubuntu', source: name, summary: `${name} summary`,
    license: null, supplier: 'Packyard Tests <tests@example.org>', homepage: 'https://example.org/', filename: `pool/main/${name[0]}/${name}/${name}_${version}_amd64.deb`,
    size: 1234, sha256: hex(name.length.toString(16), 64), sha1: hex('b', 40), md5: hex('c', 32), provides: [], depends: [],
    files: [{ path: `/usr/bin/${name}`, type: 'file', size: 10, mode: 0o755 }, { path: '/usr/share', type: 'dir', size: 0, mode: 0o755 }],
    ...extra,
  };
}

const kitchen: SbomPackage = {
  format: 'rpm', name: 'kitchen', version: '3:1.2.3-4.el9', rpm: { epoch: 3, version: '1.2.3', release: '4.el9' }, arch: 'noarch',
  distribution: 'almalinux9', vendor: 'almalinux', source: 'kitchen', summary: 'Kitchen sink', license: 'MIT and (GPLv2+ or BSD)',
  supplier: 'Packyard Test & Co', homepage: 'https://example.com/kitchen?a=1&b=2', filename: 'Packages/kitchen-1.2.3-4.el9.noarch.rpm',
  size: 99, sha256: hex('d', 64), sha1: hex('e', 40), md5: hex('f', 32), provides: [{ name: 'kitchen-api', version: '2.0' }],
  depends: [{ anyOf: [{ name: 'libfoo', op: '>=', version: '1.0' }] }, { anyOf: [{ name: '/bin/sh', op: null, version: null }] }],
  files: [{ path: '/usr/bin/kitchen', type: 'file', size: 5, mode: 0o755 }],
};

const info: SbomDocumentInfo = {
  serial: '3b2f7c1e-1111-4222-8333-444455556666', timestamp: '2026-01-02T03:04:05.678Z', name: 'jammy', toolVersion: '0.1.0', namespaceBase: 'https://packyard.example',
};

async function text(gen: AsyncGenerator<string>): Promise<string> {
  let s = '';
  for await (const c of gen) s += c;
  return s;
}

function resolveAll(pkgs: SbomPackage[], ref: (p: SbomPackage) => string): ResolvedPackage[] {
  const idx = new DependencyIndex(pkgs[0].format);
  for (const p of pkgs) idx.add(ref(p), p);
  return pkgs.map((p) => ({ pkg: p, dependsOn: idx.resolve(ref(p), p) }));
}

describe('purls', () => {
  it('encodes deb versions with epoch and + and keeps : and ~', () => {
    expect(packagePurl(deb('libc6', '1:2.35-0ubuntu3+esm1~22.04'))).toBe('pkg:deb/ubuntu/libc6@1:2.35-0ubuntu3%2Besm1~22.04?arch=amd64&distro=jammy');
  });
  it('puts the rpm epoch in a qualifier and sorts qualifiers', () => {
    expect(packagePurl(kitchen)).toBe('pkg:rpm/almalinux/kitchen@1.2.3-4.el9?arch=noarch&distro=almalinux9&epoch=3');
    expect(packagePurl({ ...kitchen, rpm: { epoch: 0, version: '2.0~rc1^git5', release: '1' }, name: 'Intl' })).toBe(
      'pkg:rpm/almalinux/Intl@2.0~rc1%5Egit5-1?arch=noarch&distro=almalinux9',
    );
  });
  it('maps distributions to vendors', () => {
    expect([purlVendor('deb', 'jammy'), purlVendor('deb', 'bookworm'), purlVendor('rpm', 'rocky9'), purlVendor('rpm', 'fedora'), purlVendor('deb', 'internal')]).toEqual([
      'ubuntu', 'debian', 'rocky', 'fedora', 'debian',
    ]);
  });
});

describe('dependency resolution', () => {
  it('resolves versioned, alternative and virtual dependencies to packages of the set only', () => {
    const pkgs = [
      deb('app', '1.0', { depends: parseDebRelations('libfoo (>= 2.0), missing | mail-transport-agent, libbar (<< 1.0), nothere') }),
      deb('libfoo', '1.5'),
      deb('libfoo', '2.1'),
      deb('postfix', '3.6', { provides: [{ name: 'mail-transport-agent', version: null }] }),
      deb('libbar', '1.2'),
    ];
    const [app] = resolveAll(pkgs, cyclonedxRef);
    expect(app.dependsOn).toEqual([packagePurl(pkgs[2]), packagePurl(pkgs[3])].sort());
  });
  it('parses Debian relation syntax', () => {
    expect(parseDebRelations('a:any (>= 1:2.0~b1) [amd64] | b, c (<< 3) <!nocheck>')).toEqual([
      { anyOf: [{ name: 'a', op: '>=', version: '1:2.0~b1' }, { name: 'b', op: null, version: null }] },
      { anyOf: [{ name: 'c', op: '<<', version: '3' }] },
    ]);
  });
});

describe('licences', () => {
  it('keeps SPDX expressions and names the rest', () => {
    expect(classifyLicense('MIT AND (GPL-2.0-or-later OR BSD-3-Clause)')).toEqual({ kind: 'spdx-expression', expression: 'MIT AND (GPL-2.0-or-later OR BSD-3-Clause)' });
    expect(classifyLicense('MIT')).toEqual({ kind: 'spdx-id', id: 'MIT' });
    expect(classifyLicense('MIT and (GPLv2+ or BSD)')).toMatchObject({ kind: 'named', name: 'MIT and (GPLv2+ or BSD)' });
    expect(classifyLicense(null)).toEqual({ kind: 'none' });
  });
});

describe('CycloneDX', () => {
  const pkgs = [deb('app', '1:1.0+dfsg-1', { depends: parseDebRelations('libfoo') }), deb('libfoo', '2.0')];

  it.each(['1.6', '1.5'] as const)('writes a %s document that validates, with hashes, purls, files and dependencies', async (spec) => {
    const out = await text(cyclonedxChunks(info, spec, null, resolveAll(pkgs, cyclonedxRef)));
    const doc = JSON.parse(out);
    assertValid(spec === '1.6' ? validators().cdx16 : validators().cdx15, doc);
    expect(doc.specVersion).toBe(spec);
    expect(doc.serialNumber).toBe(`urn:uuid:${info.serial}`);
    const app = doc.components.find((c: { name: string }) => c.name === 'app');
    expect(app.purl).toBe('pkg:deb/ubuntu/app@1:1.0%2Bdfsg-1?arch=amd64&distro=jammy');
    expect(app.hashes).toEqual([{ alg: 'SHA-256', content: pkgs[0].sha256 }, { alg: 'SHA-1', content: pkgs[0].sha1 }, { alg: 'MD5', content: pkgs[0].md5 }]);
    expect(app.licenses).toBeUndefined();
    expect(app.evidence.occurrences).toEqual([{ location: '/usr/bin/app' }]);
    expect(doc.dependencies).toEqual([
      { ref: app.purl, dependsOn: [packagePurl(pkgs[1])] },
      { ref: packagePurl(pkgs[1]), dependsOn: [] },
    ]);
  });

  it('describes a single rpm as the metadata component, with its licence and unresolved requires left out', async () => {
    const [subject] = resolveAll([kitchen], cyclonedxRef);
    const doc = JSON.parse(await text(cyclonedxChunks({ ...info, name: 'kitchen' }, '1.6', subject, [])));
    assertValid(validators().cdx16, doc);
    expect(doc.metadata.component).toMatchObject({ name: 'kitchen', version: '3:1.2.3-4.el9', licenses: [{ license: { name: 'MIT and (GPLv2+ or BSD)' } }] });
    expect(doc.components).toEqual([]);
    expect(doc.dependencies).toEqual([{ ref: packagePurl(kitchen), dependsOn: [] }]);
  });

  it('is checked by a validator that rejects a malformed component', () => {
    expect(validators().cdx16({ bomFormat: 'CycloneDX', specVersion: '1.6', components: [{ type: 'nope', name: 'x' }] })).toBe(false);
  });

  it('is deterministic', async () => {
    const a = await text(cyclonedxChunks(info, '1.6', null, resolveAll(pkgs, cyclonedxRef)));
    const b = await text(cyclonedxChunks(info, '1.6', null, resolveAll(pkgs, cyclonedxRef)));
    expect(a).toBe(b);
  });
});

describe('SPDX 2.3', () => {
  it('writes a document that validates, with purls, checksums, licences and DEPENDS_ON', async () => {
    const libfoo = { ...kitchen, name: 'libfoo', version: '1.1-1', rpm: { epoch: 0, version: '1.1', release: '1' }, sha256: hex('1', 64), license: 'MIT', depends: [], provides: [] };
    const out = await text(spdxChunks(info, null, resolveAll([kitchen, libfoo], spdxRef)));
    const doc = JSON.parse(out);
    assertValid(validators().spdx23, doc);
    expect(doc.creationInfo.created).toBe('2026-01-02T03:04:05Z');
    const k = doc.packages.find((p: { name: string }) => p.name === 'kitchen');
    expect(k.externalRefs).toEqual([{ referenceCategory: 'PACKAGE-MANAGER', referenceType: 'purl', referenceLocator: packagePurl(kitchen) }]);
    expect(k.checksums.map((c: { algorithm: string }) => c.algorithm)).toEqual(['SHA256', 'SHA1', 'MD5']);
    expect(k.licenseDeclared).toMatch(/^LicenseRef-MIT-and-GPLv2-or-BSD-[0-9a-f]{8}$/);
    expect(doc.hasExtractedLicensingInfos).toEqual([{ licenseId: k.licenseDeclared, extractedText: 'MIT and (GPLv2+ or BSD)', name: 'MIT and (GPLv2+ or BSD)' }]);
    expect(doc.packages.find((p: { name: string }) => p.name === 'libfoo').licenseDeclared).toBe('MIT');
    expect(doc.relationships).toContainEqual({ spdxElementId: spdxRef(kitchen), relationshipType: 'DEPENDS_ON', relatedSpdxElement: spdxRef(libfoo) });
    expect(doc.relationships.filter((r: { relationshipType: string }) => r.relationshipType === 'DESCRIBES')).toHaveLength(2);
  });
});
