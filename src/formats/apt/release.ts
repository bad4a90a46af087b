/**
 * The APT Release file of a distribution, per https://wiki.debian.org/DebianRepository/Format#A.22Release.22_files
 * (fields in the order the Debian archive writes them; SHA256 lists every index with its size and path
 * relative to dists/<codename>/). Dates are passed in; the output has no trailing whitespace, because the
 * clearsigned InRelease strips it and a detached Release.gpg must match the same bytes.
 */
export interface ReleaseInput {
  origin: string;
  label: string;
  suite: string;
  codename: string;
  date: Date;
  validUntil?: Date;
  architectures: string[];
  components: string[];
  description: string;
  files: Array<{ path: string; sha256: string; size: number }>;
}

/** RFC 2822 date in UTC as Debian writes it: "Sat, 22 Nov 2026 01:13:00 UTC". */
export function releaseDate(d: Date): string {
  return d.toUTCString().replace('GMT', 'UTC');
}

export function renderRelease(input: ReleaseInput): string {
  const lines: string[] = [];
  const field = (name: string, value: string) => {
    if (value) lines.push(`${name}: ${value}`);
  };
  field('Origin', input.origin);
  field('Label', input.label);
  field('Suite', input.suite);
  field('Codename', input.codename);
  field('Date', releaseDate(input.date));
  if (input.validUntil) field('Valid-Until', releaseDate(input.validUntil));
  field('Architectures', input.architectures.join(' '));
  field('Components', input.components.join(' '));
  field('Description', input.description);
  lines.push('Acquire-By-Hash: yes');
  lines.push('SHA256:');
  const sorted = [...input.files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const width = Math.max(0, ...sorted.map((f) => String(f.size).length));
  for (const f of sorted) lines.push(` ${f.sha256} ${String(f.size).padStart(width)} ${f.path}`);
  return `${lines.join('\n')}\n`;
}
