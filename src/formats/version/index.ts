/**
 * Version ordering for both package formats. Callers that handle either format (retention, "latest
 * version" queries, the security gate) go through compareVersions() so they never pick the wrong rules.
 */
import { compareDebVersions } from './dpkg.js';
import { compareEVR } from './rpm.js';

export { compareDebVersions, parseDebVersion } from './dpkg.js';
export type { DebVersion } from './dpkg.js';
export { compareEVR, parseEVR, rpmvercmp } from './rpm.js';
export type { RpmEVR } from './rpm.js';

export type VersionFormat = 'deb' | 'rpm';

/**
 * Orders two versions of the given format. Debian versions are full "[epoch:]upstream[-revision]" strings.
 * RPM versions are "[epoch:]version[-release]" strings, compared with rpm's dependency-range rules (see
 * compareEVR). Throws AppError FORMAT_INVALID for a version the format cannot parse.
 */
export function compareVersions(format: VersionFormat, a: string, b: string): -1 | 0 | 1 {
  return format === 'deb' ? compareDebVersions(a, b) : compareEVR(a, b);
}
