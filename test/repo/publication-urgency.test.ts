import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildAptPublication } from '../../src/repo/apt-publication.js';
import { ContentsPlanner } from '../../src/repo/contents-index.js';
import { ChunkCache, IndexAssembler } from '../../src/repo/index-assembler.js';
import type { FragmentSource, PublicationTools, PublishedMember } from '../../src/repo/publication.types.js';
import { buildRpmPublication } from '../../src/repo/rpm-publication.js';
import type { FsBlobStore } from '../../src/store/blobs/fs-blob.store.js';
import type { openDatabase } from '../../src/store/db/database.js';
import { type PublicationFile, PublicationsStore } from '../../src/store/sql/publications.store.js';
import type { Repository } from '../../src/store/sql/repositories.store.js';
import { openScratchStore, type ScratchStore } from '../helpers/scratch-store.js';

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

/**
 * A build someone waits for assembles its indexes at once, a background build one after the other: the
 * published files must be the same bytes either way, chunk for chunk.
 */
describe('publications built at once or one index after the other', () => {
  let store: ScratchStore;
  let blobs: FsBlobStore;
  let db: ReturnType<typeof openDatabase>;
  const N = 1500;
  // Several shared Contents paths, arch-independent packages, and each index long enough for many chunks.
  const members: PublishedMember[] = Array.from({ length: N }, (_, id) => ({
    packageId: id,
    component: 'main',
    arch: id % 5 === 0 ? 'all' : id % 2 ? 'amd64' : 'arm64',
    sha256: sha(`pkg-${id}`),
  }));
  const text = (kind: string) => async (ids: number[]) =>
    new Map(
      ids.map((id) => [
        id,
        kind === 'files'
          ? `${`usr/bin/p${id}`.padEnd(55)} utils/p${id}\n${id % 300 === 0 ? `${'etc/shared.conf'.padEnd(55)} utils/p${id}\n` : ''}`
          : `<${kind} id="${id}">package p${id} ${'x'.repeat(id % 97)}</${kind}>\n`,
      ]),
    );
  const fragments: FragmentSource = { index: text('index'), files: text('files'), other: text('other') };
  const repo = (format: 'deb' | 'rpm'): Repository => ({
    id: format === 'deb' ? 1 : 2,
    name: format === 'deb' ? 'jammy' : 'almalinux9',
    format,
    kind: 'local',
    components: ['main'],
    architectures: format === 'deb' ? ['amd64', 'arm64', 'all'] : ['x86_64', 'noarch'],
    origin: '',
    label: '',
    description: '',
    createdAt: new Date(0).toISOString(),
    headSnapshot: 1,
    currentPublicationId: null,
  });
  const tools: PublicationTools = {
    clearsign: async (t) => `signed\n${t}`,
    detachSign: async (t) => `signature of ${sha(t)}`,
    put: async (p, content) => {
      const { sha256, size } = await blobs.putBuffer(Buffer.from(content));
      return { path: p, sha256, size, parts: [{ sha256, size }] };
    },
  };
  /** A fresh assembler each time: nothing cached from the other build. */
  const assembler = () => new IndexAssembler(blobs, new PublicationsStore(db), new ChunkCache(1024 * 1024), () => new Date(0).toISOString());
  const date = new Date('2026-01-01T00:00:00Z');
  const summary = (files: PublicationFile[]) => files.map((f) => ({ path: f.path, sha256: f.sha256, size: f.size, parts: f.parts.length }));

  beforeAll(async () => {
    store = await openScratchStore('urgency');
    ({ blobs, db } = store);
  });
  afterAll(() => store.close());

  it('APT: the same Packages, Contents and Release either way', async () => {
    const build = async (urgent: boolean) => {
      await new PublicationsStore(db).forgetChunks();
      return buildAptPublication({ repo: repo('deb'), members, assembler: assembler(), contents: new ContentsPlanner(), fragments, date, tools, urgent });
    };
    const atOnce = await build(true);
    const inTurn = await build(false);
    expect(summary(atOnce)).toEqual(summary(inTurn));
    expect(atOnce.map((f) => f.path)).toContain('main/Contents-amd64.gz');
    expect(atOnce.find((f) => f.path === 'main/binary-amd64/Packages')!.parts.length).toBeGreaterThan(3);
  });

  it('DNF: the same primary, filelists, other and repomd.xml either way, in the same order', async () => {
    const build = async (urgent: boolean) => {
      await new PublicationsStore(db).forgetChunks();
      return buildRpmPublication({ repo: repo('rpm'), members: members.map((m) => ({ ...m, arch: m.arch === 'all' ? 'noarch' : 'x86_64' })), assembler: assembler(), fragments, date, tools, urgent });
    };
    const atOnce = await build(true);
    const inTurn = await build(false);
    expect(summary(atOnce)).toEqual(summary(inTurn));
    const x86 = atOnce.filter((f) => f.path.startsWith('x86_64/')).map((f) => f.path.replace(/[0-9a-f]{64}/, 'H'));
    expect(x86).toEqual([
      'x86_64/repodata/H-primary.xml.gz',
      'x86_64/repodata/H-filelists.xml.gz',
      'x86_64/repodata/H-other.xml.gz',
      'x86_64/repodata/repomd.xml',
      'x86_64/repodata/repomd.xml.asc',
    ]);
  });
});
