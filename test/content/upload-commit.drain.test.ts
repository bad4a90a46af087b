import type { Kysely } from 'kysely';
import { describe, expect, it } from 'vitest';
import { type PendingUpload, UploadCommitter, type UploadCommitDeps } from '../../src/content/upload-commit.js';
import type { Database } from '../../src/store/db/schema.js';

/**
 * The committer's queue, with stores that answer from memory: every upload is an already stored member, so
 * only the queueing is under test. The first transaction is held open to let another upload arrive while the
 * last batch's rows are being written.
 */
describe('UploadCommitter queue', () => {
  it('commits an upload that arrives while the last batch is being written', async () => {
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let transactions = 0;
    const trx = { getExecutor: () => ({ adapter: {} }) };
    const db = {
      transaction: () => ({
        execute: async (cb: (t: unknown) => Promise<number>) => {
          if (++transactions === 1) await held;
          return cb(trx);
        },
      }),
    };
    const deps = {
      db: db as unknown as Kysely<Database>,
      blobs: { commitAll: async () => undefined },
      repositories: { getById: async () => ({ id: 1, headSnapshot: 3 }) },
      packages: { idsBySha: async (shas: string[]) => new Map(shas.map((s) => [s, 9])), insertMany: async () => new Map() },
      snapshots: { liveMemberIds: async () => new Set([9]), addMembers: async () => undefined },
      audit: { recordMany: async () => undefined },
      publisher: { schedule: () => undefined },
    } as unknown as UploadCommitDeps;
    const committer = new UploadCommitter(deps, async () => new Map());
    const upload = (sha256: string) => ({ repo: { id: 1 }, facts: { sha256 }, known: true }) as unknown as PendingUpload;

    const first = committer.submit(upload('a'));
    while (transactions === 0) await new Promise((r) => setImmediate(r));
    const second = committer.submit(upload('b'));
    release();
    await expect(first).resolves.toEqual({ status: 'already_imported', snapshot: 3 });
    const stranded = new Promise((r) => setTimeout(() => r('still waiting after 2 s'), 2000));
    await expect(Promise.race([second, stranded])).resolves.toEqual({ status: 'already_imported', snapshot: 3 });
  });
});
