import type { Readable } from 'node:stream';
import type { BlobFacts, ByteSource } from '../../formats/types.js';

/** An upload held in staging (memory or a local temp file) while hashed; committed into the store only once accepted. */
export interface StagedBlob {
  readonly facts: BlobFacts;
  /** Bytes the staged blob holds in memory until it is committed or discarded (0 when staged on disk). */
  readonly memoryBytes: number;
  /** Random access to the staged bytes (for parsing) — valid until commit or discard. */
  source(): Promise<ByteSource & { close(): Promise<void> }>;
  /** Moves the bytes into the store under their SHA-256. Idempotent when the blob already exists. */
  commit(): Promise<void>;
  discard(): Promise<void>;
}

/**
 * Content-addressed, write-once storage. A blob is always complete before its address becomes visible
 * (temp file + fsync + rename on the filesystem; a single PUT on object stores), so rows written after
 * it never point at partial bytes.
 */
export interface BlobStore {
  stage(input: Readable, opts: { maxBytes: number }): Promise<StagedBlob>;
  /**
   * Commits several staged blobs durably at once (group commit of concurrent uploads): the same guarantee
   * as committing each, with one round of syncs for the whole batch. A blob already stored is not written
   * again; it is marked as just written (see putBuffer).
   */
  commitAll(staged: StagedBlob[]): Promise<void>;
  putBuffer(data: Uint8Array, opts?: { durable?: boolean }): Promise<{ sha256: string; size: number }>;
  /**
   * Stores many blobs whose SHA-256 the caller computed, durably, as few writes as the store can (one pack file
   * on the filesystem): the index chunks a publication builds. A blob already stored is marked as just written.
   */
  putMany(blobs: Array<{ sha256: string; bytes: Uint8Array }>): Promise<void>;
  has(sha256: string): Promise<boolean>;
  /** Stream of bytes [start, end] inclusive, or the whole blob. */
  read(sha256: string, range?: { start: number; end: number }): Readable;
  readBuffer(sha256: string): Promise<Buffer>;
  /**
   * Local stores only: reads a small blob of known size into `into` (at least that large) in one blocking
   * call and returns the filled view. For hashing many small index chunks without an allocation each.
   */
  readSmallSync?(sha256: string, size: number, into: Buffer): Buffer;
  delete(sha256: string): Promise<void>;
  /** Stores that keep many blobs in one file: reclaims the space of deleted ones (after garbage collection). */
  compact?(): Promise<void>;
  /** Every stored blob with its size and write time (garbage collection). */
  list(): AsyncIterable<{ sha256: string; size: number; modifiedAt: Date }>;
  /** Throws when the store is unusable (readiness probe). */
  check(): Promise<void>;
}
