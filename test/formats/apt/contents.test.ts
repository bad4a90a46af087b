import { afterAll, describe, expect, it } from 'vitest';
import { mergeContents, renderContentsLines } from '../../../src/formats/apt/contents.js';
import { parseDeb } from '../../../src/formats/deb/deb.parse.js';
import { bufferSource, type DebPackage, type FileEntry } from '../../../src/formats/types.js';
import { skipWithout } from '../../helpers/tools.js';
import { buildDeb, dpkgContents, read, removeTempDirs, sampleControl, sampleTree, tempDir } from '../deb/deb-fixtures.js';

afterAll(removeTempDirs);

function pkg(name: string, files: Array<[string, FileEntry['type']]>): DebPackage {
  return {
    format: 'deb',
    name,
    version: '1.0',
    arch: 'amd64',
    source: name,
    sourceVersion: '1.0',
    control: [],
    files: files.map(([path, type]) => ({ path, type, size: 0, mode: 0o644 })),
    controlCompression: 'xz',
    dataCompression: 'xz',
  };
}

const pad = (path: string) => path.padEnd(55);

describe('renderContentsLines', () => {
  const p = pkg('hello', [
    ['/', 'dir'],
    ['/usr', 'dir'],
    ['/usr/bin/hello', 'file'],
    ['/usr/bin/Hello', 'symlink'],
    ['/usr/share/doc/hello/copyright', 'file'],
    ['/usr/share/info', 'dir'],
    [`/usr/share/${'x'.repeat(60)}`, 'file'],
    ['/usr/share/with space', 'file'],
  ]);

  it('lists non-directories, without the leading slash, sorted by bytes, padded like dak', () => {
    expect(renderContentsLines(p, 'devel')).toBe(
      [
        `${pad('usr/bin/Hello')} devel/hello`,
        `${pad('usr/bin/hello')} devel/hello`,
        `${pad('usr/share/doc/hello/copyright')} devel/hello`,
        `${pad('usr/share/with space')} devel/hello`,
        `usr/share/${'x'.repeat(60)} devel/hello`,
        '',
      ].join('\n'),
    );
  });

  it('uses the bare package name without a usable section', () => {
    expect(renderContentsLines(p)).toContain(`${pad('usr/bin/hello')} hello\n`);
    expect(renderContentsLines(p, '  ')).toContain(`${pad('usr/bin/hello')} hello\n`);
    expect(renderContentsLines(p, 'bad section')).toContain(`${pad('usr/bin/hello')} hello\n`);
    expect(renderContentsLines(p, 'contrib/utils')).toContain(`${pad('usr/bin/hello')} contrib/utils/hello\n`);
  });

  it('is empty for a package without files', () => {
    expect(renderContentsLines(pkg('empty', [['/', 'dir']]), 'misc')).toBe('');
  });
});

describe('mergeContents', () => {
  it('puts every package shipping a path on one line, ordered by package name', () => {
    const a = renderContentsLines(pkg('zeta', [['/usr/bin/tool', 'file'], ['/usr/share/z y', 'file']]), 'utils');
    const b = renderContentsLines(pkg('alpha', [['/usr/bin/tool', 'file'], ['/usr/bin/alpha', 'file']]), 'admin');
    const merged = mergeContents(a + b);
    expect(merged).toBe(
      [`${pad('usr/bin/alpha')} admin/alpha`, `${pad('usr/bin/tool')} admin/alpha,utils/zeta`, `${pad('usr/share/z y')} utils/zeta`, ''].join(
        '\n',
      ),
    );
    expect(mergeContents(merged)).toBe(merged);
    expect(mergeContents(b + a)).toBe(merged);
  });
});

describe.skipIf(skipWithout(['dpkg-deb']))('renderContentsLines on a built package', () => {
  it('lists exactly the non-directory entries dpkg-deb shows', async () => {
    const deb = buildDeb(tempDir('contents'), 'sample', sampleControl(), sampleTree, 'gzip');
    const parsed = await parseDeb(bufferSource(read(deb)));
    const expected = dpkgContents(deb)
      .filter((e) => e.type !== 'dir')
      .map((e) => e.path.slice(1))
      .sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
    const lines = renderContentsLines(parsed, 'utils').trimEnd().split('\n');
    expect(lines.map((l) => /^(.*?)\s+(\S+)$/.exec(l)?.slice(1))).toEqual(expected.map((path) => [path, 'utils/sample']));
  });
});
