/**
 * Reader for the common Unix `ar` archive format as used by .deb files.
 *
 * Follows deb(5) ("FORMAT": common ar format, `!<arch>\n` magic, 60-byte member headers, sizes of at most
 * 10 decimal digits, names of at most 16 bytes with an optional trailing GNU slash) and the ar layout it
 * refers to (ar(5) of BSD/GNU): each member's data is padded to an even offset. BSD `#1/<len>` long names
 * are accepted because some non-dpkg builders emit them; GNU long-name tables (`//`, `/<offset>`) are not
 * resolved and simply surface as members named `//` or `/123`, which the deb parser rejects as unexpected.
 *
 * Members are produced lazily, so a caller that stops after the members it needs (the deb parser stops
 * after data.tar, as deb(5) tells readers to ignore anything later) never reads further headers.
 */
import { AppError } from '../../core/errors.js';
import type { ByteSource } from '../types.js';

export const AR_MAGIC = '!<arch>\n';
const HEADER_SIZE = 60;

export interface ArMember {
  name: string;
  /** Absolute offset of the member data in the source. */
  offset: number;
  size: number;
}

export interface ArLimits {
  /** A .deb has three members plus a few optional `_` ones; anything near this is not a package. */
  maxMembers: number;
  /** Longest BSD `#1/<len>` name accepted. */
  maxNameLength: number;
}

export const DEFAULT_AR_LIMITS: ArLimits = { maxMembers: 64, maxNameLength: 256 };

const latin1 = new TextDecoder('latin1');

/** Reads exactly `length` bytes or throws FORMAT_TRUNCATED; never trusts the source to be as long as it says. */
export async function readExact(src: ByteSource, offset: number, length: number, what: string): Promise<Uint8Array> {
  if (offset + length > src.size) throw new AppError('FORMAT_TRUNCATED', `${what}: file ends before byte ${offset + length}`);
  const bytes = length === 0 ? new Uint8Array(0) : await src.read(offset, length);
  if (bytes.length !== length) throw new AppError('FORMAT_TRUNCATED', `${what}: file ends before byte ${offset + length}`);
  return bytes;
}

/** Streams a byte range in bounded chunks, so callers decompress without ever holding a whole member. */
export async function* readRange(src: ByteSource, offset: number, size: number, chunkSize = 64 * 1024): AsyncGenerator<Uint8Array> {
  for (let pos = 0; pos < size; pos += chunkSize) {
    const n = Math.min(chunkSize, size - pos);
    yield await readExact(src, offset + pos, n, 'ar member');
  }
}

/** Parses a decimal header field: ASCII digits left-aligned and padded with spaces, as ar writes them. */
function decimalField(bytes: Uint8Array, start: number, width: number, what: string): number {
  const text = latin1.decode(bytes.subarray(start, start + width)).replace(/ +$/, '');
  if (!/^[0-9]+$/.test(text)) throw new AppError('FORMAT_INVALID', `ar header: ${what} is not a decimal number`);
  return Number(text);
}

function printableName(name: string): boolean {
  return /^[\x21-\x7e]+$/.test(name);
}

/**
 * Yields the members of an ar archive in order. Every declared size is checked against the source size
 * before use, so an absurd size fails with FORMAT_TRUNCATED instead of a huge read.
 */
export async function* readArMembers(src: ByteSource, limits: ArLimits = DEFAULT_AR_LIMITS): AsyncGenerator<ArMember> {
  const head = await src.read(0, Math.min(AR_MAGIC.length, src.size));
  const magic = latin1.decode(head);
  if (magic !== AR_MAGIC) {
    if (magic.length < AR_MAGIC.length && AR_MAGIC.startsWith(magic) && magic.length > 0) {
      throw new AppError('FORMAT_TRUNCATED', 'file ends inside the ar magic');
    }
    throw new AppError('FORMAT_BAD_MAGIC', 'not an ar archive (missing "!<arch>" magic)');
  }

  let offset = AR_MAGIC.length;
  let count = 0;
  while (offset < src.size) {
    if (++count > limits.maxMembers) {
      throw new AppError('FORMAT_LIMIT_EXCEEDED', `ar archive has more than ${limits.maxMembers} members`);
    }
    const header = await readExact(src, offset, HEADER_SIZE, 'ar member header');
    if (header[58] !== 0x60 || header[59] !== 0x0a) {
      throw new AppError('FORMAT_INVALID', `ar member header at ${offset} has a bad terminator`);
    }
    let name = latin1.decode(header.subarray(0, 16)).replace(/ +$/, '');
    let size = decimalField(header, 48, 10, 'member size');
    let dataOffset = offset + HEADER_SIZE;
    if (dataOffset + size > src.size) {
      throw new AppError('FORMAT_TRUNCATED', `ar member "${name}" declares ${size} bytes but the file ends first`);
    }

    const bsd = /^#1\/([0-9]+)$/.exec(name);
    if (bsd) {
      const nameLength = Number(bsd[1]);
      if (nameLength > limits.maxNameLength) {
        throw new AppError('FORMAT_LIMIT_EXCEEDED', `ar member name longer than ${limits.maxNameLength} bytes`);
      }
      if (nameLength > size) throw new AppError('FORMAT_INVALID', 'ar BSD long name is longer than its member');
      // BSD pads the stored name with NULs.
      name = latin1.decode(await readExact(src, dataOffset, nameLength, 'ar member name')).replace(/\0+$/, '');
      dataOffset += nameLength;
      size -= nameLength;
    } else if (name.length > 1 && name.endsWith('/') && name !== '//') {
      name = name.slice(0, -1); // GNU terminates names with a slash
    }
    if (!printableName(name)) throw new AppError('FORMAT_INVALID', 'ar member name is empty or not printable ASCII');

    yield { name, offset: dataOffset, size };
    offset = dataOffset + size;
    if (offset % 2 === 1) offset += 1;
  }
}
