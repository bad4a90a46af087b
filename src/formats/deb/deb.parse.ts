/**
 * Parser for Debian binary packages (.deb).
 *
 * Follows deb(5) for the container (ar with debian-binary 2.x, control.tar[.gz|.xz|.zst], data.tar[.gz|
 * .xz|.zst], `_`-prefixed members skipped, anything after data.tar ignored), deb-control(5) and deb822(5)
 * for the control file, and Debian Policy 5.6.1 / 5.6.7 / 5.6.8 / 5.6.12 for Package, Source,
 * Architecture and Version values.
 *
 * The input is untrusted: every size is checked against the file and against `DebLimits`, decompression
 * is streamed with output caps, the data tarball is walked entry by entry without being buffered, and
 * every failure is an AppError. The parser is pure: it reads only through the ByteSource it is given.
 */
import { AppError } from '../../core/errors.js';
import type { ByteSource, DebPackage, FileEntry } from '../types.js';
import { type ArMember, readArMembers, readExact, readRange } from './ar.js';
import { type ControlFields, getSimpleField, parseControl } from './control.js';
import { type Codec, decompress } from './decompress.js';
import { type TarHeader, normaliseTarPath, walkTar } from './tar.js';
import { walkTarBuffer } from './tar-buffer.js';

export interface DebLimits {
  /** Uncompressed size of control.tar. */
  controlTarBytes: number;
  /** Size of the control file inside it. */
  controlFileBytes: number;
  /** Entries listed from data.tar. */
  dataEntries: number;
  /** Bytes in one normalised path. */
  pathLength: number;
  /** Hard cap on the uncompressed data.tar, whatever its compression ratio. */
  dataTarBytes: number;
  /** data.tar may expand to max(dataTarRatioFloor, dataTarRatio × compressed size): bombs expand by far more. */
  dataTarRatio: number;
  dataTarRatioFloor: number;
}

export const DEFAULT_DEB_LIMITS: DebLimits = {
  controlTarBytes: 16 * 1024 * 1024,
  controlFileBytes: 1024 * 1024,
  dataEntries: 1_000_000,
  pathLength: 4096,
  dataTarBytes: 64 * 1024 ** 3,
  dataTarRatio: 1000,
  dataTarRatioFloor: 256 * 1024 * 1024,
};

const CONTROL_MEMBERS: Record<string, Codec> = {
  'control.tar': 'none',
  'control.tar.gz': 'gzip',
  'control.tar.xz': 'xz',
  'control.tar.zst': 'zstd',
};
const DATA_MEMBERS: Record<string, Codec> = {
  'data.tar': 'none',
  'data.tar.gz': 'gzip',
  'data.tar.xz': 'xz',
  'data.tar.zst': 'zstd',
};

/** Policy 5.6.1: lower-case alphanumerics, `+`, `-`, `.`; at least two characters; alphanumeric first. */
const PACKAGE_NAME = /^[a-z0-9][a-z0-9+.-]+$/;
/** dpkg architecture names (including `all`); wildcards such as `any` never appear in a built package. */
const ARCHITECTURE = /^[a-z0-9][a-z0-9-]*$/;
/** Longest file name most file systems accept; the pool file name must fit. */
const MAX_FILE_NAME = 255;

/**
 * Policy 5.6.12: [epoch:]upstream_version[-debian_revision]. Colons are refused in upstream_version (the
 * Policy no longer allows them, and the epoch-less version becomes part of the pool file name).
 */
export function checkVersion(version: string, field: string): void {
  const bad = (why: string) => new AppError('FORMAT_INVALID', `${field} "${version.slice(0, 100)}" is not a valid Debian version: ${why}`);
  const colon = version.indexOf(':');
  const epoch = colon >= 0 ? version.slice(0, colon) : null;
  const rest = colon >= 0 ? version.slice(colon + 1) : version;
  if (epoch !== null && (!/^[0-9]+$/.test(epoch) || Number(epoch) > 2 ** 31 - 1)) throw bad('bad epoch');
  const hyphen = rest.lastIndexOf('-');
  const upstream = hyphen >= 0 ? rest.slice(0, hyphen) : rest;
  const revision = hyphen >= 0 ? rest.slice(hyphen + 1) : null;
  if (!/^[A-Za-z0-9.+~-]+$/.test(upstream)) throw bad('empty upstream version or invalid character in it');
  if (revision !== null && !/^[A-Za-z0-9.+~]+$/.test(revision)) throw bad('empty revision or invalid character in it');
}

function required(control: ControlFields, name: string): string {
  const value = getSimpleField(control, name);
  if (!value) throw new AppError('FORMAT_INVALID', `control file has no ${name} field`);
  return value;
}

function checkPackageName(name: string, field: string): void {
  if (!PACKAGE_NAME.test(name)) {
    throw new AppError('FORMAT_INVALID', `${field} "${name.slice(0, 100)}" is not a valid Debian package name`);
  }
}

/** Control-file facts the rest of the system keys on, validated so they are safe inside a pool path. */
function identify(control: ControlFields) {
  const name = required(control, 'Package');
  const version = required(control, 'Version');
  const arch = required(control, 'Architecture');
  checkPackageName(name, 'Package');
  checkVersion(version, 'Version');
  if (!ARCHITECTURE.test(arch) || arch === 'any' || arch === 'source') {
    throw new AppError('FORMAT_INVALID', `Architecture "${arch.slice(0, 100)}" is not a concrete Debian architecture`);
  }

  // dpkg's own reading of Source (Dpkg::Control::FieldsCore::field_parse_binary_source).
  const sourceField = getSimpleField(control, 'Source');
  let source = name;
  let sourceVersion = version;
  if (sourceField) {
    const m = /^([^ ]+) +\(([^)]*)\)$/.exec(sourceField);
    source = m ? m[1] : sourceField;
    if (m) sourceVersion = m[2];
  }
  checkPackageName(source, 'Source');
  checkVersion(sourceVersion, 'Source version');

  const fileName = `${name}_${version.replace(/^[0-9]+:/, '')}_${arch}.deb`;
  if (fileName.length > MAX_FILE_NAME || source.length > MAX_FILE_NAME) {
    throw new AppError('FORMAT_LIMIT_EXCEEDED', 'package name, version and architecture are too long for a pool file name');
  }
  return { name, version, arch, source, sourceVersion };
}

/** Absolute control.tar member names or `..` would escape the control directory dpkg unpacks into. */
function controlEntryPath(header: TarHeader, limits: DebLimits): string {
  if (header.name.startsWith('/')) throw new AppError('UNSAFE_PATH', `control.tar member "${header.name.slice(0, 200)}" is absolute`);
  return normaliseTarPath(header.name, limits.pathLength);
}

/** Whether a control.tar entry is the control file, which must be a regular file and appear once. */
function isControlFile(header: TarHeader, limits: DebLimits, seen: boolean): boolean {
  if (controlEntryPath(header, limits) !== '/control') return false;
  if (header.type !== 'file' && header.type !== 'contiguous-file') {
    throw new AppError('FORMAT_INVALID', 'control.tar: "control" is not a regular file');
  }
  if (seen) throw new AppError('FORMAT_INVALID', 'control.tar contains "control" twice');
  return true;
}

async function readControl(src: ByteSource, member: ArMember, codec: Codec, limits: DebLimits): Promise<ControlFields> {
  let raw: Uint8Array | null = null;
  const tar = await gather(decompress(codec, readRange(src, member.offset, member.size), limits.controlTarBytes, member.name));
  if ('whole' in tar) {
    walkTarBuffer(tar.whole, (header, body) => {
      if (!isControlFile(header, limits, raw !== null)) return;
      if (body.length > limits.controlFileBytes) throw new AppError('FORMAT_LIMIT_EXCEEDED', `tar entry of ${body.length} bytes exceeds ${limits.controlFileBytes}`);
      raw = body;
    });
  } else {
    await walkTar(tar.rest, async (header, read) => {
      if (isControlFile(header, limits, raw !== null)) raw = await read(limits.controlFileBytes);
    });
  }
  if (!raw) throw new AppError('FORMAT_INVALID', `${member.name} has no control file`);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(raw);
  } catch {
    throw new AppError('FORMAT_INVALID', 'control file is not valid UTF-8 (Debian Policy 5.1)');
  }
  return parseControl(text);
}

/** Members that decompress to at most this are walked in memory (walkTarBuffer); larger ones stream. */
const IN_MEMORY_TAR = 512 * 1024;

/** Reads a decompressed member whole when it is small, else hands back a stream of all of it. */
async function gather(chunks: AsyncIterable<Uint8Array>): Promise<{ whole: Uint8Array } | { rest: AsyncIterable<Uint8Array> }> {
  const iterator = chunks[Symbol.asyncIterator]();
  const head: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const next = await iterator.next();
    if (next.done) return { whole: head.length === 1 ? head[0] : Buffer.concat(head, size) };
    head.push(next.value);
    size += next.value.length;
    if (size > IN_MEMORY_TAR) break;
  }
  return {
    rest: (async function* () {
      try {
        yield* head;
        for (let next = await iterator.next(); !next.done; next = await iterator.next()) yield next.value;
      } finally {
        // Closing the decompressor releases its state (the xz decoder's lock) when the walk stops early.
        await iterator.return?.();
      }
    })(),
  };
}

function entryType(header: TarHeader): FileEntry['type'] | 'hardlink' {
  switch (header.type) {
    case 'file':
    case 'contiguous-file':
      return 'file';
    case 'directory':
      return 'dir';
    case 'symlink':
      return 'symlink';
    case 'link':
      return 'hardlink';
    case 'character-device':
    case 'block-device':
    case 'fifo':
      return 'other';
    default:
      // deb(5): "Unrecognized tar typeflags are considered an error."
      throw new AppError('FORMAT_UNSUPPORTED', `data.tar entry "${header.name.slice(0, 200)}" has an unsupported tar type`);
  }
}

async function listData(src: ByteSource, member: ArMember, codec: Codec, limits: DebLimits): Promise<FileEntry[]> {
  const files: FileEntry[] = [];
  // Hard links are regular files sharing their target's content, so they report the target's size.
  const sizes = new Map<string, number>();
  const maxOutput =
    codec === 'none'
      ? member.size
      : Math.min(limits.dataTarBytes, Math.max(limits.dataTarRatioFloor, limits.dataTarRatio * member.size));
  const visit = (header: TarHeader) => {
    if (files.length >= limits.dataEntries) {
      throw new AppError('FORMAT_LIMIT_EXCEEDED', `data.tar lists more than ${limits.dataEntries} entries`);
    }
    const path = normaliseTarPath(header.name, limits.pathLength);
    const kind = entryType(header);
    const mode = (header.mode ?? 0) & 0o7777;
    let size = 0;
    if (kind === 'file') {
      size = header.size ?? 0;
      sizes.set(path, size);
    } else if (kind === 'hardlink') {
      size = sizes.get(normaliseTarPath(header.linkname ?? '', limits.pathLength)) ?? 0;
      sizes.set(path, size);
    }
    files.push({ path, type: kind === 'hardlink' ? 'file' : kind, size, mode });
  };
  const tar = await gather(decompress(codec, readRange(src, member.offset, member.size), maxOutput, member.name));
  if ('whole' in tar) walkTarBuffer(tar.whole, visit);
  else await walkTar(tar.rest, visit);
  return files;
}

/** Parses a .deb into the shared package model. Throws AppError (FORMAT_*, UNSAFE_PATH) on any bad input. */
export async function parseDeb(src: ByteSource, overrides: Partial<DebLimits> = {}): Promise<DebPackage> {
  const limits: DebLimits = { ...DEFAULT_DEB_LIMITS, ...overrides };
  const members = readArMembers(src);
  const nextMember = async (skipOptional: boolean): Promise<ArMember | undefined> => {
    for (;;) {
      const { done, value } = await members.next();
      if (done) return undefined;
      if (!(skipOptional && value.name.startsWith('_'))) return value;
    }
  };

  const first = await nextMember(false);
  if (first?.name !== 'debian-binary') {
    throw new AppError(first ? 'FORMAT_BAD_MAGIC' : 'FORMAT_TRUNCATED', 'not a Debian package: the first ar member must be debian-binary');
  }
  if (first.size > 4096) throw new AppError('FORMAT_LIMIT_EXCEEDED', 'debian-binary is implausibly large');
  const formatVersion = new TextDecoder('latin1').decode(await readExact(src, first.offset, first.size, 'debian-binary'));
  const major = /^([0-9]+)\.[0-9]+(\n|$)/.exec(formatVersion);
  if (!major) throw new AppError('FORMAT_INVALID', 'debian-binary does not hold a format version');
  if (major[1] !== '2') throw new AppError('FORMAT_UNSUPPORTED', `deb format version ${major[1]}.x is not supported`);

  const controlMember = await nextMember(true);
  if (!controlMember) throw new AppError('FORMAT_TRUNCATED', 'package ends before its control.tar member');
  const controlCodec = CONTROL_MEMBERS[controlMember.name];
  if (!controlCodec) {
    const code = controlMember.name.startsWith('control.tar') ? 'FORMAT_UNSUPPORTED' : 'FORMAT_INVALID';
    throw new AppError(code, `unexpected member "${controlMember.name}" where control.tar was expected`);
  }
  const control = await readControl(src, controlMember, controlCodec, limits);
  const id = identify(control);

  const dataMember = await nextMember(true);
  if (!dataMember) throw new AppError('FORMAT_TRUNCATED', 'package ends before its data.tar member');
  const dataCodec = DATA_MEMBERS[dataMember.name];
  if (!dataCodec) {
    const code = dataMember.name.startsWith('data.tar') ? 'FORMAT_UNSUPPORTED' : 'FORMAT_INVALID';
    throw new AppError(code, `unexpected member "${dataMember.name}" where data.tar was expected`);
  }
  const files = await listData(src, dataMember, dataCodec, limits);
  await members.return(undefined);

  return {
    format: 'deb',
    ...id,
    control,
    files,
    controlCompression: controlCodec,
    dataCompression: dataCodec,
  };
}
