/**
 * Streaming decompression for the tar members of a .deb (deb(5): gzip, xz, zstd or none), with a hard
 * cap on the bytes produced so a decompression bomb fails fast instead of exhausting memory or time.
 *
 * Every codec here works on bounded buffers: gzip through node:zlib fed in small slices; xz through the
 * xz-embedded WebAssembly decoder, whose memory limit refuses dictionaries somewhere above 64 MiB (the
 * largest `xz -9` uses); zstd through fzstd after a frame walker (RFC 8878 section 3.1) has checked each
 * frame's window and block sizes, because fzstd itself would allocate whatever window a header declares.
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip, gunzipSync } from 'node:zlib';
import { Decompress } from 'fzstd';
import xzDecompress from 'xz-decompress';
import { AppError } from '../../core/errors.js';

const { XzReadableStream } = xzDecompress;

export type Codec = 'gzip' | 'xz' | 'zstd' | 'none';

/** zstd's own decoder refuses windows above 2^27 by default (ZSTD_WINDOWLOG_LIMIT_DEFAULT). */
const ZSTD_MAX_WINDOW = 1 << 27;
const ZSTD_MAX_BLOCK = 128 * 1024;
/** Small input slices bound what one decoder call can emit before the output cap is checked. */
const SLICE = 512;

async function* slices(input: AsyncIterable<Uint8Array>, size: number): AsyncGenerator<Uint8Array> {
  for await (const chunk of input) {
    for (let i = 0; i < chunk.length; i += size) yield chunk.subarray(i, i + size);
  }
}

/**
 * Members up to this size are inflated in one synchronous call, bounded by `maxOutputLength`: for the
 * small control and data members of most packages the stream machinery costs more than inflating.
 */
const SMALL_GZIP = 256 * 1024;

async function* gunzip(input: AsyncIterable<Uint8Array>, maxOutput: number): AsyncGenerator<Uint8Array> {
  const iterator = input[Symbol.asyncIterator]();
  const head: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const next = await iterator.next();
    if (next.done) {
      // One past the cap, so a bomb fails as "more than maxOutput" rather than stopping exactly at it.
      yield gunzipSync(Buffer.concat(head), { maxOutputLength: maxOutput + 1 });
      return;
    }
    head.push(next.value);
    size += next.value.length;
    if (size > SMALL_GZIP) break;
  }
  yield* gunzipStream(
    (async function* () {
      yield* head;
      for (let next = await iterator.next(); !next.done; next = await iterator.next()) yield next.value;
    })(),
  );
}

async function* gunzipStream(input: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  const source = Readable.from(slices(input, 8 * 1024));
  const inflater = createGunzip();
  const done = pipeline(source, inflater);
  done.catch(() => {}); // the same failure surfaces through the iteration below
  try {
    for await (const chunk of inflater) yield chunk as Uint8Array;
    await done;
  } finally {
    source.destroy();
    inflater.destroy();
  }
}

async function* unxz(input: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  const iterator = input[Symbol.asyncIterator]();
  const compressed = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const { done, value } = await iterator.next();
      if (done) controller.close();
      else controller.enqueue(value);
    },
    async cancel() {
      await iterator.return?.();
    },
  });
  // Leaving this loop early (an error downstream) cancels the stream, which releases the decoder's
  // process-wide lock; xz-decompress decodes one stream at a time and would otherwise block forever.
  for await (const chunk of new XzReadableStream(compressed)) yield chunk;
}

/** Walks zstd frames alongside the decoder and rejects what would make fzstd allocate too much. */
class ZstdFrameGuard {
  private header: number[] = [];
  private need = 4;
  private skip = 0;
  private state: 'magic' | 'skippable' | 'frame' | 'block' | 'checksum' = 'magic';
  private checksum = false;
  private frames = 0;

  /** An empty input or one that stops inside a frame is not a zstd stream (fzstd accepts the former). */
  finish(): void {
    if (this.frames === 0 || this.state !== 'magic' || this.header.length > 0 || this.skip > 0) {
      throw new AppError('FORMAT_TRUNCATED', 'zstd: stream ends inside a frame');
    }
  }

  feed(bytes: Uint8Array): void {
    let i = 0;
    while (i < bytes.length) {
      if (this.skip > 0) {
        const n = Math.min(this.skip, bytes.length - i);
        this.skip -= n;
        i += n;
        continue;
      }
      this.header.push(bytes[i++]);
      if (this.header.length === 2 && this.state === 'frame') this.need = frameHeaderLength(this.header[0]) + 1;
      if (this.header.length < this.need) continue;
      this.step();
    }
  }

  private step(): void {
    const h = this.header;
    this.header = [];
    switch (this.state) {
      case 'magic': {
        const magic = (h[0] | (h[1] << 8) | (h[2] << 16) | (h[3] << 24)) >>> 0;
        if (magic === 0xfd2fb528) {
          [this.state, this.need] = ['frame', 2];
          this.frames++;
        }
        else if ((magic & 0xfffffff0) === 0x184d2a50) [this.state, this.need] = ['skippable', 4];
        else throw new AppError('FORMAT_INVALID', 'zstd: bad frame magic');
        return;
      }
      case 'skippable':
        this.skip = (h[0] | (h[1] << 8) | (h[2] << 16) | (h[3] << 24)) >>> 0;
        [this.state, this.need] = ['magic', 4];
        return;
      case 'frame': {
        const fhd = h[0];
        if (fhd & 0x08) throw new AppError('FORMAT_INVALID', 'zstd: reserved frame header bit set');
        if (fhd & 0x03) throw new AppError('FORMAT_UNSUPPORTED', 'zstd: dictionaries are not supported');
        this.checksum = (fhd & 0x04) !== 0;
        const singleSegment = (fhd & 0x20) !== 0;
        let window: number;
        if (singleSegment) {
          const fcsBytes = h.slice(1);
          window = fcsBytes.reduceRight((acc, b) => acc * 256 + b, 0) + (fcsBytes.length === 2 ? 256 : 0);
        } else {
          const base = 2 ** (10 + (h[1] >> 3));
          window = base + (base / 8) * (h[1] & 7);
        }
        if (window > ZSTD_MAX_WINDOW) {
          throw new AppError('FORMAT_LIMIT_EXCEEDED', `zstd: window of ${window} bytes exceeds ${ZSTD_MAX_WINDOW}`);
        }
        [this.state, this.need] = ['block', 3];
        return;
      }
      case 'block': {
        const bh = h[0] | (h[1] << 8) | (h[2] << 16);
        const type = (bh >> 1) & 3;
        const size = bh >>> 3;
        if (type === 3) throw new AppError('FORMAT_INVALID', 'zstd: reserved block type');
        if (size > ZSTD_MAX_BLOCK) throw new AppError('FORMAT_INVALID', 'zstd: block larger than 128 KiB');
        this.skip = type === 1 ? 1 : size;
        if (bh & 1) [this.state, this.need] = this.checksum ? ['checksum', 4] : ['magic', 4];
        return;
      }
      case 'checksum':
        [this.state, this.need] = ['magic', 4];
        return;
    }
  }
}

/** Frame header bytes after the descriptor: window descriptor, dictionary id, frame content size. */
function frameHeaderLength(fhd: number): number {
  const singleSegment = (fhd >> 5) & 1;
  const fcsFlag = fhd >> 6;
  const dictBytes = [0, 1, 2, 4][fhd & 3];
  const fcsBytes = fcsFlag === 0 ? singleSegment : 1 << fcsFlag;
  return (singleSegment ? 0 : 1) + dictBytes + fcsBytes;
}

async function* unzstd(input: AsyncIterable<Uint8Array>, budget: { left: number }): AsyncGenerator<Uint8Array> {
  const out: Uint8Array[] = [];
  const guard = new ZstdFrameGuard();
  const decoder = new Decompress((block) => {
    budget.left -= block.length;
    if (budget.left < 0) throw new AppError('FORMAT_LIMIT_EXCEEDED', 'zstd output exceeds the limit');
    out.push(block);
  });
  for await (const piece of slices(input, SLICE)) {
    guard.feed(piece);
    decoder.push(piece);
    while (out.length > 0) yield out.shift() as Uint8Array;
  }
  guard.finish();
  decoder.push(new Uint8Array(0), true);
  while (out.length > 0) yield out.shift() as Uint8Array;
}

/** Marks a failure of the compressed input itself (an I/O error, a truncated ar member) on its way through a codec. */
class InputFailure extends Error {
  constructor(readonly original: unknown) {
    super('input failed');
  }
}

async function* marked(input: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  try {
    yield* input;
  } catch (err) {
    throw new InputFailure(err);
  }
}

function toFormatError(err: unknown, what: string): unknown {
  if (err instanceof InputFailure) return err.original;
  if (err instanceof AppError) return err;
  const message = err instanceof Error ? err.message : String(err);
  // zlib's Z_BUF_ERROR, xz-embedded's XZ_BUF_ERROR (8) and fzstd's UnexpectedEOF (5) all mean "input ended early".
  const truncated =
    /unexpected end|error code 8\b/i.test(message) || (err as { code?: unknown })?.code === 5 || (err as { code?: unknown })?.code === 'Z_BUF_ERROR';
  if (truncated) return new AppError('FORMAT_TRUNCATED', `${what}: compressed data ends early`);
  if (/error code 4\b/.test(message)) return new AppError('FORMAT_LIMIT_EXCEEDED', `${what}: xz dictionary too large`);
  // XZ_OPTIONS_ERROR: a filter or integrity check (notably SHA-256) this decoder was built without.
  if (/error code 6\b/.test(message)) return new AppError('FORMAT_UNSUPPORTED', `${what}: unsupported xz options or check type`);
  return new AppError('FORMAT_INVALID', `${what}: corrupt compressed data (${message})`);
}

/**
 * Decompresses `input` chunk by chunk. Throws FORMAT_LIMIT_EXCEEDED as soon as more than `maxOutput`
 * bytes come out and maps every codec failure to a typed AppError; errors of `input` itself are rethrown
 * unchanged, so a failing disk is not reported as a malformed package.
 */
export async function* decompress(
  codec: Codec,
  input: AsyncIterable<Uint8Array>,
  maxOutput: number,
  what: string,
): AsyncGenerator<Uint8Array> {
  const budget = { left: maxOutput };
  const limitError = () => new AppError('FORMAT_LIMIT_EXCEEDED', `${what} decompresses to more than ${maxOutput} bytes`);
  let produced = 0;
  let source: AsyncIterable<Uint8Array>;
  input = marked(input);
  switch (codec) {
    case 'none':
      source = input;
      break;
    case 'gzip':
      source = gunzip(input, maxOutput);
      break;
    case 'xz':
      source = unxz(input);
      break;
    case 'zstd':
      source = unzstd(input, budget);
      break;
  }
  try {
    for await (const chunk of source) {
      produced += chunk.length;
      if (produced > maxOutput) throw limitError();
      if (chunk.length > 0) yield chunk;
    }
  } catch (err) {
    if (err instanceof AppError && err.code === 'FORMAT_LIMIT_EXCEEDED' && budget.left < 0) throw limitError();
    // gunzipSync's maxOutputLength
    if ((err as { code?: unknown })?.code === 'ERR_BUFFER_TOO_LARGE') throw limitError();
    throw toFormatError(err, what);
  }
}
