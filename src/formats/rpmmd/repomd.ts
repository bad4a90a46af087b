/**
 * repomd.xml of rpm-md repodata, laid out as createrepo_c 0.17 writes it (src/repomd.c): sha256 checksums of
 * the compressed and the open file, records in createrepo_c's fixed type order, a trailing newline.
 */
import { escapeXml, escapeXmlAttr } from './xml.js';

export interface RepomdRecord {
  type: 'primary' | 'filelists' | 'other';
  /** sha256 of the compressed file, which is also the prefix of its name. */
  checksum: string;
  /** sha256 of the uncompressed XML. */
  openChecksum: string;
  size: number;
  openSize: number;
  /** Unix seconds. */
  timestamp: number;
  /** Relative to the repository root, e.g. "repodata/<sha256>-primary.xml.gz". */
  location: string;
}

/** cr_repomd_sort_records orders the well-known types this way whatever order they were added in. */
const TYPE_ORDER = ['primary', 'filelists', 'other'];

export function renderRepomd(input: { revision: string; records: RepomdRecord[] }): string {
  const records = [...input.records].sort((a, b) => TYPE_ORDER.indexOf(a.type) - TYPE_ORDER.indexOf(b.type));
  let out =
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    '<repomd xmlns="http://linux.duke.edu/metadata/repo" xmlns:rpm="http://linux.duke.edu/metadata/rpm">\n' +
    `  <revision>${escapeXml(input.revision)}</revision>\n`;
  for (const r of records) {
    out +=
      `  <data type="${r.type}">\n` +
      `    <checksum type="sha256">${escapeXml(r.checksum)}</checksum>\n` +
      `    <open-checksum type="sha256">${escapeXml(r.openChecksum)}</open-checksum>\n` +
      `    <location href="${escapeXmlAttr(r.location)}"/>\n` +
      `    <timestamp>${r.timestamp}</timestamp>\n` +
      `    <size>${r.size}</size>\n` +
      `    <open-size>${r.openSize}</open-size>\n` +
      '  </data>\n';
  }
  return `${out}</repomd>\n`;
}
