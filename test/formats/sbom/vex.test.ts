import { describe, expect, it } from 'vitest';
import { cyclonedxVexDocument } from '../../../src/formats/sbom/cyclonedx-vex.js';
import { openVexDocument } from '../../../src/formats/sbom/openvex.js';
import type { VexDecision, VexDocumentInfo, VexFinding } from '../../../src/formats/sbom/vex.types.js';
import { assertValid, validators } from './schema-validators.js';

const info: VexDocumentInfo = { serial: '0f1e2d3c-4b5a-4697-8877-665544332211', timestamp: '2026-03-01T00:00:00.000Z', author: 'Packyard', toolVersion: '0.1.0', namespaceBase: 'https://packyard.example' };
const pkg = (name: string, version: string) => ({ name, version, arch: 'amd64', purl: `pkg:deb/ubuntu/${name}@${version}?arch=amd64&distro=jammy` });
const finding = (id: string, name: string, extra: Partial<VexFinding> = {}): VexFinding => ({
  advisoryId: id, aliases: [], severity: 'high', package: pkg(name, '1.0-1'), fixedVersion: '1.0-2', ...extra,
});
const decision = (action: VexDecision['action'], name: string, extra: Partial<VexDecision> = {}): VexDecision => ({
  action, justification: `because ${action}`, actor: 'alice', at: '2026-02-01T10:00:00.000Z', package: { name, version: '1.0-1' }, ...extra,
});

const findings = [
  finding('CVE-2026-0001', 'approved', { aliases: ['DSA-5999-1'] }),
  finding('CVE-2026-0002', 'accepted'),
  finding('CVE-2026-0003', 'excepted'),
  finding('CVE-2026-0004', 'expired'),
  finding('CVE-2026-0005', 'rejected'),
  finding('CVE-2026-0006', 'upgrade'),
  finding('CVE-2026-0007', 'fixed', { state: 'resolved' }),
  finding('CVE-2026-0008', 'untriaged', { severity: 'negligible' }),
];
const decisions = [
  decision('approve', 'approved', { advisoryIds: ['DSA-5999-1'], vexJustification: 'vulnerable_code_not_in_execute_path' }),
  decision('reject', 'approved', { at: '2026-01-01T00:00:00.000Z' }),
  decision('accept_risk', 'accepted'),
  decision('exception', 'excepted', { expiresAt: '2026-06-01T00:00:00.000Z' }),
  decision('exception', 'expired', { expiresAt: '2026-02-15T00:00:00.000Z' }),
  decision('reject', 'rejected'),
  decision('upgrade_required', 'upgrade', { targetVersion: '1.0-3' }),
  decision('approve', 'untriaged', { package: { name: 'untriaged', version: '0.9' } }),
];

describe('OpenVEX', () => {
  const doc = openVexDocument(info, findings, decisions) as { statements: Array<Record<string, unknown>> };
  const byName = (n: string) => doc.statements.find((s) => (s.products as Array<{ '@id': string }>)[0]['@id'].includes(`/${n}@`))!;

  it('validates against the OpenVEX 0.2.0 schema', () => {
    assertValid(validators().openvex, doc);
  });

  it('maps each decision to the documented status', () => {
    expect(byName('approved')).toMatchObject({ status: 'not_affected', justification: 'vulnerable_code_not_in_execute_path', impact_statement: 'because approve' });
    expect(byName('accepted')).toMatchObject({ status: 'affected', action_statement: expect.stringContaining('Risk accepted by alice') });
    expect(byName('excepted')).toMatchObject({ status: 'affected', action_statement: expect.stringContaining('until 2026-06-01') });
    expect(byName('expired')).toMatchObject({ status: 'under_investigation' });
    expect(byName('rejected')).toMatchObject({ status: 'affected', action_statement: expect.stringContaining('quarantined') });
    expect(byName('upgrade')).toMatchObject({ status: 'affected', action_statement: expect.stringContaining('to 1.0-3') });
    expect(byName('fixed')).toMatchObject({ status: 'fixed' });
    expect(byName('untriaged')).toMatchObject({ status: 'under_investigation' });
    expect(byName('approved').vulnerability).toEqual({ name: 'CVE-2026-0001', aliases: ['DSA-5999-1'] });
  });

  it('has no statements without findings', () => {
    expect(openVexDocument(info, [], [])).toMatchObject({ '@context': 'https://openvex.dev/ns/v0.2.0', statements: [] });
  });
});

describe('CycloneDX VEX', () => {
  it.each(['1.6', '1.5'] as const)('validates (%s) and carries the analysis of each finding', (spec) => {
    const doc = cyclonedxVexDocument(info, spec, findings, decisions) as { vulnerabilities: Array<Record<string, any>>; components: unknown[] };
    assertValid(spec === '1.6' ? validators().cdx16 : validators().cdx15, doc);
    const states = Object.fromEntries(doc.vulnerabilities.map((v) => [v.id, v.analysis]));
    expect(states['CVE-2026-0001']).toMatchObject({ state: 'not_affected', justification: 'code_not_reachable', detail: 'because approve' });
    expect(states['CVE-2026-0002']).toMatchObject({ state: 'exploitable', response: ['will_not_fix'] });
    expect(states['CVE-2026-0006']).toMatchObject({ state: 'exploitable', response: ['update'] });
    expect(states['CVE-2026-0007']).toMatchObject({ state: 'resolved' });
    expect(states['CVE-2026-0008']).toMatchObject({ state: 'in_triage' });
    expect(doc.vulnerabilities[0].affects).toEqual([{ ref: findings[0].package.purl }]);
    expect(doc.components).toHaveLength(8);
  });

  it('is a valid empty document without findings', () => {
    const doc = cyclonedxVexDocument(info, '1.6', [], []);
    assertValid(validators().cdx16, doc);
    expect(doc.vulnerabilities).toEqual([]);
  });
});
