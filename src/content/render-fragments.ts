import { renderContentsLines } from '../formats/apt/contents.js';
import { debPoolPath, renderPackagesStanza } from '../formats/apt/packages.js';
import { renderFilelistsPackage } from '../formats/rpmmd/filelists.js';
import { renderOtherPackage } from '../formats/rpmmd/other.js';
import { renderPrimaryPackage } from '../formats/rpmmd/primary.js';
import type { BlobFacts, ParsedPackage } from '../formats/types.js';

export interface RenderedPackage {
  filename: string;
  version: string;
  fragmentIndex: string;
  fragmentFiles: string;
  fragmentOther: string;
}

export function rpmFileName(p: { name: string; version: string; release: string; arch: string }): string {
  return `${p.name}-${p.version}-${p.release}.${p.arch}.rpm`;
}

/**
 * Everything about a package that index files need, rendered once at ingest and cached in its row, so a
 * publication only concatenates (DESIGN: incremental work). The pool path of a .deb is a property of the
 * file (one shared pool for every distribution), as is the location of an .rpm inside an arch tree.
 */
export function renderFragments(pkg: ParsedPackage, blob: BlobFacts, opts: { component: string; uploadedAt: Date }): RenderedPackage {
  if (pkg.format === 'deb') {
    const filename = debPoolPath(pkg, opts.component);
    const section = pkg.control.find(([k]) => k.toLowerCase() === 'section')?.[1];
    return {
      filename,
      version: pkg.version,
      fragmentIndex: renderPackagesStanza(pkg, blob, filename),
      fragmentFiles: renderContentsLines(pkg, section),
      fragmentOther: '',
    };
  }
  const filename = `Packages/${rpmFileName(pkg)}`;
  return {
    filename,
    version: `${pkg.epoch ? `${pkg.epoch}:` : ''}${pkg.version}-${pkg.release}`,
    fragmentIndex: renderPrimaryPackage(pkg, blob, filename, Math.floor(opts.uploadedAt.getTime() / 1000)),
    fragmentFiles: renderFilelistsPackage(pkg, blob.sha256),
    fragmentOther: renderOtherPackage(pkg, blob.sha256),
  };
}
