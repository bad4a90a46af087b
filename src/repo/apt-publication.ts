import { renderRelease } from '../formats/apt/release.js';
import type { Repository } from '../store/sql/repositories.store.js';
import type { PublicationFile } from '../store/sql/publications.store.js';
import type { ContentsPlanner } from './contents-index.js';
import { FragmentMemo } from './fragment-memo.js';
import type { IndexAssembler } from './index-assembler.js';
import { type FragmentSource, type PublicationTools, type PublishedMember, runBuilds } from './publication.types.js';

/** File lists kept between a Contents plan and its assembly: about 64 MB of strings at most. */
const FILE_LIST_MEMO_CHARS = 32 * 1024 * 1024;

/** Architectures that get a binary-<arch> index; "all" packages are listed in each of them. */
export function aptArchitectures(repo: Repository): string[] {
  return repo.architectures.filter((a) => a !== 'all');
}

/**
 * The files of one APT distribution publication, paths relative to dists/<codename>/:
 * <component>/binary-<arch>/Packages{,.gz,.xz}, <component>/Contents-<arch>.gz, Release, InRelease, Release.gpg.
 */
export async function buildAptPublication(input: {
  repo: Repository;
  members: PublishedMember[];
  assembler: IndexAssembler;
  contents: ContentsPlanner;
  fragments: FragmentSource;
  date: Date;
  validUntil?: Date;
  tools: PublicationTools;
  /** Someone waits for this publication (a reader, an explicit publish): build for latency. */
  urgent?: boolean;
}): Promise<PublicationFile[]> {
  const { repo, members, assembler, fragments } = input;
  const files: PublicationFile[] = [];
  for (const component of repo.components) {
    for (const arch of aptArchitectures(repo)) {
      const items = members
        .filter((m) => m.component === component && (m.arch === arch || m.arch === 'all'))
        .map((m) => ({ id: m.packageId, sha256: m.sha256 }));
      const lane = `${repo.id}/${component}/${arch}`;
      // The Contents plan reads the file lists of every chunk it does not know; its assembly reads the same
      // ones again, from this publication's memo.
      const fileLists = new FragmentMemo(fragments.files, FILE_LIST_MEMO_CHARS);
      // At once, Packages mostly waits for xz in the thread pool while planning and merging Contents is
      // work for this thread (measured: a 10k batch ingest 5-10% slower with background builds at once).
      const [packages, contents] = await runBuilds(
        [
          () => assembler.assemble({ kind: 'deb-packages-v1', items, lane, render: fragments.index, separator: '\n', xz: true }),
          async () => {
            const plan = await input.contents.plan(assembler.cut(items, lane), fileLists.read);
            return assembler.assemble({ kind: 'deb-contents-v2', items, lane, render: fileLists.take, xz: false, plan });
          },
        ],
        input.urgent ?? false,
      );
      const dir = `${component}/binary-${arch}`;
      files.push({ ...packages.raw, path: `${dir}/Packages` });
      files.push({ ...packages.gz, path: `${dir}/Packages.gz` });
      files.push({ ...packages.xz!, path: `${dir}/Packages.xz` });
      files.push({ ...contents.gz, path: `${component}/Contents-${arch}.gz` });
    }
  }
  const release = renderRelease({
    origin: repo.origin || 'Packyard',
    label: repo.label || repo.name,
    suite: repo.name,
    codename: repo.name,
    date: input.date,
    validUntil: input.validUntil,
    architectures: aptArchitectures(repo),
    components: repo.components,
    description: repo.description || `Packyard ${repo.name}`,
    files: files.map((f) => ({ path: f.path, sha256: f.sha256, size: f.size })),
  });
  const { tools } = input;
  files.push(
    await tools.put('Release', release),
    await tools.put('InRelease', await tools.clearsign(release)),
    await tools.put('Release.gpg', await tools.detachSign(release)),
  );
  return files;
}
