/**
 * OpenVEX 0.2.0 documents (https://github.com/openvex/spec). One statement per finding (advisory × package
 * version), its product identified by the package purl; statuses and texts as mapped in vex.ts. The
 * specification requires at least one statement; a document for a set without findings therefore has an
 * empty `statements` list, which says "nothing known" and is the one schema deviation Packyard accepts
 * rather than invent a statement.
 */
import { vexStatements } from './vex.js';
import type { VexDecision, VexDocumentInfo, VexFinding } from './vex.types.js';

export function openVexDocument(info: VexDocumentInfo, findings: VexFinding[], decisions: VexDecision[]): Record<string, unknown> {
  const statements = vexStatements(findings, decisions, info.timestamp).map((s) => {
    const f = s.finding;
    const aliases = f.aliases.filter((a) => a !== f.advisoryId);
    return {
      vulnerability: { name: f.advisoryId, ...(aliases.length ? { aliases: [...new Set(aliases)] } : {}), ...(f.description ? { description: f.description } : {}) },
      ...(s.decision ? { timestamp: s.decision.at } : {}),
      products: [{ '@id': f.package.purl, identifiers: { purl: f.package.purl } }],
      status: s.status,
      ...(s.justification ? { justification: s.justification } : {}),
      ...(s.impactStatement ? { impact_statement: s.impactStatement } : {}),
      ...(s.actionStatement ? { action_statement: s.actionStatement, action_statement_timestamp: s.decision?.at ?? info.timestamp } : {}),
      ...(s.statusNotes ? { status_notes: s.statusNotes } : {}),
    };
  });
  return {
    '@context': 'https://openvex.dev/ns/v0.2.0',
    '@id': `${info.namespaceBase.replace(/\/+$/, '')}/vex/${info.serial}`,
    author: info.author,
    timestamp: info.timestamp,
    version: 1,
    tooling: `Packyard ${info.toolVersion}`,
    statements,
  };
}
