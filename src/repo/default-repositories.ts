import type { NewRepository } from '../store/sql/repositories.store.js';

/** Repod's default distribution set, created on first start only; admins manage them afterwards. */
export function defaultRepositories(createdAt: string): NewRepository[] {
  const deb = ['jammy', 'noble', 'focal', 'bookworm', 'trixie'].map((name) => ({
    name,
    format: 'deb' as const,
    components: ['main'],
    architectures: ['amd64', 'arm64', 'all'],
    origin: 'Packyard',
    label: name,
    description: `Packyard ${name}`,
    createdAt,
  }));
  const rpm = ['almalinux8', 'almalinux9', 'rocky8', 'rocky9', 'centos-stream9', 'fedora'].map((name) => ({
    name,
    format: 'rpm' as const,
    components: [],
    architectures: ['x86_64', 'aarch64', 'noarch'],
    origin: 'Packyard',
    label: name,
    description: `Packyard ${name}`,
    createdAt,
  }));
  return [...deb, ...rpm];
}
