/**
 * The distribution release a host runs, named the way advisories and Packyard distributions name it
 * (codename for Debian and Ubuntu, "<id><major>" for the RPM family), from what the agent reports as
 * os / os_version. Unknown systems map to "<os><major>" so they still group consistently.
 */
const DEBIAN: Record<string, string> = { '9': 'stretch', '10': 'buster', '11': 'bullseye', '12': 'bookworm', '13': 'trixie', '14': 'forky' };
const UBUNTU: Record<string, string> = {
  '16.04': 'xenial',
  '18.04': 'bionic',
  '20.04': 'focal',
  '22.04': 'jammy',
  '23.10': 'mantic',
  '24.04': 'noble',
  '24.10': 'oracular',
  '25.04': 'plucky',
  '25.10': 'questing',
  '26.04': 'resolute',
};

export function releaseOf(os: string, osVersion: string): string {
  const id = os.trim().toLowerCase().replace(/\s+linux$/, '').replace(/\s+/g, '');
  const version = osVersion.trim();
  const major = version.split('.')[0] ?? '';
  if (!id) return '';
  if (id === 'debian') return DEBIAN[major] ?? `debian${major}`;
  if (id === 'ubuntu') return UBUNTU[version] ?? UBUNTU[version.split('.').slice(0, 2).join('.')] ?? `ubuntu${version}`;
  if (id === 'fedora') return `fedora${major}`;
  if (id === 'centos' || id === 'centosstream') return `centos${major}`;
  if (id === 'redhat' || id === 'rhel' || id === 'redhatenterpriselinux' || id === 'redhatenterprise') return `rhel${major}`;
  if (id === 'rocky' || id === 'rockylinux') return `rocky${major}`;
  if (id === 'almalinux' || id === 'alma') return `almalinux${major}`;
  if (id === 'oracle' || id === 'oraclelinux' || id === 'ol') return `ol${major}`;
  return `${id}${major}`;
}

/** Which version rules apply to a host's packages. */
export function packageFormatOf(osFamily: string, release: string): 'deb' | 'rpm' {
  const family = osFamily.toLowerCase();
  if (family.includes('debian') || family.includes('ubuntu')) return 'deb';
  if (family.includes('red') || family.includes('rhel') || family.includes('fedora') || family.includes('suse')) return 'rpm';
  return /^(stretch|buster|bullseye|bookworm|trixie|forky|xenial|bionic|focal|jammy|mantic|noble|oracular|plucky|questing|resolute|debian|ubuntu)/.test(release) ? 'deb' : 'rpm';
}
