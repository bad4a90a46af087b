import { describe, expect, it } from 'vitest';
import { rateLimitConfig, trustProxyConfig } from '../../src/config/operations.config.js';

describe('rate-limit and proxy settings', () => {
  it("defaults to Repod's budgets", () => {
    const c = rateLimitConfig({});
    expect(c).toMatchObject({ enabled: true, store: 'auto', windowSeconds: 60, loginPerWindow: 10, promotePerWindow: 20 });
    expect(c.budgets.uploader).toEqual({ upload: 30, read: 300, write: 30 });
    expect(c.budgets.anonymous).toEqual({ upload: 5, read: 60, write: 5 });
  });

  it('reads per-role budgets as upload/read/write and refuses malformed ones', () => {
    expect(rateLimitConfig({ RATE_LIMIT_UPLOADER: '1/2/3' }).budgets.uploader).toEqual({ upload: 1, read: 2, write: 3 });
    expect(() => rateLimitConfig({ RATE_LIMIT_UPLOADER: '1/2' })).toThrow(/RATE_LIMIT_UPLOADER/);
    expect(() => rateLimitConfig({ RATE_LIMIT_ADMIN: '0/1/1' })).toThrow(/RATE_LIMIT_ADMIN/);
    expect(() => rateLimitConfig({ RATE_LIMIT_STORE: 'redis' })).toThrow(/RATE_LIMIT_STORE/);
    expect(() => rateLimitConfig({ AUTH_RATELIMIT_PER_MINUTE: 'ten' })).toThrow(/AUTH_RATELIMIT_PER_MINUTE/);
    expect(rateLimitConfig({ RATE_LIMIT_ENABLED: 'false' }).enabled).toBe(false);
  });

  it('accepts proxy trust as a boolean or addresses, nothing else', () => {
    expect(trustProxyConfig('')).toBe(false);
    expect(trustProxyConfig('true')).toBe(true);
    expect(trustProxyConfig('10.0.0.0/8, 127.0.0.1')).toBe('10.0.0.0/8, 127.0.0.1');
    expect(() => trustProxyConfig('proxy.example')).toThrow(/TRUST_PROXY/);
  });
});
