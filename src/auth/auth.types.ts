import type { Actor } from '../core/actor.js';
import type { UserRow } from '../store/sql/users.store.js';

/** How a request authenticated: a login session (JWT) or an API token. */
export type Credential = { kind: 'jwt'; jti: string; expiresAt: string } | { kind: 'api_token'; tokenId: number };

export interface Principal extends Actor {
  credential: Credential;
}

/** A user as the API shows it: never the password hash. */
export interface UserView {
  username: string;
  role: string;
  full_name: string;
  email: string;
  active: boolean;
  last_login: string | null;
  created_at: string;
  mfa_enabled: boolean;
}

export function userView(u: UserRow): UserView {
  return {
    username: u.username,
    role: u.role,
    full_name: u.full_name,
    email: u.email,
    active: u.active === 1,
    last_login: u.last_login,
    created_at: u.created_at,
    mfa_enabled: false,
  };
}
