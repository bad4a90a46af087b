/**
 * Reader for the RPM header structure, following the RPM file format as documented by rpm.org
 * ("RPM Package format", docs/manual/format.md, and lib/header.c of rpm 4.x): an 8-byte intro
 * (magic 8e ad e8, header version 01, 4 reserved bytes), the index entry count and the data store size
 * (big-endian uint32 each), then `count` 16-byte index entries (tag, type, offset, count) and the store.
 *
 * The same structure is used for the signature header and the main header. Every entry is validated against
 * the store before any value is read, so a malformed file can only make us throw an AppError.
 */
import { AppError } from '../../core/errors.js';

export const HEADER_INTRO_SIZE = 16;
/** rpm itself refuses more than 0xffff tags (hdrchkTags); a real header has a few hundred. */
export const MAX_INDEX_ENTRIES = 65_536;
/** rpm allows up to 256 MiB; the largest real-world headers (texlive, kernel) stay well below this. */
export const MAX_STORE_SIZE = 64 * 1024 * 1024;
/**
 * Elements of one array entry. A store full of NULs could otherwise declare tens of millions of empty strings,
 * each costing far more memory as a JS value than its one byte in the file; real packages list < 200k files.
 */
export const MAX_ARRAY_COUNT = 1 << 20;

export const RPM_NULL = 0;
export const RPM_CHAR = 1;
export const RPM_INT8 = 2;
export const RPM_INT16 = 3;
export const RPM_INT32 = 4;
export const RPM_INT64 = 5;
export const RPM_STRING = 6;
export const RPM_BIN = 7;
export const RPM_STRING_ARRAY = 8;
export const RPM_I18NSTRING = 9;

const INT_WIDTH: Record<number, number> = { [RPM_CHAR]: 1, [RPM_INT8]: 1, [RPM_INT16]: 2, [RPM_INT32]: 4, [RPM_INT64]: 8 };

interface IndexEntry {
  type: number;
  offset: number;
  count: number;
}

/** Parses the 16-byte intro and returns the total size of the header structure (intro + index + store). */
export function headerSize(intro: Uint8Array, what: string): { entries: number; storeSize: number; total: number } {
  // Judge the magic on whatever bytes exist first, so garbage is reported as such even when it is short.
  if ([0x8e, 0xad, 0xe8].some((b, i) => i < intro.length && intro[i] !== b)) {
    throw new AppError('FORMAT_BAD_MAGIC', `${what}: bad header magic`);
  }
  if (intro.length < HEADER_INTRO_SIZE) throw new AppError('FORMAT_TRUNCATED', `${what}: file ends inside the header intro`);
  if (intro[3] !== 0x01) throw new AppError('FORMAT_UNSUPPORTED', `${what}: unsupported header version ${intro[3]}`);
  const view = new DataView(intro.buffer, intro.byteOffset, intro.byteLength);
  const entries = view.getUint32(8);
  const storeSize = view.getUint32(12);
  if (entries < 1 || entries > MAX_INDEX_ENTRIES) {
    throw new AppError('FORMAT_LIMIT_EXCEEDED', `${what}: ${entries} index entries (limit ${MAX_INDEX_ENTRIES})`);
  }
  if (storeSize > MAX_STORE_SIZE) {
    throw new AppError('FORMAT_LIMIT_EXCEEDED', `${what}: data store of ${storeSize} bytes (limit ${MAX_STORE_SIZE})`);
  }
  return { entries, storeSize, total: HEADER_INTRO_SIZE + entries * 16 + storeSize };
}

// ignoreBOM keeps a leading U+FEFF as text, as librpm and createrepo_c do.
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Header strings carry no declared encoding. Modern rpmbuild writes UTF-8, but old packages have ISO-8859-1
 * changelogs and names; like createrepo_c we treat every string that is not valid UTF-8 as Latin-1 so no
 * package is rejected for its text.
 */
export function decodeLenient(bytes: Uint8Array): string {
  try {
    return utf8.decode(bytes);
  } catch {
    // TextDecoder's 'latin1' label really is windows-1252; map bytes 1:1 to U+0000..U+00FF instead.
    let out = '';
    for (let i = 0; i < bytes.length; i += 4096) out += String.fromCharCode(...bytes.subarray(i, i + 4096));
    return out;
  }
}

export class RpmHeader {
  private readonly index = new Map<number, IndexEntry>();
  private readonly store: Uint8Array;
  private readonly view: DataView;

  /** `bytes` is the complete header structure: intro, index and store (exactly `headerSize().total` bytes). */
  constructor(
    bytes: Uint8Array,
    private readonly what: string,
  ) {
    const { entries, storeSize, total } = headerSize(bytes, what);
    if (bytes.length < total) throw new AppError('FORMAT_TRUNCATED', `${what}: file ends inside the header`);
    const iv = new DataView(bytes.buffer, bytes.byteOffset + HEADER_INTRO_SIZE, entries * 16);
    this.store = bytes.subarray(HEADER_INTRO_SIZE + entries * 16, total);
    this.view = new DataView(this.store.buffer, this.store.byteOffset, this.store.byteLength);
    for (let i = 0; i < entries; i++) {
      const tag = iv.getUint32(i * 16);
      const entry = { type: iv.getUint32(i * 16 + 4), offset: iv.getUint32(i * 16 + 8), count: iv.getUint32(i * 16 + 12) };
      this.check(tag, entry, storeSize);
      // A repeated tag is malformed; letting the first win keeps the result deterministic.
      if (!this.index.has(tag)) this.index.set(tag, entry);
    }
  }

  private fail(tag: number, why: string): never {
    throw new AppError('FORMAT_INVALID', `${this.what}: tag ${tag}: ${why}`);
  }

  /** Mirrors rpm's hdrchkType/hdrchkAlign/hdrchkData: the entry must lie inside the store and be aligned. */
  private check(tag: number, e: IndexEntry, storeSize: number): void {
    if (e.type > RPM_I18NSTRING) this.fail(tag, `unknown type ${e.type}`);
    if (e.offset > storeSize) this.fail(tag, 'offset outside the data store');
    if (e.count > MAX_ARRAY_COUNT && e.type !== RPM_BIN) {
      throw new AppError('FORMAT_LIMIT_EXCEEDED', `${this.what}: tag ${tag}: ${e.count} elements (limit ${MAX_ARRAY_COUNT})`);
    }
    const width = INT_WIDTH[e.type];
    if (width !== undefined) {
      if (e.offset % width !== 0) this.fail(tag, 'misaligned data');
      if (e.count > (storeSize - e.offset) / width) this.fail(tag, 'data extends past the store');
    } else if (e.type === RPM_BIN) {
      if (e.count > storeSize - e.offset) this.fail(tag, 'data extends past the store');
    } else if (e.type === RPM_STRING || e.type === RPM_STRING_ARRAY || e.type === RPM_I18NSTRING) {
      if (e.type === RPM_STRING && e.count !== 1) this.fail(tag, 'STRING with count other than 1');
      // Each string needs at least its NUL, so a larger count cannot fit; this bounds the scan below.
      if (e.count > storeSize - e.offset) this.fail(tag, 'string count exceeds the store');
    }
  }

  has(tag: number): boolean {
    return this.index.has(tag);
  }

  private entry(tag: number): IndexEntry | undefined {
    return this.index.get(tag);
  }

  /** The raw strings of a STRING, STRING_ARRAY or I18NSTRING entry, each NUL-terminated inside the store. */
  private rawStrings(tag: number, e: IndexEntry): Uint8Array[] {
    if (e.type !== RPM_STRING && e.type !== RPM_STRING_ARRAY && e.type !== RPM_I18NSTRING) {
      this.fail(tag, `expected a string, found type ${e.type}`);
    }
    const out: Uint8Array[] = [];
    let pos = e.offset;
    for (let i = 0; i < e.count; i++) {
      const end = this.store.indexOf(0, pos);
      if (end < 0) this.fail(tag, 'string is not NUL-terminated inside the store');
      out.push(this.store.subarray(pos, end));
      pos = end + 1;
    }
    return out;
  }

  /** Every string of the entry, or null when the tag is absent. */
  strings(tag: number): string[] | null {
    const e = this.entry(tag);
    return e ? this.rawStrings(tag, e).map(decodeLenient) : null;
  }

  /**
   * The first string (for I18NSTRING that is the "C" locale, which is what rpm and createrepo_c use).
   * Decoding one string only keeps a summary lookup from decoding every translation.
   */
  string(tag: number): string | null {
    const e = this.entry(tag);
    if (!e || e.count === 0) return null;
    return decodeLenient(this.rawStrings(tag, { ...e, count: 1 })[0]);
  }

  /** Integer entries as unsigned numbers; INT64 values beyond 2^53 are refused rather than rounded. */
  numbers(tag: number, limit = Number.POSITIVE_INFINITY): number[] | null {
    const e = this.entry(tag);
    if (!e) return null;
    const width = INT_WIDTH[e.type];
    if (width === undefined) this.fail(tag, `expected an integer, found type ${e.type}`);
    const n = Math.min(e.count, limit);
    const out = new Array<number>(n);
    for (let i = 0; i < n; i++) {
      const at = e.offset + i * width;
      if (width === 1) out[i] = this.view.getUint8(at);
      else if (width === 2) out[i] = this.view.getUint16(at);
      else if (width === 4) out[i] = this.view.getUint32(at);
      else {
        const big = this.view.getBigUint64(at);
        if (big > BigInt(Number.MAX_SAFE_INTEGER)) {
          throw new AppError('FORMAT_LIMIT_EXCEEDED', `${this.what}: tag ${tag}: 64-bit value too large`);
        }
        out[i] = Number(big);
      }
    }
    return out;
  }

  number(tag: number): number | null {
    return this.numbers(tag, 1)?.[0] ?? null;
  }

  /** A BIN entry (or the bytes of any other entry type are refused). */
  bytes(tag: number): Uint8Array | null {
    const e = this.entry(tag);
    if (!e) return null;
    if (e.type !== RPM_BIN) this.fail(tag, `expected binary data, found type ${e.type}`);
    return this.store.subarray(e.offset, e.offset + e.count);
  }
}
