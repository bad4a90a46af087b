/**
 * Streaming JSON readers for feeds too large to hold in memory: a top-level array is read element by element,
 * a top-level object key by key (stream-json), so memory stays bounded by the largest element.
 */
import { Readable } from 'node:stream';
import StreamArray from 'stream-json/streamers/StreamArray.js';
import StreamObject from 'stream-json/streamers/StreamObject.js';
import Parser from 'stream-json';
import { AppError } from '../../core/errors.js';

/** Re-attaches a chunk already read to the rest of the input. */
async function* prepend(first: Buffer, rest: AsyncIterator<Buffer>): AsyncGenerator<Buffer> {
  yield first;
  for (;;) {
    const n = await rest.next();
    if (n.done) return;
    yield n.value;
  }
}

async function peek(input: AsyncIterable<Buffer>): Promise<{ first: string; stream: Readable } | null> {
  const it = input[Symbol.asyncIterator]();
  let head = Buffer.alloc(0);
  for (;;) {
    const n = await it.next();
    if (n.done) break;
    head = Buffer.concat([head, Buffer.from(n.value)]);
    const trimmed = head.toString('utf8').replace(/^\uFEFF/, '').trimStart();
    if (trimmed) return { first: trimmed[0], stream: Readable.from(prepend(head, it)) };
  }
  return null;
}

async function* streamed<T>(source: Readable, streamer: Readable): AsyncGenerator<T> {
  const parser = Parser.parser();
  const fail = (err: Error) => streamer.destroy(err);
  source.on('error', fail);
  parser.on('error', fail);
  source.pipe(parser).pipe(streamer as unknown as NodeJS.WritableStream);
  try {
    // Async iteration pulls one item at a time, so the parser is held back while the consumer works.
    for await (const item of streamer) yield item as T;
  } catch (err) {
    throw new AppError('FORMAT_INVALID', `invalid JSON feed: ${(err as Error).message}`);
  } finally {
    source.destroy();
    parser.destroy();
  }
}

/** Values of a JSON document that is either one object (read whole, up to maxObjectBytes) or an array of them. */
export async function* jsonValues(input: AsyncIterable<Buffer>, maxObjectBytes: number): AsyncGenerator<unknown> {
  const head = await peek(input);
  if (!head) return;
  if (head.first === '[') {
    for await (const item of streamed<{ value: unknown }>(head.stream, StreamArray.streamArray() as unknown as Readable)) yield item.value;
    return;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of head.stream) {
    size += (c as Buffer).length;
    if (size > maxObjectBytes) throw new AppError('FORMAT_LIMIT_EXCEEDED', `a single JSON record larger than ${maxObjectBytes} bytes`);
    chunks.push(c as Buffer);
  }
  try {
    yield JSON.parse(Buffer.concat(chunks).toString('utf8').replace(/^\uFEFF/, ''));
  } catch (err) {
    throw new AppError('FORMAT_INVALID', `invalid JSON: ${(err as Error).message}`);
  }
}

/** The members of a top-level JSON object, one (key, value) at a time. */
export async function* jsonObjectMembers(input: AsyncIterable<Buffer>): AsyncGenerator<{ key: string; value: unknown }> {
  const head = await peek(input);
  if (!head) return;
  if (head.first !== '{') throw new AppError('FORMAT_INVALID', 'expected a JSON object at the top level');
  yield* streamed<{ key: string; value: unknown }>(head.stream, StreamObject.streamObject() as unknown as Readable);
}
