/**
 * CycloneDX 1.6 (or 1.5) JSON SBOMs (https://cyclonedx.org/docs/1.6/json/) for a set of packages, written as
 * a stream of string chunks so that an export of a whole repository never holds more than the dependency
 * graph besides the output. Each package is a component of type "library" whose bom-ref is its purl; its
 * hashes are those of the package file; its licence comes from the rpm License tag (deb has none); its
 * installed files (regular files and symlinks, not directories) are listed as `evidence.occurrences`, the
 * 1.5/1.6 field for the locations where a component is found. Dependencies are the resolved Depends /
 * Requires (see dependencies.ts); every component gets a dependency entry, an empty one meaning "none in
 * this set". Pure: the serial number and timestamp come from the caller.
 */
import { classifyLicense } from './licenses.js';
import { packagePurl } from './purl.js';
import type { SbomDocumentInfo, SbomPackage } from './sbom.types.js';

export type CycloneDxSpec = '1.5' | '1.6';

/** The bom-ref of a package in CycloneDX documents. */
export const cyclonedxRef = (p: SbomPackage): string => packagePurl(p);

export interface ResolvedPackage {
  pkg: SbomPackage;
  /** bom-refs of the packages it depends on (from the same format's ref function). */
  dependsOn: string[];
}

function licenses(p: SbomPackage): unknown[] | undefined {
  const l = classifyLicense(p.license);
  switch (l.kind) {
    case 'none': return undefined;
    case 'spdx-id': return [{ license: { id: l.id } }];
    case 'spdx-expression': return [{ expression: l.expression }];
    case 'named': return [{ license: { name: l.name } }];
  }
}

export function cyclonedxComponent(p: SbomPackage): Record<string, unknown> {
  const ref = cyclonedxRef(p);
  const occurrences = p.files.filter((f) => f.type === 'file' || f.type === 'symlink').map((f) => ({ location: f.path }));
  const properties = [
    { name: 'packyard:distribution', value: p.distribution },
    { name: 'packyard:arch', value: p.arch },
    { name: 'packyard:source', value: p.source },
    { name: 'packyard:filename', value: p.filename },
    { name: 'packyard:size', value: String(p.size) },
  ];
  const lic = licenses(p);
  return {
    type: 'library',
    'bom-ref': ref,
    ...(p.supplier ? { supplier: { name: p.supplier } } : {}),
    name: p.name,
    version: p.version,
    ...(p.summary ? { description: p.summary } : {}),
    hashes: [
      { alg: 'SHA-256', content: p.sha256 },
      { alg: 'SHA-1', content: p.sha1 },
      { alg: 'MD5', content: p.md5 },
    ],
    ...(lic ? { licenses: lic } : {}),
    purl: ref,
    ...(p.homepage && /^https?:\/\/[^\s]+$/.test(p.homepage) ? { externalReferences: [{ type: 'website', url: p.homepage }] } : {}),
    ...(occurrences.length ? { evidence: { occurrences } } : {}),
    properties,
  };
}

/**
 * The document as chunks: header and metadata, the components one by one, then the dependency graph.
 * `subject`, when given, is the package the SBOM describes (metadata.component); `packages` are the others.
 */
export async function* cyclonedxChunks(
  info: SbomDocumentInfo,
  spec: CycloneDxSpec,
  subject: ResolvedPackage | null,
  packages: AsyncIterable<ResolvedPackage> | Iterable<ResolvedPackage>,
): AsyncGenerator<string> {
  const metadata: Record<string, unknown> = {
    timestamp: info.timestamp,
    tools: { components: [{ type: 'application', name: 'Packyard', version: info.toolVersion }] },
  };
  if (subject) metadata.component = cyclonedxComponent(subject.pkg);
  const head = { bomFormat: 'CycloneDX', specVersion: spec, serialNumber: `urn:uuid:${info.serial}`, version: 1, metadata };
  yield `${JSON.stringify(head).slice(0, -1)},"components":[`;
  const deps: string[] = [];
  if (subject) deps.push(JSON.stringify({ ref: cyclonedxRef(subject.pkg), dependsOn: subject.dependsOn }));
  let first = true;
  for await (const r of packages) {
    yield `${first ? '' : ','}${JSON.stringify(cyclonedxComponent(r.pkg))}`;
    first = false;
    deps.push(JSON.stringify({ ref: cyclonedxRef(r.pkg), dependsOn: r.dependsOn }));
  }
  yield '],"dependencies":[';
  for (let i = 0; i < deps.length; i += 1000) yield `${i ? ',' : ''}${deps.slice(i, i + 1000).join(',')}`;
  yield ']}';
}
