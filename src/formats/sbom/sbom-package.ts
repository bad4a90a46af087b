/**
 * Builds the SBOM writers' input from a parsed package (as stored: packages.meta without files, plus
 * packages.files) and the facts of its file.
 */
import type { BlobFacts, DebPackage, FileEntry, RpmDep, RpmPackage } from '../types.js';
import { parseDebRelations, rpmClauses } from './dependencies.js';
import { purlVendor } from './purl.js';
import type { SbomPackage } from './sbom.types.js';

export type StoredMeta = Omit<DebPackage, 'files'> | Omit<RpmPackage, 'files'>;

export interface StoredPackage {
  meta: StoredMeta;
  files: FileEntry[];
  version: string;
  filename: string;
  facts: BlobFacts;
  distribution: string;
}

const field = (control: Array<[string, string]>, name: string): string | undefined =>
  control.find(([k]) => k.toLowerCase() === name.toLowerCase())?.[1];

const rpmVersion = (d: RpmDep) => (d.version ? `${d.epoch ? `${d.epoch}:` : ''}${d.version}${d.release ? `-${d.release}` : ''}` : null);

export function toSbomPackage(s: StoredPackage): SbomPackage {
  const { meta } = s;
  const common = {
    name: meta.name,
    version: s.version,
    arch: meta.arch,
    distribution: s.distribution,
    vendor: purlVendor(meta.format, s.distribution),
    source: meta.source,
    filename: s.filename,
    size: s.facts.size,
    sha256: s.facts.sha256,
    sha1: s.facts.sha1,
    md5: s.facts.md5,
    files: s.files,
  };
  if (meta.format === 'deb') {
    const c = meta.control;
    const provides = parseDebRelations(field(c, 'Provides')).flatMap((cl) =>
      cl.anyOf.map((a) => ({ name: a.name, version: a.op === '=' ? a.version : null })),
    );
    return {
      ...common,
      format: 'deb',
      summary: (field(c, 'Description') ?? '').split('\n')[0].trim(),
      license: null,
      supplier: field(c, 'Maintainer')?.trim() || null,
      homepage: field(c, 'Homepage')?.trim() || null,
      provides,
      depends: [...parseDebRelations(field(c, 'Pre-Depends')), ...parseDebRelations(field(c, 'Depends'))],
    };
  }
  return {
    ...common,
    format: 'rpm',
    rpm: { epoch: meta.epoch, version: meta.version, release: meta.release },
    summary: meta.summary,
    license: meta.license || null,
    supplier: meta.vendor || meta.packager || null,
    homepage: meta.url || null,
    provides: meta.provides.filter((p) => p.name !== meta.name).map((p) => ({ name: p.name, version: p.flags === 'EQ' ? rpmVersion(p) : null })),
    depends: rpmClauses(meta.requires),
  };
}
