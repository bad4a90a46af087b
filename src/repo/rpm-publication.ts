import { filelistsHead, filelistsTail } from '../formats/rpmmd/filelists.js';
import { otherHead, otherTail } from '../formats/rpmmd/other.js';
import { primaryHead, primaryTail } from '../formats/rpmmd/primary.js';
import { renderRepomd } from '../formats/rpmmd/repomd.js';
import type { PublicationFile } from '../store/sql/publications.store.js';
import type { Repository } from '../store/sql/repositories.store.js';
import type { IndexAssembler } from './index-assembler.js';
import type { FragmentSource, PublicationTools, PublishedMember } from './publication.types.js';

/** Which packages a DNF arch tree lists: its own arch plus noarch (the noarch tree only noarch). */
export function rpmTreeIncludes(treeArch: string, pkgArch: string): boolean {
  return pkgArch === treeArch || (pkgArch === 'noarch' && treeArch !== 'src');
}

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
}): Promise<PublicationFile[]> {
  const { repo, members, assembler, fragments, tools } = input;
  const timestamp = Math.floor(input.date.getTime() / 1000);
  const files: PublicationFile[] = [];
  for (const arch of repo.architectures) {
    const items = members.filter((m) => rpmTreeIncludes(arch, m.arch)).map((m) => ({ id: m.packageId, sha256: m.sha256 }));
    const parts = [
      { type: 'primary' as const, head: primaryHead(items.length), tail: primaryTail(), render: fragments.index },
      { type: 'filelists' as const, head: filelistsHead(items.length), tail: filelistsTail(), render: fragments.files },
      { type: 'other' as const, head: otherHead(items.length), tail: otherTail(), render: fragments.other },
    ];
    const records = [];
    for (const part of parts) {
      const assembled = await assembler.assemble({ kind: `rpm-${part.type}-v1`, items, render: part.render, head: part.head, tail: part.tail, xz: false });
      const location = `repodata/${assembled.gz.sha256}-${part.type}.xml.gz`;
      files.push({ ...assembled.gz, path: `${arch}/${location}` });
      records.push({
        type: part.type,
        checksum: assembled.gz.sha256,
        openChecksum: assembled.raw.sha256,
        size: assembled.gz.size,
        openSize: assembled.raw.size,
        timestamp,
        location,
      });
    }
    const repomd = renderRepomd({ revision: String(timestamp), records });
    files.push(await tools.put(`${arch}/repodata/repomd.xml`, repomd));
    files.push(await tools.put(`${arch}/repodata/repomd.xml.asc`, await tools.detachSign(repomd)));
  }
  return files;
}
