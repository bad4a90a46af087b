/**
 * Walks the entries of a tar stream (tar-stream) without buffering it, for the control and data members
 * of a .deb. deb(5) allows v7, pre-POSIX ustar, GNU long names and POSIX ustar/pax; tar-stream decodes
 * all of them once unknown magics are allowed (v7 has none), and still verifies every header checksum.
 */
import tarStream from 'tar-stream';
import type { Header } from 'tar-stream';
import { AppError } from '../../core/errors.js';

export type TarHeader = Header;

/**
 * Called once per entry. `read` collects the entry body (at most `max` bytes, else FORMAT_LIMIT_EXCEEDED);
 * if the visitor does not call it, the body is skipped.
 */
export type TarVisitor = (header: TarHeader, read: (max: number) => Promise<Uint8Array>) => void | Promise<void>;

function tarError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  const message = err instanceof Error ? err.message : String(err);
  if (/unexpected end/i.test(message)) return new AppError('FORMAT_TRUNCATED', 'tar archive ends inside an entry');
  if (/exceeds max size/i.test(message)) return new AppError('FORMAT_LIMIT_EXCEEDED', 'tar extended header too large');
  return new AppError('FORMAT_INVALID', `corrupt tar archive (${message})`);
}

async function collect(body: AsyncIterable<Uint8Array>, declared: number, max: number): Promise<Uint8Array> {
  if (declared > max) throw new AppError('FORMAT_LIMIT_EXCEEDED', `tar entry of ${declared} bytes exceeds ${max}`);
  const parts: Uint8Array[] = [];
  let total = 0;
  for await (const part of body) {
    total += part.length;
    if (total > max) throw new AppError('FORMAT_LIMIT_EXCEEDED', `tar entry exceeds ${max} bytes`);
    parts.push(part);
  }
  return Buffer.concat(parts, total);
}

export async function walkTar(chunks: AsyncIterable<Uint8Array>, visit: TarVisitor): Promise<void> {
  // The option exists in tar-stream 3 but is missing from its type declarations.
  const extract = tarStream.extract({ allowUnknownFormat: true } as Parameters<typeof tarStream.extract>[0]);
  let failure: unknown = null;
  let sourceFailure: unknown = null;
  let wake: (() => void) | null = null;
  const signal = () => {
    const w = wake;
    wake = null;
    w?.();
  };
  const waitFor = (event: string) =>
    new Promise<void>((resolve) => {
      wake = resolve;
      extract.once(event, signal);
    });

  extract.on('error', (err: unknown) => {
    failure ??= err;
    signal();
  });
  extract.on('close', signal);
  extract.on('entry', (header, body, next) => {
    // A failing archive destroys the current body too; its error is the one already reported by `extract`.
    body.on('error', () => {});
    // tar-stream streams no data for directories and empty entries (POSIX: no data blocks follow a
    // directory header, whatever its size field says), and the body it hands out for a directory with a
    // non-zero size never ends: waiting for it would hang the walk.
    let consumed = header.type === 'directory' || !header.size;
    const read = (max: number) => {
      if (consumed) return Promise.resolve(new Uint8Array(0));
      consumed = true;
      return collect(body as AsyncIterable<Uint8Array>, header.size ?? 0, max);
    };
    Promise.resolve()
      .then(() => visit(header, read))
      .then(
        () => {
          if (consumed) return next();
          // tar-stream wants the body drained before the next header is handed out.
          body.once('end', () => next());
          body.resume();
        },
        (err: unknown) => {
          body.resume();
          next(err instanceof Error ? err : new Error(String(err)));
        },
      );
  });

  const iterator = chunks[Symbol.asyncIterator]();
  try {
    for (;;) {
      if (failure) break;
      const { done, value } = await iterator.next();
      if (done || failure) break;
      if (!extract.write(value) && !failure) await waitFor('drain');
    }
    if (!failure) {
      extract.end(null);
      if (!failure) await waitFor('finish');
    }
  } catch (err) {
    // The source (ByteSource + decompressor) failed: its error is already typed, or is an I/O error that
    // must not be mistaken for a malformed archive.
    sourceFailure = err;
  } finally {
    if (failure || sourceFailure) {
      extract.destroy();
      // Closing the source releases decoder state (notably the xz decoder's lock); its own error, if any,
      // is less informative than the one already recorded.
      await iterator.return?.().catch(() => {});
    }
  }
  if (failure) throw tarError(failure);
  if (sourceFailure) throw sourceFailure;
}

/**
 * Turns a tar member name into an absolute, normalised path ("./usr/bin/x" → "/usr/bin/x", "./" → "/").
 * `..` components and control characters are refused: they would escape the package root or corrupt the
 * line-based index files the path ends up in.
 */
export function normaliseTarPath(name: string, maxLength: number): string {
  if (/[\x00-\x1f\x7f]/.test(name)) throw new AppError('UNSAFE_PATH', 'tar member name contains control characters');
  const parts: string[] = [];
  for (const part of name.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') throw new AppError('UNSAFE_PATH', `tar member name "${name}" contains ".."`);
    parts.push(part);
  }
  const path = `/${parts.join('/')}`;
  if (Buffer.byteLength(path) > maxLength) {
    throw new AppError('FORMAT_LIMIT_EXCEEDED', `tar member path longer than ${maxLength} bytes`);
  }
  return path;
}
