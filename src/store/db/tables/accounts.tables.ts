import type { Generated } from 'kysely';

/** Consecutive failed logins per attempted username (known or not), so the lock holds across processes. */
export interface LoginFailuresTable {
  username: string;
  failures: number;
  locked_until: string | null;
  last_failure_at: string;
}

/** JWT ids revoked by logout; kept until the token would have expired anyway. */
export interface RevokedTokensTable {
  jti: string;
  username: string;
  expires_at: string;
  revoked_at: string;
}

/** API tokens for CI: only the SHA-256 of the token is stored; `prefix` is the recognisable, non-secret start. */
export interface ApiTokensTable {
  id: Generated<number>;
  name: string;
  prefix: string;
  token_hash: string;
  /** The user the token acts as (id and name: a deleted and re-created user does not inherit tokens). */
  user_id: number;
  username: string;
  role: string;
  created_by: string;
  created_at: string;
  expires_at: string | null;
  last_used_at: string | null;
  revoked_at: string | null;
}

export interface AccountsTables {
  login_failures: LoginFailuresTable;
  revoked_tokens: RevokedTokensTable;
  api_tokens: ApiTokensTable;
}
