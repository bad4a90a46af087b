import type { Generated } from 'kysely';

/** Long work recorded in the database, claimed by any process (FOR UPDATE SKIP LOCKED on PostgreSQL). */
export interface JobsTable {
  id: Generated<number>;
  kind: string;
  /** queued → running → succeeded | failed | canceled */
  state: string;
  payload: string;
  result: string;
  error: string;
  progress: number;
  log: string;
  /** Jobs with the same non-empty key never run at the same time (e.g. `repo:12`). */
  lock_key: string;
  created_by: string;
  created_at: string;
  run_after: string;
  started_at: string | null;
  finished_at: string | null;
  attempts: number;
  max_attempts: number;
}

export interface JobsTables {
  jobs: JobsTable;
}
