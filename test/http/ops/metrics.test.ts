import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDeb } from '../../helpers/build-packages.js';
import { multipart, startTestServer, type TestServer } from '../../helpers/app.js';
import { skipWithout } from '../../helpers/tools.js';

/** The value of one series in Prometheus text format, or undefined when absent. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const m = /^([^{\s]+)(?:\{(.*)\})?\s+(\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const got = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => got[k] === v)) return Number(m[3]);
  }
  return undefined;
}

describe.skipIf(skipWithout(['dpkg-deb']))('GET /metrics', () => {
  let srv: TestServer;
  beforeAll(async () => {
    srv = await startTestServer();
  });
  afterAll(async () => srv?.close());

  const upload = async (filename: string, content: Buffer, distribution = 'jammy') => {
    const body = multipart({ distribution }, { filename, content });
    return srv.app.inject({ method: 'POST', url: '/upload/', payload: body.payload, headers: { ...body.headers, authorization: `Bearer ${await srv.token()}` } });
  };
  const scrape = async () => {
    const res = await srv.app.inject({ url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    return res.body;
  };

  it('counts requests and latency by route template and status, never by raw URL', async () => {
    await srv.app.inject({ url: '/repos/dists/jammy/InRelease' });
    await srv.app.inject({ url: '/repos/dists/noble/InRelease' });
    await srv.app.inject({ url: '/no/such/place-1' });
    await srv.app.inject({ url: '/no/such/place-2' });
    const text = await scrape();
    expect(sample(text, 'repod_http_requests_total', { method: 'GET', path: '/repos/*', status_code: '200' })).toBe(2);
    expect(sample(text, 'repod_http_requests_total', { method: 'GET', path: 'unmatched', status_code: '404' })).toBe(2);
    expect(text).not.toContain('InRelease');
    expect(text).not.toContain('place-1');
    expect(sample(text, 'repod_http_request_duration_seconds_count', { method: 'GET', path: '/repos/*', status_code: '200' })).toBe(2);
    expect(sample(text, 'repod_http_request_duration_seconds_bucket', { path: '/repos/*', status_code: '200', le: '+Inf' })).toBe(2);
    expect(text).toContain('# TYPE repod_http_request_duration_seconds histogram');
  });

  it('counts uploads by outcome and packages per distribution and architecture', async () => {
    const deb = buildDeb({ name: 'metered', version: '1.0' });
    expect((await upload('metered.deb', deb)).json().status).toBe('accepted');
    expect((await upload('metered.deb', deb)).json().status).toBe('already_imported');
    expect((await upload('metered-all.deb', buildDeb({ name: 'metered-doc', version: '1.0', arch: 'all' }))).statusCode).toBe(200);
    expect((await upload('junk.deb', Buffer.from('junk'))).statusCode).toBe(422);
    await upload('noble.deb', buildDeb({ name: 'metered', version: '2.0' }), 'noble');
    const text = await scrape();
    expect(sample(text, 'repod_uploads_total', { status: 'accepted' })).toBe(3);
    expect(sample(text, 'repod_uploads_total', { status: 'already_imported' })).toBe(1);
    expect(sample(text, 'repod_uploads_total', { status: 'error' })).toBe(1);
    expect(sample(text, 'repod_packages_total', { distribution: 'jammy', arch: 'amd64' })).toBe(1);
    expect(sample(text, 'repod_packages_total', { distribution: 'jammy', arch: 'all' })).toBe(1);
    expect(sample(text, 'repod_packages_total', { distribution: 'noble', arch: 'amd64' })).toBe(1);
    // /api/v1 uploads are the same route for the upload counter
    const body = multipart({ distribution: 'jammy' }, { filename: 'v1.deb', content: buildDeb({ name: 'metered-v1', version: '1' }) });
    await srv.app.inject({ method: 'POST', url: '/api/v1/upload/', payload: body.payload, headers: { ...body.headers, authorization: `Bearer ${await srv.token()}` } });
    expect(sample(await scrape(), 'repod_uploads_total', { status: 'accepted' })).toBe(4);
  });

  it('exposes publish durations from the metrics object handed to services, and the job queue depth', async () => {
    // every repository was published at start, through the same metrics object
    const first = sample(await scrape(), 'packyard_publish_duration_seconds_count', { repository: 'jammy', result: 'success' }) ?? 0;
    expect(first).toBeGreaterThanOrEqual(1);
    srv.container.ops.metrics.observePublish('jammy', 0.2, 'success');
    const text = await scrape();
    expect(sample(text, 'packyard_publish_duration_seconds_count', { repository: 'jammy', result: 'success' })).toBe(first + 1);
    // with the workers stopped, two due jobs wait in the queue
    const { jobs } = srv.container;
    await jobs.stop();
    const before = sample(text, 'packyard_job_queue_depth') ?? -1;
    expect(before).toBeGreaterThanOrEqual(0);
    jobs.register('test.idle', async () => ({}));
    await jobs.enqueue('test.idle', {});
    await jobs.enqueue('test.idle', {});
    expect(sample(await scrape(), 'packyard_job_queue_depth')).toBe(before + 2);
    expect(sample(text, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
  });

  it('keeps each instance on its own registry', async () => {
    const other = await startTestServer();
    try {
      const text = (await other.app.inject({ url: '/metrics' })).body;
      expect(sample(text, 'repod_uploads_total', { status: 'accepted' })).toBeUndefined();
    } finally {
      await other.close();
    }
  });
});

describe('GET /metrics with METRICS_TOKEN', () => {
  let srv: TestServer;
  beforeAll(async () => {
    srv = await startTestServer({ METRICS_TOKEN: 'scrape-secret-123' });
  });
  afterAll(async () => srv?.close());

  it('requires exactly the token as a Bearer credential', async () => {
    const none = await srv.app.inject({ url: '/metrics' });
    expect(none.statusCode).toBe(401);
    expect(none.json().code).toBe('AUTH_REQUIRED');
    const wrong = await srv.app.inject({ url: '/metrics', headers: { authorization: 'Bearer scrape-secret-124' } });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json().code).toBe('AUTH_INVALID');
    // a user's JWT is not the scrape credential
    const jwt = await srv.app.inject({ url: '/metrics', headers: { authorization: `Bearer ${await srv.token()}` } });
    expect(jwt.statusCode).toBe(401);
    const ok = await srv.app.inject({ url: '/metrics', headers: { authorization: 'Bearer scrape-secret-123' } });
    expect(ok.statusCode).toBe(200);
    expect(ok.body).toContain('# TYPE repod_http_requests_total counter');
  });
});
