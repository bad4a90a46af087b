import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FsBlobStore } from '../../src/store/blobs/fs-blob.store.js';
import { migrate, openDatabase } from '../../src/store/db/database.js';

/** A scratch data directory with a blob store and a migrated SQLite database, for tests below the HTTP layer. */
export interface ScratchStore {
  dir: string;
  blobs: FsBlobStore;
  db: ReturnType<typeof openDatabase>;
  /** Closes the database and removes the directory. */
  close(): Promise<void>;
}

export async function openScratchStore(prefix: string): Promise<ScratchStore> {
  const dir = mkdtempSync(path.join(os.tmpdir(), `packyard-${prefix}-`));
  const blobs = new FsBlobStore(path.join(dir, 'blobs'));
  await blobs.init();
  const db = openDatabase({ databaseUrl: '', dataDir: dir });
  await migrate(db);
  return {
    dir,
    blobs,
    db,
    close: async () => {
      await db.destroy();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
