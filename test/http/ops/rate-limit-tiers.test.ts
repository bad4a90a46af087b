import { describe, expect, it } from 'vitest';
import { classifyRoute } from '../../../src/http/plugins/rate-limit.js';

describe('classifyRoute', () => {
  it.each([
    ['POST', '/auth/token', 'login'],
    ['POST', '/api/v1/auth/token', 'login'],
    ['POST', '/upload/', 'upload'],
    ['POST', '/api/v1/upload/', 'upload'],
    ['POST', '/import/fetch', 'upload'],
    ['POST', '/api/v1/distributions/promote', 'promote'],
    ['POST', '/artifacts/:name/promote', 'promote'],
    ['GET', '/packages/', 'read'],
    ['HEAD', '/api/v1/artifacts/:name', 'read'],
    ['DELETE', '/artifacts/:name/:version', 'write'],
    ['PATCH', '/auth/users/:username', 'write'],
    ['POST', '/auth/logout', 'write'],
    ['POST', '/api/v2/host/register', 'write'],
  ])('%s %s draws from the %s budget', (method, url, tier) => {
    expect(classifyRoute(method, url)).toBe(tier);
  });

  it.each([
    ['GET', '/repos/*'],
    ['HEAD', '/repos/*'],
    ['GET', '/repo/deb/:name/:dist/:component/:env/*'],
    ['GET', '/health'],
    ['GET', '/health/ready'],
    ['GET', '/metrics'],
    ['GET', '/docs/static/*'],
    ['GET', '/openapi.json'],
    ['GET', '/ui/*'],
    ['GET', '/ws'],
  ])('%s %s is never limited', (method, url) => {
    expect(classifyRoute(method, url)).toBeNull();
  });
});
