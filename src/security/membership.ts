import type { Kysely } from 'kysely';
import { lockRepository } from '../store/db/dialect.js';
import type { Database } from '../store/db/schema.js';
import type { SecurityDeps } from './security.types.js';

/**
 * Puts packages into or takes them out of a repository as a new snapshot (snapshots are never edited).
 * Callers pass their transaction; the lock serialises writers of the repository across processes.
 * Returns the new snapshot number, or null when nothing changed.
 */
export async function changeMembers(
  deps: Pick<SecurityDeps, 'repositories' | 'snapshots' | 'packages'>,
  trx: Kysely<Database>,
  repositoryId: number,
  change: { add?: number[]; remove?: number[] },
  reason: string,
  actor: string,
  at: string,
): Promise<number | null> {
  await lockRepository(trx, repositoryId);
  const repo = (await deps.repositories.getById(repositoryId, trx))!;
  const live = await deps.packages.liveIds(repositoryId, trx);
  const add = [...new Set(change.add ?? [])].filter((id) => !live.has(id));
  const remove = [...new Set(change.remove ?? [])].filter((id) => live.has(id));
  if (!add.length && !remove.length) return null;
  const number = repo.headSnapshot + 1;
  await deps.snapshots.create(trx, { repositoryId, number, reason, actor, createdAt: at });
  await deps.snapshots.removeMembers(trx, repositoryId, remove, number);
  for (const id of add) await deps.snapshots.addMember(trx, repositoryId, id, repo.components[0] ?? 'main', number);
  await deps.repositories.setHead(trx, repositoryId, number);
  return number;
}
