import { crc32 } from 'node:zlib';

/**
 * Assembles one .xz stream out of blocks compressed separately (The .xz File Format 1.1.0, §2–§4).
 * apt's liblzma decoder is opened without LZMA_CONCATENATED and stops after the first stream, so
 * concatenated streams would silently hide every chunk but the first. A single stream made of many
 * independently compressed blocks decodes everywhere and still lets each chunk be compressed once.
 */

const MAGIC = Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]);
const FOOTER_MAGIC = Buffer.from('YZ');

export interface XzBlocks {
  /** Stream flags (second byte: check type), reused for the assembled stream. */
  flags: Buffer;
  /** The block bytes, padding and checks included. */
  blocks: Buffer;
  records: Array<{ unpadded: number; uncompressed: number }>;
}

function readVarint(buf: Buffer, pos: number): [number, number] {
  let value = 0;
  let shift = 1;
  for (let i = 0; i < 9; i++) {
    const b = buf[pos + i];
    if (b === undefined) throw new Error('truncated xz index');
    value += (b & 0x7f) * shift;
    shift *= 128;
    if ((b & 0x80) === 0) return [value, pos + i + 1];
  }
  throw new Error('xz varint too long');
}

function writeVarint(n: number, out: number[]): void {
  let v = n;
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
}

function crc32Le(data: Uint8Array): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(crc32(data) >>> 0);
  return b;
}

/** Splits a complete single-stream .xz file (as liblzma writes it) into its blocks and index records. */
export function splitXzStream(xz: Buffer): XzBlocks {
  if (xz.length < 32 || !xz.subarray(0, 6).equals(MAGIC) || !xz.subarray(xz.length - 2).equals(FOOTER_MAGIC)) {
    throw new Error('not a single .xz stream');
  }
  const flags = Buffer.from(xz.subarray(6, 8));
  const backward = xz.readUInt32LE(xz.length - 8);
  const indexSize = (backward + 1) * 4;
  const indexStart = xz.length - 12 - indexSize;
  if (xz[indexStart] !== 0x00) throw new Error('xz index indicator missing');
  let [count, pos] = readVarint(xz, indexStart + 1);
  const records: XzBlocks['records'] = [];
  while (count-- > 0) {
    const [unpadded, p1] = readVarint(xz, pos);
    const [uncompressed, p2] = readVarint(xz, p1);
    records.push({ unpadded, uncompressed });
    pos = p2;
  }
  return { flags, blocks: Buffer.from(xz.subarray(12, indexStart)), records };
}

export function xzStreamHeader(flags: Buffer): Buffer {
  return Buffer.concat([MAGIC, flags, crc32Le(flags)]);
}

/** Index and footer for the given block records, in order. */
export function xzStreamTrailer(flags: Buffer, records: XzBlocks['records']): Buffer {
  const index: number[] = [0x00];
  writeVarint(records.length, index);
  for (const r of records) {
    writeVarint(r.unpadded, index);
    writeVarint(r.uncompressed, index);
  }
  while (index.length % 4 !== 0) index.push(0x00);
  const indexBuf = Buffer.from(index);
  const indexWithCrc = Buffer.concat([indexBuf, crc32Le(indexBuf)]);
  const footerBody = Buffer.alloc(6);
  footerBody.writeUInt32LE(indexWithCrc.length / 4 - 1, 0);
  flags.copy(footerBody, 4);
  return Buffer.concat([indexWithCrc, crc32Le(footerBody), footerBody, FOOTER_MAGIC]);
}

/** Records of a block region are stored with a chunk as "unpadded:uncompressed,..." text. */
export function encodeRecords(records: XzBlocks['records']): string {
  return records.map((r) => `${r.unpadded}:${r.uncompressed}`).join(',');
}

export function decodeRecords(text: string): XzBlocks['records'] {
  if (!text) return [];
  return text.split(',').map((pair) => {
    const [u, c] = pair.split(':').map(Number);
    return { unpadded: u, uncompressed: c };
  });
}
