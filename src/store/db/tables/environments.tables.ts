import type { Generated } from 'kysely';

/** Named environments (`preprod`, `prod`, ...): admins define them; each repository points one at a snapshot. */
export interface EnvironmentsTable {
  id: Generated<number>;
  name: string;
  color: string;
  description: string;
  created_at: string;
}

/**
 * The pointer of one environment of one repository: the snapshot it serves and that snapshot's publication.
 * Moving an environment is one UPDATE (or INSERT) of this row.
 */
export interface RepositoryEnvironmentsTable {
  repository_id: number;
  environment_id: number;
  snapshot_number: number;
  publication_id: number;
  updated_at: string;
  updated_by: string;
}

/** Host profiles (Repomanager): lists are JSON arrays of strings. */
export interface ProfilesTable {
  id: Generated<number>;
  name: string;
  package_exclude: string;
  package_exclude_major: string;
  service_reload: string;
  service_restart: string;
  notes: string;
  created_at: string;
  updated_at: string;
}

/** Member repositories of a profile; an empty environment means "the host's own environment" (__ENV__). */
export interface ProfileRepositoriesTable {
  profile_id: number;
  repository_id: number;
  environment: string;
  position: number;
}

export interface EnvironmentsTables {
  environments: EnvironmentsTable;
  repository_environments: RepositoryEnvironmentsTable;
  profiles: ProfilesTable;
  profile_repositories: ProfileRepositoriesTable;
}
