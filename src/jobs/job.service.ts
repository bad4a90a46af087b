import type { Logger } from 'pino';
import type { Clock } from '../core/clock.js';
import { AppError } from '../core/errors.js';
import type { JobsStore } from '../store/sql/jobs.store.js';
import type { EnqueueOptions, Job, JobContext, JobHandler } from './job.types.js';

export interface JobServiceDeps {
  jobs: JobsStore;
  clock: Clock;
  logger: Logger;
  /** Jobs run at the same time in this process. */
  concurrency?: number;
  pollMs?: number;
}

/**
 * Runs long work recorded in the jobs table. Any process may claim a job; handlers are registered by kind
 * at wiring time. enqueue() kicks the local workers at once, polling picks up jobs from other processes.
 */
export class JobService {
  private readonly handlers = new Map<string, JobHandler>();
  private readonly running = new Map<number, { controller: AbortController; done: Promise<void> }>();
  private timer: NodeJS.Timeout | undefined;
  private stopped = true;
  private draining = false;
  private kicking = false;

  constructor(private readonly deps: JobServiceDeps) {}

  register(kind: string, handler: JobHandler): void {
    this.handlers.set(kind, handler);
  }

  async enqueue(kind: string, payload: Record<string, unknown>, opts: EnqueueOptions = {}): Promise<number> {
    if (!this.handlers.has(kind)) throw new AppError('INTERNAL', `no handler for job kind ${kind}`);
    const now = this.deps.clock.now();
    const id = await this.deps.jobs.insert({
      kind,
      payload,
      lockKey: opts.lockKey ?? '',
      createdBy: opts.createdBy ?? '',
      createdAt: now.toISOString(),
      runAfter: (opts.runAfter ?? now).toISOString(),
      maxAttempts: opts.maxAttempts ?? 1,
    });
    this.kick();
    return id;
  }

  get(id: number): Promise<Job | undefined> {
    return this.deps.jobs.get(id);
  }

  /** Cancels a queued job, or aborts it when it runs in this process. */
  async cancel(id: number): Promise<Job> {
    const job = await this.deps.jobs.get(id);
    if (!job) throw new AppError('NOT_FOUND', `no job ${id}`);
    if (job.state === 'queued') await this.deps.jobs.cancelQueued(id, this.deps.clock.now().toISOString());
    else this.running.get(id)?.controller.abort(new AppError('JOB_CANCELED'));
    return (await this.deps.jobs.get(id)) ?? job;
  }

  /** Resolves when the job has finished (any final state), or with its current state after timeoutMs. */
  async wait(id: number, timeoutMs = 60_000): Promise<Job> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const job = await this.deps.jobs.get(id);
      if (!job) throw new AppError('NOT_FOUND', `no job ${id}`);
      if (job.state !== 'queued' && job.state !== 'running') return job;
      if (Date.now() >= until) return job;
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  queueDepth(): Promise<number> {
    return this.deps.jobs.countRunnable(this.deps.clock.now().toISOString());
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.timer = setInterval(() => this.kick(), this.deps.pollMs ?? 1000);
    this.timer.unref();
    this.kick();
  }

  /** Stops claiming and waits for the running jobs to finish (graceful shutdown). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await Promise.allSettled([...this.running.values()].map((r) => r.done));
  }

  private kick(): void {
    if (this.stopped || this.kicking) return;
    this.kicking = true;
    this.fill()
      .catch((err: unknown) => this.deps.logger.error({ err }, 'job claim failed'))
      .finally(() => {
        this.kicking = false;
        if (this.draining) {
          this.draining = false;
          this.kick();
        }
      });
  }

  private async fill(): Promise<void> {
    const limit = this.deps.concurrency ?? 2;
    while (!this.stopped && this.running.size < limit) {
      const job = await this.deps.jobs.claim([...this.handlers.keys()], this.deps.clock.now().toISOString());
      if (!job) return;
      const controller = new AbortController();
      const done = this.execute(job, controller).finally(() => {
        this.running.delete(job.id);
        this.draining = true;
        this.kick();
      });
      this.running.set(job.id, { controller, done });
    }
  }

  private async execute(job: Job, controller: AbortController): Promise<void> {
    const { jobs, clock, logger } = this.deps;
    const handler = this.handlers.get(job.kind)!;
    const ctx: JobContext = {
      job,
      signal: controller.signal,
      progress: async (p, message) => {
        await jobs.progress(job.id, Math.max(0, Math.min(100, Math.round(p))));
        if (message !== undefined) await jobs.appendLog(job.id, message);
      },
      log: (message) => jobs.appendLog(job.id, message),
    };
    try {
      const result = await handler(job.payload, ctx);
      await jobs.finish(job.id, 'succeeded', { result, finishedAt: clock.now().toISOString() });
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      if (controller.signal.aborted) {
        await jobs.finish(job.id, 'canceled', { error: message, finishedAt: clock.now().toISOString() });
      } else if (job.attempts < job.maxAttempts) {
        const backoffMs = 1000 * 2 ** job.attempts;
        await jobs.retryLater(job.id, message, new Date(clock.now().getTime() + backoffMs).toISOString());
      } else {
        logger.warn({ job: job.id, kind: job.kind, err }, 'job failed');
        await jobs.finish(job.id, 'failed', { error: message, finishedAt: clock.now().toISOString() });
      }
    }
  }
}
