import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { JobService } from '../../src/jobs/job.service.js';
import { startTestServer, type TestServer } from '../helpers/app.js';

describe('jobs', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer();
    const { jobs } = s.container;
    jobs.register('test.echo', async (payload, ctx) => {
      await ctx.progress(50, 'half way');
      return { echoed: payload.value };
    });
    jobs.register('test.fail', async () => {
      throw new Error('boom');
    });
    jobs.register('test.slow', (_payload, ctx) => new Promise((_resolve, reject) => ctx.signal.addEventListener('abort', () => reject(new Error('stopped')))));
  });
  afterAll(async () => s.close());

  it('runs a job to completion and records its result, progress and log', async () => {
    const id = await s.container.jobs.enqueue('test.echo', { value: 42 }, { createdBy: 'admin' });
    const job = await s.container.jobs.wait(id, 10_000);
    expect(job.state).toBe('succeeded');
    expect(job.result).toEqual({ echoed: 42 });
    expect(job.progress).toBe(100);
    expect(job.log).toBe('half way\n');
    const res = await s.app.inject({ method: 'GET', url: `/api/v1/jobs/${id}`, headers: { authorization: `Bearer ${await s.token()}` } });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ id, kind: 'test.echo', state: 'succeeded', created_by: 'admin' });
  });

  it('records a failure with its error', async () => {
    const id = await s.container.jobs.enqueue('test.fail', {});
    const job = await s.container.jobs.wait(id, 10_000);
    expect(job.state).toBe('failed');
    expect(job.error).toBe('boom');
  });

  it('cancels a running job through the API', async () => {
    const id = await s.container.jobs.enqueue('test.slow', {});
    for (let i = 0; i < 200 && (await s.container.jobs.get(id))?.state !== 'running'; i++) await new Promise((r) => setTimeout(r, 10));
    const res = await s.app.inject({ method: 'POST', url: `/jobs/${id}/cancel`, headers: { authorization: `Bearer ${await s.token()}` } });
    expect(res.statusCode).toBe(200);
    expect((await s.container.jobs.wait(id, 10_000)).state).toBe('canceled');
  });

  it('never runs one job twice when two services claim from the same database', async () => {
    let runs = 0;
    const other = new JobService({ jobs: s.container.stores.jobs, clock: s.container.clock, logger: pino({ level: 'silent' }), pollMs: 5 });
    const count = async () => {
      runs += 1;
      return {};
    };
    other.register('test.count', count);
    s.container.jobs.register('test.count', count);
    other.start();
    const ids = await Promise.all(Array.from({ length: 20 }, () => s.container.jobs.enqueue('test.count', {})));
    for (const id of ids) expect((await s.container.jobs.wait(id, 10_000)).state).toBe('succeeded');
    await other.stop();
    expect(runs).toBe(20);
  });

  it('answers 404 for an unknown job and 401 without credentials', async () => {
    expect((await s.app.inject({ method: 'GET', url: '/jobs/999999', headers: { authorization: `Bearer ${await s.token()}` } })).statusCode).toBe(404);
    expect((await s.app.inject({ method: 'GET', url: '/jobs/1' })).statusCode).toBe(401);
  });
});
