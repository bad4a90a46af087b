import type { UploadResult } from '../../content/ingest.service.js';
import { type ErrorCode, isAppError } from '../../core/errors.js';

export type BatchFailure = { filename: string; status: 'failed'; error: { code: ErrorCode; message: string } };
export type BatchEntry = UploadResult | BatchFailure;

/**
 * The imports of one batch request, in upload order, with a bounded number in flight and a bounded number of
 * staged bytes held in memory by them: reading the next file overlaps with parsing and committing the earlier
 * ones (concurrent imports to one repository are committed together), while staged files waiting for their
 * import stay few. An import refused with an AppError
 * becomes that file's failed entry; any other error is kept as `fatal` and fails the request once every
 * import has settled. Entries never reject, so no promise is left unhandled whatever the request does.
 */
export class ImportWindow {
  private readonly entries: Array<Promise<BatchEntry>> = [];
  /** Staged bytes in memory per entry, and their sum from the oldest unsettled one on. */
  private readonly held: number[] = [];
  private heldBytes = 0;
  private oldest = 0;
  fatal: { err: unknown } | undefined;

  constructor(
    private readonly limit: number,
    private readonly byteLimit = Number.POSITIVE_INFINITY,
  ) {}

  /** A file's entry for an AppError; anything else is not the file's fault and is thrown on. */
  static failed(filename: string, err: unknown): BatchFailure {
    if (!isAppError(err)) throw err;
    return { filename, status: 'failed', error: { code: err.code, message: err.message } };
  }

  get size(): number {
    return this.entries.length;
  }

  /**
   * Adds a file's import, which holds `bytes` in memory until it settles; waits while the window is full (by
   * count, or by bytes while more than this import is in flight), and throws once an import failed fatally.
   */
  async add(filename: string, result: Promise<UploadResult> | BatchEntry, bytes = 0): Promise<void> {
    this.entries.push(
      Promise.resolve(result).catch((err: unknown) => {
        try {
          return ImportWindow.failed(filename, err);
        } catch {
          this.fatal ??= { err };
          return { filename, status: 'failed', error: { code: 'INTERNAL', message: 'internal error' } };
        }
      }),
    );
    this.held.push(bytes);
    this.heldBytes += bytes;
    const full = () => {
      const open = this.entries.length - this.oldest;
      return open >= this.limit || (open > 1 && this.heldBytes > this.byteLimit);
    };
    while (full()) {
      await this.entries[this.oldest];
      this.heldBytes -= this.held[this.oldest++];
    }
    if (this.fatal) throw this.fatal.err;
  }

  /** Every entry, in upload order, once all imports have settled. */
  settle(): Promise<BatchEntry[]> {
    return Promise.all(this.entries);
  }
}
