/**
 * .rpm parser following the RPM file format (rpm.org docs/manual/format.md; tag numbers from rpm 4.18
 * lib/rpmtag.h): a 96-byte lead (magic ed ab ee db), the signature header padded to 8 bytes, the main header,
 * then the compressed payload, which is not read. Field semantics (arch "src" for source packages, which size
 * tags win, the header byte range) follow what createrepo_c 0.17 derives through librpm, so the repodata we
 * render from this model matches createrepo_c's. Signatures are identified (algorithm, issuer), never verified.
 */
import { AppError } from '../../core/errors.js';
import type { ByteSource, RpmDep, RpmDepFlag, RpmFile, RpmPackage } from '../types.js';
import { HEADER_INTRO_SIZE, RpmHeader, headerSize } from './header.js';
import { sniffSignature } from './signature.js';

const LEAD_SIZE = 96;

const T = {
  NAME: 1000, VERSION: 1001, RELEASE: 1002, EPOCH: 1003, SUMMARY: 1004, DESCRIPTION: 1005, BUILDTIME: 1006,
  BUILDHOST: 1007, SIZE: 1009, VENDOR: 1011, LICENSE: 1014, PACKAGER: 1015, GROUP: 1016, URL: 1020, ARCH: 1022,
  OLDFILENAMES: 1027, FILESIZES: 1028, FILEMODES: 1030, FILEFLAGS: 1037, SOURCERPM: 1044, ARCHIVESIZE: 1046,
  CHANGELOGTIME: 1080, CHANGELOGNAME: 1081, CHANGELOGTEXT: 1082, SOURCEPACKAGE: 1106, DIRINDEXES: 1116,
  BASENAMES: 1117, DIRNAMES: 1118, PAYLOADCOMPRESSOR: 1125, LONGFILESIZES: 5008, LONGSIZE: 5009,
  LONGARCHIVESIZE: 271,
} as const;

/** [name, flags, version] tag triples. */
const DEP_TAGS = {
  provides: [1047, 1112, 1113],
  requires: [1049, 1048, 1050],
  conflicts: [1054, 1053, 1055],
  obsoletes: [1090, 1114, 1115],
  recommends: [5046, 5048, 5047],
  suggests: [5049, 5051, 5050],
  supplements: [5052, 5054, 5053],
  enhances: [5055, 5057, 5056],
  oldSuggests: [1156, 1158, 1157],
  oldEnhances: [1159, 1161, 1160],
} as const;

/** Signature header tags: RPMSIGTAG_SIZE, LONGSIZE, PAYLOADSIZE (uncompressed archive size). */
const SIG_SIZE = 1000;
const SIG_LONGSIZE = 270;
const SIG_PAYLOADSIZE = 1007;

const RPMSENSE_PREREQ = 1 << 6;
const RPMSENSE_SCRIPT_PRE = 1 << 9;
const RPMSENSE_SCRIPT_POST = 1 << 10;
const RPMSENSE_MISSINGOK = 1 << 19;
const RPMSENSE_STRONG = 1 << 27;
const RPMFILE_GHOST = 1 << 6;

async function readExactly(src: ByteSource, offset: number, length: number, what: string): Promise<Uint8Array> {
  if (offset + length > src.size) throw new AppError('FORMAT_TRUNCATED', `file ends inside the ${what}`);
  const bytes = await src.read(offset, length);
  if (bytes.length < length) throw new AppError('FORMAT_TRUNCATED', `file ends inside the ${what}`);
  return bytes;
}

async function readHeader(src: ByteSource, offset: number, what: string): Promise<{ header: RpmHeader; size: number }> {
  const { total } = headerSize(await src.read(offset, HEADER_INTRO_SIZE), what);
  const bytes = await readExactly(src, offset, total, what);
  return { header: new RpmHeader(bytes, what), size: total };
}

function checkLead(lead: Uint8Array): void {
  const magic = [0xed, 0xab, 0xee, 0xdb];
  if (magic.some((b, i) => i < lead.length && lead[i] !== b)) {
    throw new AppError('FORMAT_BAD_MAGIC', 'not an rpm file (bad lead magic)');
  }
  if (lead.length < LEAD_SIZE) throw new AppError('FORMAT_TRUNCATED', 'file ends inside the lead');
  // Only the magic matters to current rpm; a major version below 3 is the pre-header rpm 1/2 format.
  if (lead[4] < 3) throw new AppError('FORMAT_UNSUPPORTED', `rpm package format version ${lead[4]} is not supported`);
}

export async function parseRpm(src: ByteSource): Promise<RpmPackage> {
  checkLead(await src.read(0, LEAD_SIZE));
  const sig = await readHeader(src, LEAD_SIZE, 'signature header');
  // The signature header is padded so that the main header starts on an 8-byte boundary.
  const start = LEAD_SIZE + sig.size + ((8 - (sig.size % 8)) % 8);
  const main = await readHeader(src, start, 'main header');
  const end = start + main.size;
  checkPayloadPresent(src, sig.header, start, end);
  return fromHeaders(main.header, sig.header, { start, end });
}

/** The headers alone can be intact in a file cut short inside the payload; the declared package size tells. */
function checkPayloadPresent(src: ByteSource, sig: RpmHeader, start: number, end: number): void {
  const declared = sig.number(SIG_LONGSIZE) ?? sig.number(SIG_SIZE);
  if (declared !== null ? src.size < start + declared : src.size <= end) {
    throw new AppError('FORMAT_TRUNCATED', 'file ends inside the payload');
  }
}

function required(h: RpmHeader, tag: number, what: string): string {
  const v = h.string(tag);
  if (v === null || v === '') throw new AppError('FORMAT_INVALID', `main header has no ${what}`);
  return v;
}

function fromHeaders(h: RpmHeader, sig: RpmHeader, headerRange: { start: number; end: number }): RpmPackage {
  const name = required(h, T.NAME, 'name');
  const sourceRpm = h.string(T.SOURCERPM) ?? '';
  const isSource = (h.number(T.SOURCEPACKAGE) ?? 0) !== 0;
  const deps = readAllDeps(h);
  return {
    format: 'rpm',
    name,
    epoch: h.number(T.EPOCH) ?? 0,
    version: required(h, T.VERSION, 'version'),
    release: required(h, T.RELEASE, 'release'),
    // createrepo_c (like yum before it) labels every source package "src" whatever ARCH says.
    arch: isSource ? 'src' : (h.string(T.ARCH) ?? ''),
    sourceRpm,
    source: sourceName(sourceRpm) || name,
    summary: h.string(T.SUMMARY) ?? '',
    description: h.string(T.DESCRIPTION) ?? '',
    license: h.string(T.LICENSE) ?? '',
    vendor: h.string(T.VENDOR) ?? '',
    group: h.string(T.GROUP) ?? '',
    url: h.string(T.URL) ?? '',
    packager: h.string(T.PACKAGER) ?? '',
    buildTime: h.number(T.BUILDTIME) ?? 0,
    buildHost: h.string(T.BUILDHOST) ?? '',
    installedSize: h.number(T.LONGSIZE) ?? h.number(T.SIZE) ?? 0,
    // librpm merges the signature header's size tags into the main header only where the main header lacks them.
    archiveSize:
      h.number(T.LONGARCHIVESIZE) ?? sig.number(T.LONGARCHIVESIZE) ?? h.number(T.ARCHIVESIZE) ??
      sig.number(SIG_PAYLOADSIZE) ?? 0,
    headerRange,
    ...deps,
    files: readFiles(h),
    changelogs: readChangelogs(h),
    payloadCompressor: h.string(T.PAYLOADCOMPRESSOR) ?? 'gzip',
    signature: sniffSignature(sig),
  };
}

/** "bear-4.1-1.src.rpm" → "bear": the N of the source package's N-V-R. */
export function sourceName(sourceRpm: string): string {
  const nvr = sourceRpm.replace(/\.(no)?src\.rpm$/, '');
  const parts = nvr.split('-');
  return parts.length >= 3 ? parts.slice(0, -2).join('-') : nvr;
}

const FLAG_NAMES: Record<number, RpmDepFlag> = { 2: 'LT', 4: 'GT', 8: 'EQ', 10: 'LE', 12: 'GE' };

/**
 * Splits "E:V-R" the way createrepo_c's cr_str_to_evr does (first ':' ends the epoch, the first '-' after it
 * ends the version), keeping an absent part null and a present-but-empty one "" so the string can be rebuilt.
 */
export function splitEvr(evr: string): Pick<RpmDep, 'epoch' | 'version' | 'release'> {
  if (evr === '') return { epoch: null, version: null, release: null };
  const colon = evr.indexOf(':');
  const rest = colon >= 0 ? evr.slice(colon + 1) : evr;
  const dash = rest.indexOf('-');
  return {
    epoch: colon >= 0 ? evr.slice(0, colon) : null,
    version: dash >= 0 ? rest.slice(0, dash) : rest,
    release: dash >= 0 ? rest.slice(dash + 1) : null,
  };
}

interface RawDep {
  name: string;
  flags: number;
  evr: string;
}

function readDeps(h: RpmHeader, [nameTag, flagsTag, versionTag]: readonly number[]): RawDep[] {
  const names = h.strings(nameTag) ?? [];
  // rpm v3 packages may carry names without flags or versions; librpm reads those as unversioned.
  const flags = h.numbers(flagsTag) ?? names.map(() => 0);
  const versions = h.strings(versionTag) ?? names.map(() => '');
  if (flags.length !== names.length || versions.length !== names.length) {
    throw new AppError('FORMAT_INVALID', `dependency tag ${nameTag}: name, flag and version counts differ`);
  }
  return names.map((name, i) => ({ name, flags: flags[i], evr: versions[i] }));
}

function toDep(d: RawDep, isRequire: boolean): RpmDep {
  return {
    name: d.name,
    flags: FLAG_NAMES[d.flags & 0xf] ?? null,
    ...splitEvr(d.evr),
    pre: isRequire && (d.flags & (RPMSENSE_PREREQ | RPMSENSE_SCRIPT_PRE | RPMSENSE_SCRIPT_POST)) !== 0,
  };
}

/**
 * Pre-4.12 weak dependencies (SUSE) live in requires with RPMSENSE_MISSINGOK and in the OLDSUGGESTS/OLDENHANCES
 * tags with RPMSENSE_STRONG; they are sorted into the modern lists in the order createrepo_c (built with
 * ENABLE_LEGACY_WEAKDEPS, as 0.17 is) appends them.
 */
function readAllDeps(h: RpmHeader): Pick<RpmPackage, 'provides' | 'requires' | 'conflicts' | 'obsoletes' | 'recommends' | 'suggests' | 'supplements' | 'enhances'> {
  const plain = (key: keyof typeof DEP_TAGS) => readDeps(h, DEP_TAGS[key]).map((d) => toDep(d, false));
  const requiresRaw = readDeps(h, DEP_TAGS.requires);
  const oldSuggests = readDeps(h, DEP_TAGS.oldSuggests);
  const oldEnhances = readDeps(h, DEP_TAGS.oldEnhances);
  const strong = (d: RawDep) => (d.flags & RPMSENSE_STRONG) !== 0;
  return {
    provides: plain('provides'),
    requires: requiresRaw.filter((d) => !(d.flags & RPMSENSE_MISSINGOK)).map((d) => toDep(d, true)),
    conflicts: plain('conflicts'),
    obsoletes: plain('obsoletes'),
    recommends: [
      ...requiresRaw.filter((d) => d.flags & RPMSENSE_MISSINGOK).map((d) => toDep(d, false)),
      ...plain('recommends'),
      ...oldSuggests.filter(strong).map((d) => toDep(d, false)),
    ],
    suggests: [...plain('suggests'), ...oldSuggests.filter((d) => !strong(d)).map((d) => toDep(d, false))],
    supplements: [...plain('supplements'), ...oldEnhances.filter(strong).map((d) => toDep(d, false))],
    enhances: [...plain('enhances'), ...oldEnhances.filter((d) => !strong(d)).map((d) => toDep(d, false))],
  };
}

function filePaths(h: RpmHeader): string[] {
  const basenames = h.strings(T.BASENAMES);
  if (basenames === null) return h.strings(T.OLDFILENAMES) ?? []; // pre-4.0 packages store whole paths
  const dirnames = h.strings(T.DIRNAMES);
  const dirindexes = h.numbers(T.DIRINDEXES);
  if (dirnames === null || dirindexes === null || dirindexes.length !== basenames.length) {
    throw new AppError('FORMAT_INVALID', 'BASENAMES without matching DIRNAMES/DIRINDEXES');
  }
  return basenames.map((base, i) => {
    const dir = dirnames[dirindexes[i]];
    if (dir === undefined) throw new AppError('FORMAT_INVALID', `file ${base}: directory index out of range`);
    return dir + base;
  });
}

function fileType(mode: number, flags: number): RpmFile['type'] {
  const fmt = mode & 0o170000;
  if (fmt === 0o040000) return 'dir';
  if (flags & RPMFILE_GHOST) return 'ghost';
  if (fmt === 0o120000) return 'symlink';
  return fmt === 0o100000 || fmt === 0 ? 'file' : 'other';
}

function readFiles(h: RpmHeader): RpmFile[] {
  const paths = filePaths(h);
  const column = (tags: number[]): number[] => {
    for (const tag of tags) {
      const v = h.numbers(tag);
      if (v === null) continue;
      if (v.length !== paths.length) throw new AppError('FORMAT_INVALID', `file tag ${tag}: count differs from the file count`);
      return v;
    }
    return paths.map(() => 0);
  };
  const modes = column([T.FILEMODES]);
  const flags = column([T.FILEFLAGS]);
  const sizes = column([T.LONGFILESIZES, T.FILESIZES]);
  return paths.map((path, i) => {
    // A package must never make anyone who unpacks or serves its file list step outside its root.
    if (path.split('/').includes('..')) throw new AppError('UNSAFE_PATH', `unsafe file path in package: ${path}`);
    return { path, type: fileType(modes[i], flags[i]), size: sizes[i], mode: modes[i], flags: flags[i] };
  });
}

function readChangelogs(h: RpmHeader): RpmPackage['changelogs'] {
  const times = h.numbers(T.CHANGELOGTIME) ?? [];
  const names = h.strings(T.CHANGELOGNAME) ?? [];
  const texts = h.strings(T.CHANGELOGTEXT) ?? [];
  if (names.length !== times.length || texts.length !== times.length) {
    throw new AppError('FORMAT_INVALID', 'changelog time, name and text counts differ');
  }
  return times.map((date, i) => ({ author: names[i], date, text: texts[i] }));
}
