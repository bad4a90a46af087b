import type { TestServer } from './app.js';

const tokens = new WeakMap<TestServer, Map<string, string>>();

/** Creates a user with the given role directly in the store and returns a Bearer token for it (one login per role). */
export async function tokenFor(srv: TestServer, role: string): Promise<string> {
  const cached = tokens.get(srv)?.get(role);
  if (cached) return cached;
  const username = `${role}-user`;
  const password = 'Passw0rd!';
  if (!(await srv.container.stores.users.findByUsername(username))) {
    await srv.container.stores.users.create({ username, passwordHash: await srv.container.auth.hashPassword(password), role, createdAt: new Date().toISOString() });
  }
  const res = await srv.app.inject({ method: 'POST', url: '/auth/token', payload: { username, password } });
  if (res.statusCode !== 200) throw new Error(`login as ${username} failed: ${res.body}`);
  const token = res.json().access_token as string;
  tokens.set(srv, (tokens.get(srv) ?? new Map<string, string>()).set(role, token));
  return token;
}

/** Package stanzas (name, version, arch) of a served APT Packages file. */
export function debEntries(packages: string): string[] {
  return packages
    .split('\n\n')
    .filter((s) => s.trim())
    .map((s) => {
      const f = (k: string) => new RegExp(`^${k}: (.*)$`, 'm').exec(s)?.[1] ?? '';
      return `${f('Package')} ${f('Version')} ${f('Architecture')}`;
    });
}
