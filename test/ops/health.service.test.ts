import { describe, expect, it } from 'vitest';
import { type HealthDeps, HealthService } from '../../src/ops/health.service.js';

const ok = async () => {};
const fail = async () => {
  throw Object.assign(new Error('/secret/path: no such file'), { code: 'ENOENT' });
};

function service(overrides: Partial<HealthDeps> = {}) {
  const errors: string[] = [];
  const deps: HealthDeps = {
    clock: { now: () => new Date('2026-01-05T10:00:00Z') },
    version: '1.2.3',
    pingDatabase: ok,
    checkBlobStore: ok,
    signProbe: ok,
    freeBytes: async () => 10 * 1024 ** 3,
    minFreeBytes: 1024 ** 3,
    timeoutMs: 50,
    onCheckError: (name) => errors.push(name),
    ...overrides,
  };
  return { health: new HealthService(deps), errors };
}

describe('HealthService', () => {
  it('is healthy when every check passes', async () => {
    const report = await service().health.health();
    expect(report).toMatchObject({ status: 'healthy', version: '1.2.3', timestamp: '2026-01-05T10:00:00.000Z' });
  });

  it('is degraded, not unhealthy, when only a non-critical check fails', async () => {
    const { health, errors } = service({ signProbe: fail });
    const report = await health.health();
    expect(report.status).toBe('degraded');
    expect(report.checks.signing_key).toMatchObject({ status: 'fail', critical: false, detail: 'ENOENT' });
    expect(JSON.stringify(report)).not.toContain('/secret/path');
    expect(errors).toEqual(['signing_key']);
  });

  it('warns (degraded) when the data directory is nearly full', async () => {
    const report = await service({ freeBytes: async () => 100 * 1024 ** 2 }).health.health();
    expect(report.status).toBe('degraded');
    expect(report.checks.disk_space.status).toBe('warn');
  });

  it('is unhealthy when the database fails, and a hanging check fails instead of hanging the probe', async () => {
    const report = await service({ pingDatabase: () => new Promise(() => {}) }).health.health();
    expect(report.status).toBe('unhealthy');
    expect(report.checks.database).toMatchObject({ status: 'fail', detail: 'timed out' });
    const ready = await service({ checkBlobStore: fail }).health.readiness();
    expect(ready).toMatchObject({ ready: false, failing: ['blob_store'] });
  });

  it('reuses a good signing probe for a while instead of signing on every scrape', async () => {
    let signatures = 0;
    const { health } = service({
      signProbe: async () => {
        signatures++;
      },
    });
    await health.health();
    await health.health();
    expect(signatures).toBe(1);
  });
});
