import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import lzma from 'lzma-native';

const gzipAsync = promisify(gzip);

/** Each call yields one complete gzip member; members concatenate into a valid gzip file (RFC 1952 §2.2). */
export async function gzipChunk(data: Buffer): Promise<Buffer> {
  return gzipAsync(data, { level: 6 });
}

/**
 * One complete .xz stream; streams concatenate into a valid .xz file (xz file format §2). Preset 1 keeps
 * encoder memory small (chunks are a few tens of KB; a larger dictionary would not help) and is fast.
 */
export function xzChunk(data: Buffer): Promise<Buffer> {
  return new Promise((resolve) => {
    lzma.compress(data, { preset: 1, check: lzma.CHECK_CRC64 }, (out) => resolve(out));
  });
}
