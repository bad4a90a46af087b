import type { Severity } from '../formats/advisories/advisory.types.js';
import { SEVERITIES } from '../formats/advisories/advisory.types.js';

export type PolicyAction = 'block' | 'review' | 'warn' | 'allow';
export const POLICY_ACTIONS: readonly PolicyAction[] = ['allow', 'warn', 'review', 'block'];
export type SeverityPolicy = Record<Severity, PolicyAction>;

export interface Policy extends SeverityPolicy {
  /** Per-distribution overrides of some severities. */
  distributions: Record<string, Partial<SeverityPolicy>>;
}

export const DEFAULT_POLICY: Policy = {
  critical: 'block',
  high: 'review',
  medium: 'warn',
  low: 'allow',
  negligible: 'allow',
  unknown: 'warn',
  distributions: {},
};

/** The policy that applies to one distribution. */
export function effectivePolicy(policy: Policy, distribution: string): SeverityPolicy {
  const base = Object.fromEntries(SEVERITIES.map((s) => [s, policy[s]])) as SeverityPolicy;
  return { ...base, ...(policy.distributions[distribution] ?? {}) };
}

/** The strictest action the policy assigns to any of the severities. */
export function strictestAction(policy: SeverityPolicy, severities: Iterable<string>): PolicyAction {
  let worst: PolicyAction = 'allow';
  for (const s of severities) {
    const action = policy[(SEVERITIES as readonly string[]).includes(s) ? (s as Severity) : 'unknown'];
    if (POLICY_ACTIONS.indexOf(action) > POLICY_ACTIONS.indexOf(worst)) worst = action;
  }
  return worst;
}

/**
 * Feed releases of the default distributions. Fedora has no OSV ecosystem, so nothing is matched for it
 * until an admin maps it. CentOS Stream has no OSV ecosystem of its own: Red Hat's RHEL 9 advisories are
 * the closest match and are mapped by default.
 */
export const DEFAULT_RELEASE_MAP: Record<string, string[]> = {
  focal: ['Ubuntu:20.04'],
  jammy: ['Ubuntu:22.04'],
  noble: ['Ubuntu:24.04'],
  bullseye: ['Debian:11', 'debian-tracker:bullseye'],
  bookworm: ['Debian:12', 'debian-tracker:bookworm'],
  trixie: ['Debian:13', 'debian-tracker:trixie'],
  almalinux8: ['AlmaLinux:8'],
  almalinux9: ['AlmaLinux:9'],
  almalinux10: ['AlmaLinux:10'],
  rocky8: ['Rocky Linux:8'],
  rocky9: ['Rocky Linux:9'],
  'centos-stream9': ['Red Hat:enterprise_linux:9::baseos', 'Red Hat:enterprise_linux:9::appstream'],
  'opensuse-leap-15.6': ['openSUSE:Leap 15.6'],
  'opensuse-tumbleweed': ['openSUSE:Tumbleweed'],
  fedora: [],
};
