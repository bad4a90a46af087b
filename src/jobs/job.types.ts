export type JobState = 'queued' | 'running' | 'succeeded' | 'failed' | 'canceled';

export interface Job {
  id: number;
  kind: string;
  state: JobState;
  payload: Record<string, unknown>;
  result: Record<string, unknown>;
  error: string;
  progress: number;
  log: string;
  lockKey: string;
  createdBy: string;
  createdAt: string;
  runAfter: string;
  startedAt: string | null;
  finishedAt: string | null;
  attempts: number;
  maxAttempts: number;
}

export interface JobContext {
  job: Job;
  /** Aborted when the job is canceled or the process shuts down. */
  signal: AbortSignal;
  progress(percent: number, message?: string): Promise<void>;
  log(message: string): Promise<void>;
}

export type JobHandler = (payload: Record<string, unknown>, ctx: JobContext) => Promise<Record<string, unknown>>;

export interface EnqueueOptions {
  lockKey?: string;
  createdBy?: string;
  runAfter?: Date;
  maxAttempts?: number;
}
