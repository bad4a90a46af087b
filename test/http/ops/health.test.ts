import { renameSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../helpers/app.js';
import { addInstance, ManualClock } from './instances.js';

describe('health probes', () => {
  let srv: TestServer;
  beforeAll(async () => {
    srv = await startTestServer();
  });
  afterAll(async () => srv?.close());

  it('GET /health reports every check, the version and the time', async () => {
    const res = await srv.app.inject({ url: '/health' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    const body = res.json();
    expect(body.status).toBe('healthy');
    expect(body.version).toBe(srv.config.version);
    expect(body.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(Number.isNaN(Date.parse(body.timestamp))).toBe(false);
    expect(Object.keys(body.checks).sort()).toEqual(['blob_store', 'database', 'disk_space', 'signing_key']);
    for (const check of Object.values(body.checks) as Array<{ status: string }>) expect(check.status).toBe('ok');
    expect(body.checks.database.critical).toBe(true);
    expect(body.checks.signing_key.critical).toBe(false);
  });

  it('GET /health/live answers as Repod does', async () => {
    const res = await srv.app.inject({ url: '/health/live' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ alive: true, status: 'alive' });
  });

  it('GET /health/ready is 200 while the database and blob store answer', async () => {
    const res = await srv.app.inject({ url: '/health/ready' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ ready: true, checks: { database: { status: 'ok' }, blob_store: { status: 'ok' } } });
    expect(res.json().failing).toBeUndefined();
  });

  it('answers 503 (unhealthy, not ready) while the blob store is unreachable, and recovers', async () => {
    const blobs = path.join(srv.dataDir, 'blobs');
    renameSync(blobs, `${blobs}.away`);
    try {
      const health = await srv.app.inject({ url: '/health' });
      expect(health.statusCode).toBe(503);
      expect(health.json()).toMatchObject({ status: 'unhealthy', checks: { blob_store: { status: 'fail' }, database: { status: 'ok' } } });
      // a public probe does not leak server paths
      expect(health.body).not.toContain(srv.dataDir);
      const ready = await srv.app.inject({ url: '/health/ready' });
      expect(ready.statusCode).toBe(503);
      expect(ready.json()).toMatchObject({ ready: false, failing: ['blob_store'] });
      expect((await srv.app.inject({ url: '/health/live' })).statusCode).toBe(200);
    } finally {
      renameSync(`${blobs}.away`, blobs);
    }
    expect((await srv.app.inject({ url: '/health/ready' })).statusCode).toBe(200);
  });

  it('answers 503 while the database is unreachable; liveness stays 200', async () => {
    const other = await addInstance(srv, new ManualClock());
    await other.container.db.destroy();
    try {
      const ready = await other.app.inject({ url: '/health/ready' });
      expect(ready.statusCode).toBe(503);
      expect(ready.json()).toMatchObject({ ready: false, failing: ['database'] });
      const health = await other.app.inject({ url: '/health' });
      expect(health.statusCode).toBe(503);
      expect(health.json()).toMatchObject({ status: 'unhealthy', checks: { database: { status: 'fail' }, blob_store: { status: 'ok' } } });
      expect((await other.app.inject({ url: '/health/live' })).statusCode).toBe(200);
    } finally {
      await other.app.close();
    }
  });

  it('is not served under /api/v1, where Repod has no probes either', async () => {
    expect((await srv.app.inject({ url: '/api/v1/health' })).statusCode).toBe(404);
  });
});
