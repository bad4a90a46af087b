import type { TestServer } from './app.js';

export const PASSWORD = 'Secret123!';

/** These tests log in far more often than the per-IP login limit allows a real client (Repod's variable). */
export const RELAXED_LIMITS = { AUTH_RATELIMIT_PER_MINUTE: '100000' };

/** Creates a user through the admin API (the real path, with its policy and audit). */
export async function createUser(srv: TestServer, username: string, role: string, password = PASSWORD): Promise<void> {
  const res = await srv.app.inject({ method: 'POST', url: '/auth/users', headers: { authorization: `Bearer ${await srv.token()}` }, payload: { username, password, role } });
  if (res.statusCode !== 201) throw new Error(`creating ${username}: ${res.statusCode} ${res.body}`);
}

export async function login(srv: TestServer, username: string, password = PASSWORD): Promise<string> {
  const res = await srv.app.inject({ method: 'POST', url: '/auth/token', payload: { username, password } });
  if (res.statusCode !== 200) throw new Error(`login ${username}: ${res.statusCode} ${res.body}`);
  return res.json().access_token as string;
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** Stored audit rows of one action, oldest first, straight from the table. */
export async function auditRows(srv: TestServer, action: string) {
  return srv.container.db.selectFrom('audit_events').selectAll().where('action', '=', action).orderBy('id').execute();
}
