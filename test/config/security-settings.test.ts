import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';

const base = () => ({ DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'packyard-cfg-')), JWT_SECRET_KEY: 'x'.repeat(40) });

describe('antivirus and signature settings', () => {
  it('defaults: no scan, signature checks off without trusted keys, optional with them', () => {
    const c = loadConfig(base());
    expect(c).toMatchObject({ clamavSocket: '', clamavRequired: false, clamavTimeoutMs: 60_000, signaturePolicy: 'off', trustedKeysDir: '' });
    expect(loadConfig({ ...base(), TRUSTED_KEYS_DIR: '/etc/packyard/keys' }).signaturePolicy).toBe('optional');
  });

  it('reads explicit values and refuses invalid ones', () => {
    const c = loadConfig({ ...base(), CLAMAV_SOCKET: 'clamd:3310', CLAMAV_REQUIRED: 'yes', CLAMAV_TIMEOUT_SECONDS: '5', SIGNATURE_POLICY: 'required' });
    expect(c).toMatchObject({ clamavSocket: 'clamd:3310', clamavRequired: true, clamavTimeoutMs: 5000, signaturePolicy: 'required' });
    expect(() => loadConfig({ ...base(), SIGNATURE_POLICY: 'always' })).toThrow(/SIGNATURE_POLICY/);
    expect(() => loadConfig({ ...base(), CLAMAV_REQUIRED: 'maybe' })).toThrow(/CLAMAV_REQUIRED/);
  });
});
