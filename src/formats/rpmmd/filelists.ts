/**
 * filelists.xml of rpm-md repodata, byte for byte as createrepo_c 0.17 writes it (src/xml_dump_filelists.c and
 * cr_xml_dump_files in src/xml_dump.c): one <package> fragment per package, two-space indentation, a newline
 * after each fragment, and no newline after the closing root tag.
 */
import type { RpmFile, RpmPackage } from '../types.js';
import { escapeXml, escapeXmlAttr } from './xml.js';

const S_IFMT = 0o170000;
const S_IFDIR = 0o040000;
const RPMFILE_GHOST = 1 << 6;

/**
 * The files yum and dnf expect in primary.xml so file dependencies resolve without filelists: anything under
 * /etc/, anything with "bin/" in its path, and /usr/lib/sendmail (createrepo_c's cr_is_primary).
 */
export function isPrimaryFile(path: string): boolean {
  return path.startsWith('/etc/') || path === '/usr/lib/sendmail' || path.includes('bin/');
}

/** createrepo_c types a file "dir" by its mode and "ghost" by its flags, nothing else. */
function fileTypeAttr(f: RpmFile): string {
  if ((f.mode & S_IFMT) === S_IFDIR) return ' type="dir"';
  if (f.flags & RPMFILE_GHOST) return ' type="ghost"';
  return '';
}

/** <file> lines at the given indentation, optionally only the primary subset. */
export function renderFileElements(files: RpmFile[], indent: string, primaryOnly: boolean): string {
  let out = '';
  for (const f of files) {
    if (primaryOnly && !isPrimaryFile(f.path)) continue;
    out += `${indent}<file${fileTypeAttr(f)}>${escapeXml(f.path)}</file>\n`;
  }
  return out;
}

/** The <version epoch ver rel/> line shared by filelists.xml and other.xml. */
export function versionElement(pkg: RpmPackage): string {
  return `  <version epoch="${pkg.epoch}" ver="${escapeXmlAttr(pkg.version)}" rel="${escapeXmlAttr(pkg.release)}"/>\n`;
}

/** The opening tag shared by filelists.xml and other.xml. */
export function packageOpenTag(pkg: RpmPackage, pkgid: string): string {
  return `<package pkgid="${escapeXmlAttr(pkgid)}" name="${escapeXmlAttr(pkg.name)}" arch="${escapeXmlAttr(pkg.arch)}">\n`;
}

export function renderFilelistsPackage(pkg: RpmPackage, pkgid: string): string {
  return `${packageOpenTag(pkg, pkgid)}${versionElement(pkg)}${renderFileElements(pkg.files, '  ', false)}</package>\n`;
}

export function filelistsHead(count: number): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<filelists xmlns="http://linux.duke.edu/metadata/filelists" packages="${count}">\n`;
}

export function filelistsTail(): string {
  return '</filelists>';
}
