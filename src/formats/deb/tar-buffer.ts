/**
 * Walks a tar archive held in memory, synchronously: the control member of every package and the data
 * member of small ones, where tar-stream's streams cost more than the parsing (a synthetic package's two
 * members took ~60 stream objects). It reads what walkTar (tar-stream) reads, the same way: POSIX ustar
 * (name prefix), GNU and v7 headers, GNU long names (`L`, `K`), pax extended headers (`x`, `g`: path,
 * linkpath, size), every header checksum verified, all-zero blocks skipped.
 */
import { AppError } from '../../core/errors.js';
import type { TarHeader } from './tar.js';

/** Called once per entry with its body (a view into the archive, valid during the call). */
export type BufferTarVisitor = (header: TarHeader, body: Uint8Array) => void;

/** tar-stream's limit for one extended header (pax or GNU long name). */
const MAX_LONG_HEADER = 4 * 1024 * 1024;
const TYPES: Record<number, TarHeader['type']> = {
  0: 'file',
  1: 'link',
  2: 'symlink',
  3: 'character-device',
  4: 'block-device',
  5: 'directory',
  6: 'fifo',
  7: 'contiguous-file',
};
const latin1 = new TextDecoder('latin1');
const utf8 = new TextDecoder('utf-8');

function str(block: Uint8Array, offset: number, length: number): string {
  let end = offset;
  let ascii = true;
  while (end < offset + length && block[end] !== 0) {
    if (block[end] > 0x7f) ascii = false;
    end++;
  }
  // Names are short and nearly always ASCII, where a decoder call costs more than the copy.
  if (ascii) return String.fromCharCode.apply(null, block.subarray(offset, end) as unknown as number[]);
  return utf8.decode(block.subarray(offset, end));
}

/** Octal with optional leading spaces and NULs, or GNU base-256 when the first byte has its high bit set. */
function num(block: Uint8Array, offset: number, length: number): number {
  const field = block.subarray(offset, offset + length);
  if (field[0] & 0x80) {
    if (field[0] !== 0x80) return Number.NaN; // negative or unknown
    let value = 0;
    for (let i = 1; i < field.length; i++) value = value * 256 + field[i];
    return value;
  }
  let i = 0;
  while (i < field.length && field[i] === 32) i++;
  let end = field.indexOf(32, i);
  if (end < 0) end = field.length;
  while (i < end && field[i] === 0) i++;
  if (i === end) return 0;
  // Octal digits up to a NUL or the end, as parseInt reads them; anything else (signs, other whitespace,
  // garbage) is left to parseInt itself.
  let value = 0;
  for (let j = i; j < end; j++) {
    const c = field[j];
    if (c >= 48 && c <= 55) value = value * 8 + (c - 48);
    else if (c === 0) return value; // field[i] is a digit or garbage, never NUL (skipped above)
    else return Number.parseInt(latin1.decode(field.subarray(i, end)), 8);
  }
  return value;
}

function checksum(block: Uint8Array): number {
  let sum = 8 * 32;
  for (let i = 0; i < 148; i++) sum += block[i];
  for (let i = 156; i < 512; i++) sum += block[i];
  return sum;
}

function isUstar(block: Uint8Array): boolean {
  return block[257] === 0x75 && block[258] === 0x73 && block[259] === 0x74 && block[260] === 0x61 && block[261] === 0x72 && block[262] === 0;
}

function parsePax(body: Uint8Array): Record<string, string> {
  const out: Record<string, string> = {};
  let rest = body;
  while (rest.length) {
    let i = 0;
    while (i < rest.length && rest[i] !== 32) i++;
    const len = Number.parseInt(latin1.decode(rest.subarray(0, i)), 10);
    if (!len) break;
    const record = utf8.decode(rest.subarray(i + 1, len - 1));
    const eq = record.indexOf('=');
    if (eq < 0) break;
    out[record.slice(0, eq)] = record.slice(eq + 1);
    rest = rest.subarray(len);
  }
  return out;
}

const truncated = () => new AppError('FORMAT_TRUNCATED', 'tar archive ends inside an entry');

export function walkTarBuffer(tar: Uint8Array, visit: BufferTarVisitor): void {
  let at = 0;
  let longPath: string | null = null;
  let longLink: string | null = null;
  let pax: Record<string, string> | null = null;
  let paxGlobal: Record<string, string> | null = null;
  while (at < tar.length) {
    if (tar.length - at < 512) throw truncated();
    const block = tar.subarray(at, at + 512);
    at += 512;
    const sum = checksum(block);
    if (sum === 8 * 32) continue; // an all-zero block: end of archive or padding
    if (sum !== num(block, 148, 8)) throw new AppError('FORMAT_INVALID', 'corrupt tar archive (header checksum mismatch)');
    let flag = block[156] === 0 ? 0 : block[156] - 48;
    let name = str(block, 0, 100);
    if (isUstar(block) && block[345]) name = `${str(block, 345, 155)}/${name}`;
    if (flag === 0 && name.endsWith('/')) flag = 5;
    let size = num(block, 124, 12);
    if (flag === 72 || flag === 55 || flag === 27 || flag === 28 || flag === 30) {
      if (size > MAX_LONG_HEADER) throw new AppError('FORMAT_LIMIT_EXCEEDED', 'tar extended header too large');
      if (!(size >= 0) || at + size > tar.length) throw truncated();
      const body = tar.subarray(at, at + size);
      at += size + ((512 - (size % 512)) % 512);
      if (flag === 72) pax = { ...(paxGlobal ?? {}), ...parsePax(body) };
      else if (flag === 55) paxGlobal = parsePax(body);
      else if (flag === 27) longLink = str(body, 0, body.length);
      else longPath = str(body, 0, body.length);
      continue;
    }
    let linkname = block[157] === 0 ? null : str(block, 157, 100);
    if (longPath !== null) [name, longPath] = [longPath, null];
    if (longLink !== null) [linkname, longLink] = [longLink, null];
    if (pax) {
      if (pax.path) name = pax.path;
      if (pax.linkpath) linkname = pax.linkpath;
      if (pax.size) size = Number.parseInt(pax.size, 10);
      pax = null;
    }
    if (!(size >= 0)) throw new AppError('FORMAT_INVALID', 'corrupt tar archive (invalid header)');
    const type = TYPES[flag] ?? (null as unknown as TarHeader['type']);
    // POSIX: no data blocks follow a directory header, whatever its size field says (as tar-stream reads it).
    const dataSize = type === 'directory' ? 0 : size;
    if (at + dataSize > tar.length) throw truncated();
    const header = { name, mode: num(block, 100, 8), size, type, linkname } as TarHeader;
    visit(header, tar.subarray(at, at + dataSize));
    at += dataSize + ((512 - (dataSize % 512)) % 512);
  }
  if (at > tar.length) throw truncated();
}
