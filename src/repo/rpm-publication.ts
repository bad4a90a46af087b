import { filelistsHead, filelistsTail } from '../formats/rpmmd/filelists.js';
import { otherHead, otherTail } from '../formats/rpmmd/other.js';
import { primaryHead, primaryTail } from '../formats/rpmmd/primary.js';
import { renderRepomd } from '../formats/rpmmd/repomd.js';
import type { PublicationFile } from '../store/sql/publications.store.js';
import type { Repository } from '../store/sql/repositories.store.js';
import type { IndexAssembler } from './index-assembler.js';
import { type FragmentSource, type PublicationTools, type PublishedMember, runBuilds } from './publication.types.js';

/** Which packages a DNF arch tree lists: its own arch plus noarch (the noarch tree only noarch). */
export function rpmTreeIncludes(treeArch: string, pkgArch: string): boolean {
  return pkgArch === treeArch || (pkgArch === 'noarch' && treeArch !== 'src');
}

function rpmParts(count: number, fragments: FragmentSource) {
  return [
    { type: 'primary' as const, head: primaryHead(count), tail: primaryTail(), render: fragments.index },
    { type: 'filelists' as const, head: filelistsHead(count), tail: filelistsTail(), render: fragments.files },
    { type: 'other' as const, head: otherHead(count), tail: otherTail(), render: fragments.other },
  ];
}

const treeItems = (members: PublishedMember[], arch: string) =>
  members.filter((m) => rpmTreeIncludes(arch, m.arch)).map((m) => ({ id: m.packageId, sha256: m.sha256 }));

/**
 * The files of one rpm-md publication, paths relative to the distribution root:
 * <arch>/repodata/repomd.xml, repomd.xml.asc and <sha256>-{primary,filelists,other}.xml.gz, one tree per arch.
 */
export async function buildRpmPublication(input: {
  repo: Repository;
  members: PublishedMember[];
  assembler: IndexAssembler;
  fragments: FragmentSource;
  date: Date;
  tools: PublicationTools;
  /** Someone waits for this publication: build for latency (see buildAptPublication). */
  urgent?: boolean;
}): Promise<PublicationFile[]> {
  const { repo, members, assembler, fragments, tools } = input;
  const timestamp = Math.floor(input.date.getTime() / 1000);
  const files: PublicationFile[] = [];
  for (const arch of repo.architectures) {
    const items = treeItems(members, arch);
    const build = async (part: ReturnType<typeof rpmParts>[number]) => {
      const assembled = await assembler.assemble({ kind: `rpm-${part.type}-v1`, items, lane: `${repo.id}/${arch}`, render: part.render, head: part.head, tail: part.tail, xz: false });
      const location = `repodata/${assembled.gz.sha256}-${part.type}.xml.gz`;
      const file = { ...assembled.gz, path: `${arch}/${location}` };
      const record = {
        type: part.type,
        checksum: assembled.gz.sha256,
        openChecksum: assembled.raw.sha256,
        size: assembled.gz.size,
        openSize: assembled.raw.size,
        timestamp,
        location,
      };
      return { file, record };
    };
    const built = await runBuilds(rpmParts(items.length, fragments).map((part) => () => build(part)), input.urgent ?? false);
    files.push(...built.map((b) => b.file));
    const repomd = renderRepomd({ revision: String(timestamp), records: built.map((b) => b.record) });
    files.push(await tools.put(`${arch}/repodata/repomd.xml`, repomd));
    files.push(await tools.put(`${arch}/repodata/repomd.xml.asc`, await tools.detachSign(repomd)));
  }
  return files;
}

/**
 * rpm-md files start with their package count, so adding one package changes their first bytes and every
 * byte must be hashed again (SHA-256 only resumes after an unchanged prefix): at 50k packages that is most of
 * an upload's publication. Done ahead, while the server is idle, for the count one more package will give:
 * the hash states after the new head and the unchanged chunks are then there, and the next upload's
 * publication hashes only its own chunk. Publishes nothing; stops when `signal` aborts.
 */
export async function prewarmRpmPublication(input: {
  repo: Repository;
  members: PublishedMember[];
  assembler: IndexAssembler;
  fragments: FragmentSource;
  signal: AbortSignal;
}): Promise<void> {
  const { repo, members, assembler, fragments, signal } = input;
  for (const arch of repo.architectures) {
    const items = treeItems(members, arch);
    if (items.length === 0) continue;
    for (const part of rpmParts(items.length + 1, fragments)) {
      await assembler.assemble({ kind: `rpm-${part.type}-v1`, items, lane: `${repo.id}/${arch}`, render: part.render, head: part.head, tail: part.tail, xz: false, signal });
    }
  }
}
