/**
 * CycloneDX VEX (a BOM with `vulnerabilities`, https://cyclonedx.org/capabilities/vex/), 1.6 or 1.5. The
 * affected packages are listed as minimal components (bom-ref = purl) so every `affects.ref` resolves inside
 * the document; one vulnerability entry per finding carries the analysis mapped in vex.ts.
 */
import type { CycloneDxSpec } from './cyclonedx.js';
import { CDX_JUSTIFICATION, vexStatements, type VexStatement } from './vex.js';
import type { VexDecision, VexDocumentInfo, VexFinding } from './vex.types.js';

const CDX_STATE = { not_affected: 'not_affected', affected: 'exploitable', fixed: 'resolved', under_investigation: 'in_triage' } as const;
const CDX_SEVERITY: Record<VexFinding['severity'], string> = { critical: 'critical', high: 'high', medium: 'medium', low: 'low', negligible: 'info', unknown: 'unknown' };

const sourceOf = (id: string) => {
  const prefix = /^([A-Za-z]+)-/.exec(id)?.[1]?.toUpperCase();
  if (prefix === 'CVE') return { name: 'NVD', url: `https://nvd.nist.gov/vuln/detail/${id}` };
  if (prefix === 'GHSA') return { name: 'GitHub', url: `https://github.com/advisories/${id}` };
  return { name: prefix ?? 'unknown' };
};

function vulnerability(s: VexStatement): Record<string, unknown> {
  const f = s.finding;
  const aliases = [...new Set(f.aliases.filter((a) => a !== f.advisoryId))];
  const detail = s.impactStatement ?? s.actionStatement ?? s.statusNotes;
  return {
    'bom-ref': `${f.advisoryId}/${f.package.purl}`,
    id: f.advisoryId,
    source: sourceOf(f.advisoryId),
    ...(aliases.length ? { references: aliases.map((id) => ({ id, source: sourceOf(id) })) } : {}),
    ratings: [{ severity: CDX_SEVERITY[f.severity] }],
    ...(f.description ? { description: f.description } : {}),
    ...(f.fixedVersion ? { recommendation: `Upgrade ${f.package.name} to ${f.fixedVersion} or later` } : {}),
    analysis: {
      state: CDX_STATE[s.status],
      ...(s.status === 'not_affected' && s.justification ? { justification: CDX_JUSTIFICATION[s.justification] } : {}),
      ...(s.cdxResponse ? { response: s.cdxResponse } : {}),
      ...(detail ? { detail } : {}),
      ...(s.decision ? { lastUpdated: s.decision.at } : {}),
    },
    affects: [{ ref: f.package.purl }],
  };
}

export function cyclonedxVexDocument(info: VexDocumentInfo, spec: CycloneDxSpec, findings: VexFinding[], decisions: VexDecision[]): Record<string, unknown> {
  const statements = vexStatements(findings, decisions, info.timestamp);
  const components = new Map<string, Record<string, unknown>>();
  for (const { finding: f } of statements) {
    if (!components.has(f.package.purl)) {
      components.set(f.package.purl, { type: 'library', 'bom-ref': f.package.purl, name: f.package.name, version: f.package.version, purl: f.package.purl });
    }
  }
  return {
    bomFormat: 'CycloneDX',
    specVersion: spec,
    serialNumber: `urn:uuid:${info.serial}`,
    version: 1,
    metadata: {
      timestamp: info.timestamp,
      tools: { components: [{ type: 'application', name: 'Packyard', version: info.toolVersion }] },
    },
    components: [...components.values()].sort((a, b) => ((a['bom-ref'] as string) < (b['bom-ref'] as string) ? -1 : 1)),
    vulnerabilities: statements.map(vulnerability),
  };
}
