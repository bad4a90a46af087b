/**
 * SPDX 2.3 JSON documents (https://spdx.github.io/spdx-spec/v2.3/) for a set of packages, streamed like the
 * CycloneDX writer. Each package is an SPDX package with its purl as a PACKAGE-MANAGER external reference,
 * SHA256/SHA1/MD5 checksums of the package file, the rpm License as licenseDeclared (SPDX expression when
 * it is one, else a LicenseRef-* carrying the original text; NOASSERTION for deb, which has no licence
 * field), and DEPENDS_ON relationships for resolved dependencies. Files are not listed: SPDX 2.3 requires a
 * SHA1 per file and Packyard keeps only paths, sizes and modes, so packages say filesAnalyzed=false rather
 * than carry invented checksums (the CycloneDX export lists file locations).
 */
import type { ResolvedPackage } from './cyclonedx.js';
import { classifyLicense } from './licenses.js';
import { packagePurl } from './purl.js';
import type { SbomDocumentInfo, SbomPackage } from './sbom.types.js';

/** SPDX element ids are `SPDXRef-[A-Za-z0-9.-]+`; the file hash and distribution make them unique and stable. */
export const spdxRef = (p: SbomPackage): string =>
  `SPDXRef-Package-${p.sha256.slice(0, 16)}-${p.distribution.replace(/[^A-Za-z0-9.-]/g, '-')}`;

/** SPDX wants "YYYY-MM-DDThh:mm:ssZ" without fractions. */
const spdxDate = (iso: string) => `${iso.slice(0, 19)}Z`;

export function spdxPackage(p: SbomPackage, extracted: Map<string, string>): Record<string, unknown> {
  const l = classifyLicense(p.license);
  let declared = 'NOASSERTION';
  if (l.kind === 'spdx-id') declared = l.id;
  else if (l.kind === 'spdx-expression') declared = l.expression;
  else if (l.kind === 'named') {
    declared = l.ref;
    extracted.set(l.ref, l.name);
  }
  return {
    SPDXID: spdxRef(p),
    name: p.name,
    versionInfo: p.version,
    packageFileName: p.filename.split('/').pop(),
    supplier: p.supplier ? `Organization: ${p.supplier.replace(/[\r\n]+/g, ' ')}` : 'NOASSERTION',
    downloadLocation: 'NOASSERTION',
    filesAnalyzed: false,
    checksums: [
      { algorithm: 'SHA256', checksumValue: p.sha256 },
      { algorithm: 'SHA1', checksumValue: p.sha1 },
      { algorithm: 'MD5', checksumValue: p.md5 },
    ],
    ...(p.homepage && /^https?:\/\/[^\s]+$/.test(p.homepage) ? { homepage: p.homepage } : {}),
    sourceInfo: `built from the ${p.format} source package ${p.source}`,
    licenseConcluded: 'NOASSERTION',
    licenseDeclared: declared,
    copyrightText: 'NOASSERTION',
    ...(p.summary ? { summary: p.summary } : {}),
    externalRefs: [{ referenceCategory: 'PACKAGE-MANAGER', referenceType: 'purl', referenceLocator: packagePurl(p) }],
    primaryPackagePurpose: 'INSTALL',
  };
}

export async function* spdxChunks(
  info: SbomDocumentInfo,
  subject: ResolvedPackage | null,
  packages: AsyncIterable<ResolvedPackage> | Iterable<ResolvedPackage>,
): AsyncGenerator<string> {
  const head = {
    spdxVersion: 'SPDX-2.3',
    dataLicense: 'CC0-1.0',
    SPDXID: 'SPDXRef-DOCUMENT',
    name: info.name,
    documentNamespace: `${info.namespaceBase.replace(/\/+$/, '')}/spdx/${encodeURIComponent(info.name)}-${info.serial}`,
    creationInfo: { created: spdxDate(info.timestamp), creators: [`Tool: Packyard-${info.toolVersion}`] },
  };
  yield `${JSON.stringify(head).slice(0, -1)},"packages":[`;
  const extracted = new Map<string, string>();
  const relationships: string[] = [];
  const rel = (a: string, type: string, b: string) =>
    relationships.push(JSON.stringify({ spdxElementId: a, relationshipType: type, relatedSpdxElement: b }));
  let first = true;
  const emit = (r: ResolvedPackage, describes: boolean) => {
    const chunk = `${first ? '' : ','}${JSON.stringify(spdxPackage(r.pkg, extracted))}`;
    first = false;
    if (describes) rel('SPDXRef-DOCUMENT', 'DESCRIBES', spdxRef(r.pkg));
    for (const d of r.dependsOn) rel(spdxRef(r.pkg), 'DEPENDS_ON', d);
    return chunk;
  };
  if (subject) yield emit(subject, true);
  for await (const r of packages) yield emit(r, !subject);
  yield '],"relationships":[';
  for (let i = 0; i < relationships.length; i += 1000) yield `${i ? ',' : ''}${relationships.slice(i, i + 1000).join(',')}`;
  yield ']';
  if (extracted.size) {
    const infos = [...extracted].sort(([a], [b]) => (a < b ? -1 : 1)).map(([licenseId, text]) => ({ licenseId, extractedText: text, name: text }));
    yield `,"hasExtractedLicensingInfos":${JSON.stringify(infos)}`;
  }
  yield '}';
}
