/**
 * The parsed-package model shared by parsers (formats/deb, formats/rpm) and renderers (formats/apt,
 * formats/rpmmd). Plain data only: it is stored as JSON in the database and must round-trip.
 */

/** One entry of a package's file list (deb data.tar or rpm header). Paths are absolute, e.g. "/usr/bin/hello". */
export interface FileEntry {
  path: string;
  type: 'file' | 'dir' | 'symlink' | 'ghost' | 'other';
  size: number;
  mode: number;
}

/** Facts about the blob itself, computed while it streams in; renderers need them (Size, SHA256, ...). */
export interface BlobFacts {
  size: number;
  sha256: string;
  sha1: string;
  md5: string;
}

export interface DebPackage {
  format: 'deb';
  name: string;
  /** Full Debian version as in the control file, including epoch: "1:2.3-4". */
  version: string;
  arch: string;
  /** Source package name (Source: without the version part; defaults to the package name). */
  source: string;
  /** Source version when Source: carries one "(x)", else the binary version. */
  sourceVersion: string;
  /** Every control field in file order, names as written, values exactly as in the file (continuation lines kept, leading space of the first line stripped). */
  control: Array<[string, string]>;
  /** Files of data.tar (directories included), in archive order. */
  files: FileEntry[];
  controlCompression: 'gzip' | 'xz' | 'zstd' | 'none';
  dataCompression: 'gzip' | 'xz' | 'zstd' | 'bzip2' | 'none';
}

export type RpmDepFlag = 'EQ' | 'LT' | 'GT' | 'LE' | 'GE';

export interface RpmDep {
  name: string;
  flags: RpmDepFlag | null;
  epoch: string | null;
  version: string | null;
  release: string | null;
  /** RPMSENSE_PREREQ / script prerequisites, rendered as pre="1" in primary.xml. */
  pre: boolean;
}

export interface RpmFile extends FileEntry {
  /** RPMFILE_* flags (ghost 64, config 1, doc 2, ...). */
  flags: number;
}

export interface RpmChangelog {
  author: string;
  /** Unix seconds. */
  date: number;
  text: string;
}

export interface RpmPackage {
  format: 'rpm';
  name: string;
  epoch: number;
  version: string;
  release: string;
  arch: string;
  /** Source rpm file name, e.g. "bear-4.1-1.src.rpm"; empty for source packages. */
  sourceRpm: string;
  /** Source package name derived from sourceRpm (the N of its NVR). */
  source: string;
  summary: string;
  description: string;
  license: string;
  vendor: string;
  group: string;
  url: string;
  packager: string;
  buildTime: number;
  buildHost: string;
  /** Sum of file sizes (RPMTAG_SIZE / LONGSIZE). */
  installedSize: number;
  /** RPMTAG_ARCHIVESIZE / LONGARCHIVESIZE, 0 when absent. */
  archiveSize: number;
  /** Byte range of the main header in the file, as createrepo_c reports it (start after the padded signature header). */
  headerRange: { start: number; end: number };
  requires: RpmDep[];
  provides: RpmDep[];
  conflicts: RpmDep[];
  obsoletes: RpmDep[];
  recommends: RpmDep[];
  suggests: RpmDep[];
  supplements: RpmDep[];
  enhances: RpmDep[];
  files: RpmFile[];
  changelogs: RpmChangelog[];
  payloadCompressor: string;
  /** Which signatures the signature header carries (not verified here). */
  signature: { kind: 'rsa' | 'dsa' | 'eddsa' | 'ecdsa' | 'unknown' | 'none'; keyId: string | null };
}

export type ParsedPackage = DebPackage | RpmPackage;

/**
 * Random access to the bytes of an artifact. Parsers read through this so they stay free of I/O and never
 * need the whole file in memory; the caller backs it with a file handle, a Buffer or an object store.
 */
export interface ByteSource {
  readonly size: number;
  /** Returns exactly `length` bytes, or fewer only at the end of the source. */
  read(offset: number, length: number): Promise<Uint8Array>;
}

export function bufferSource(buf: Uint8Array): ByteSource {
  return {
    size: buf.length,
    read: async (offset, length) => buf.subarray(offset, Math.min(buf.length, offset + length)),
  };
}
