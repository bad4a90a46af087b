import { execFileSync } from 'node:child_process';

/**
 * End-to-end and oracle tests depend on system tools (dpkg-deb, createrepo_c, apt-get, dnf, gpgv, ...).
 * On a developer machine a missing tool skips the test with a message; in CI (CI=true) it fails, so a
 * broken install step can never turn into a silently green run.
 */
export function hasTool(name: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export function missingTools(names: string[]): string[] {
  return names.filter((n) => !hasTool(n));
}

/** Use as `describe.skipIf(skipWithout([...]))(...)`: returns true (skip) only outside CI. Throws in CI. */
export function skipWithout(names: string[]): boolean {
  const missing = missingTools(names);
  if (missing.length === 0) return false;
  if (process.env.CI === 'true') {
    throw new Error(`required tools missing in CI: ${missing.join(', ')}`);
  }
  process.stderr.write(`skipping: tools not installed: ${missing.join(', ')}\n`);
  return true;
}
