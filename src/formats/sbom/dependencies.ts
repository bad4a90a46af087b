/**
 * Dependency resolution for SBOMs: deb `Depends`/`Pre-Depends` and rpm `Requires` resolved to the packages of
 * the same set (a distribution, or the package's own distribution for a single-package SBOM). A clause that no
 * package of the set satisfies is left out rather than invented: an SBOM lists what is known to be there.
 * Virtual packages (deb Provides, rpm provides such as sonames) resolve to their providers; rpm file requires
 * resolve only when a package provides the path explicitly (file lists are not indexed).
 */
import { compareVersions } from '../version/index.js';
import type { RpmDep } from '../types.js';
import type { SbomDependencyClause, SbomPackage } from './sbom.types.js';

type Op = SbomDependencyClause['anyOf'][number]['op'];

/** Parses a deb relationship field (Debian Policy 7.1): "a (>= 1.0) | b:any, c [amd64] <!nocheck>". */
export function parseDebRelations(text: string | undefined): SbomDependencyClause[] {
  if (!text) return [];
  const out: SbomDependencyClause[] = [];
  for (const clause of text.split(',')) {
    const anyOf: SbomDependencyClause['anyOf'] = [];
    for (const alt of clause.split('|')) {
      const m = /^\s*([a-z0-9][a-z0-9+.\-]*)(?::[a-z0-9-]+)?\s*(?:\(\s*(<<|<=|=|>=|>>|<|>)\s*([^)\s]+)\s*\))?/i.exec(alt);
      if (!m) continue;
      // "<" and ">" are obsolete spellings of "<=" and ">=" (Policy 7.1).
      const op = (m[2] === '<' ? '<=' : m[2] === '>' ? '>=' : m[2] ?? null) as Op;
      anyOf.push({ name: m[1].toLowerCase(), op, version: m[3] ?? null });
    }
    if (anyOf.length) out.push({ anyOf });
  }
  return out;
}

const RPM_OPS: Record<string, Op> = { EQ: '=', LT: '<<', GT: '>>', LE: '<=', GE: '>=' };

/** rpm Requires as clauses; rpmlib() capabilities are features of rpm itself, not packages. */
export function rpmClauses(requires: RpmDep[]): SbomDependencyClause[] {
  const out: SbomDependencyClause[] = [];
  const seen = new Set<string>();
  for (const r of requires) {
    if (r.name.startsWith('rpmlib(')) continue;
    const version = r.version ? `${r.epoch ? `${r.epoch}:` : ''}${r.version}${r.release ? `-${r.release}` : ''}` : null;
    const op = r.flags ? RPM_OPS[r.flags] : null;
    const key = `${r.name}\0${op}\0${version}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ anyOf: [{ name: r.name, op: version ? op : null, version }] });
  }
  return out;
}

interface Candidate {
  ref: string;
  arch: string;
  /** The version a versioned dependency is checked against (the package's, or the provide's own). */
  version: string | null;
}

function satisfies(format: 'deb' | 'rpm', have: string | null, op: Op, want: string | null): boolean {
  if (!op || !want) return true;
  if (!have) return false;
  let c: number;
  try {
    c = compareVersions(format, have, want);
  } catch {
    return false;
  }
  switch (op) {
    case '<<': return c < 0;
    case '<=': return c <= 0;
    case '=': return c === 0;
    case '>=': return c >= 0;
    case '>>': return c > 0;
  }
}

/** Names (own and provided) of every package in a set → its bom-ref. Holds only small strings per package. */
export class DependencyIndex {
  private readonly byName = new Map<string, Candidate[]>();

  constructor(private readonly format: 'deb' | 'rpm') {}

  add(ref: string, p: Pick<SbomPackage, 'name' | 'version' | 'arch' | 'provides'>): void {
    this.put(p.name, { ref, arch: p.arch, version: p.version });
    for (const prov of p.provides) {
      // An unversioned deb Provides never satisfies a versioned dependency (Policy 7.5); rpm likewise.
      this.put(prov.name, { ref, arch: p.arch, version: prov.version });
    }
  }

  private put(name: string, c: Candidate): void {
    const key = this.format === 'deb' ? name.toLowerCase() : name;
    const list = this.byName.get(key);
    if (!list) this.byName.set(key, [c]);
    else if (!list.some((x) => x.ref === c.ref && x.version === c.version)) list.push(c);
  }

  private archOk(from: string, to: string): boolean {
    const indep = this.format === 'deb' ? 'all' : 'noarch';
    return from === to || from === indep || to === indep;
  }

  /** bom-refs the package depends on, one per satisfied clause (the highest satisfying version), sorted. */
  resolve(ref: string, p: Pick<SbomPackage, 'arch' | 'depends'>): string[] {
    const out = new Set<string>();
    for (const clause of p.depends) {
      for (const alt of clause.anyOf) {
        const found = (this.byName.get(this.format === 'deb' ? alt.name.toLowerCase() : alt.name) ?? [])
          .filter((c) => c.ref !== ref && this.archOk(p.arch, c.arch) && satisfies(this.format, c.version, alt.op, alt.version));
        if (!found.length) continue;
        const best = found.reduce((a, b) => (a.version && b.version && safeCompare(this.format, b.version, a.version) > 0 ? b : a));
        out.add(best.ref);
        break;
      }
    }
    return [...out].sort();
  }
}

function safeCompare(format: 'deb' | 'rpm', a: string, b: string): number {
  try {
    return compareVersions(format, a, b);
  } catch {
    return 0;
  }
}
