/**
 * Where VEX exports get their findings and decisions. The security service (feeds, matching, decisions)
 * implements this over its tables; until it is wired, the container uses emptyVexSource and every VEX
 * document is a valid document without statements.
 *
 * Contract for implementations:
 * - findingsFor(scope): the findings of live (published or pending) packages in scope, one per advisory ×
 *   package version × arch, with `package.purl` built by formats/sbom/purl.ts `packagePurl()` (vendor from
 *   `purlVendor(format, distribution)`, distro = the distribution name) so VEX products match SBOM
 *   components; `state: 'resolved'` for findings a feed update or a fixed build closed.
 * - decisionsFor(scope): every decision that may apply to those findings, history included (the writer
 *   picks the newest covering one and ignores lapsed exceptions), with `at`/`expiresAt` as ISO strings.
 * - scope.distribution restricts to members of that distribution; scope.package to one name and version
 *   (and arch when given); an empty scope means every distribution.
 */
import type { VexDecision, VexFinding } from '../formats/sbom/vex.types.js';

export interface VexScope {
  distribution?: string;
  package?: { name: string; version: string; arch?: string };
}

export interface VexSource {
  findingsFor(scope: VexScope): Promise<VexFinding[]>;
  decisionsFor(scope: VexScope): Promise<VexDecision[]>;
}

/** No feeds, no findings: what a server without the security gate knows. */
export const emptyVexSource: VexSource = {
  findingsFor: async () => [],
  decisionsFor: async () => [],
};
