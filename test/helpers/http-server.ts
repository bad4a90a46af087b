import type { TestServer } from './app.js';
import { startTestServer } from './app.js';

/** A test server listening on a random loopback port, for real clients (apt-get, dnf, curl). */
export async function startListeningServer(env: Record<string, string> = {}): Promise<TestServer & { url: string }> {
  const srv = await startTestServer(env);
  await srv.app.listen({ port: 0, host: '127.0.0.1' });
  const addr = srv.app.server.address();
  if (!addr || typeof addr === 'string') throw new Error('no address');
  return { ...srv, url: `http://127.0.0.1:${addr.port}` };
}

/** Uploads through HTTP exactly as curl -F does. */
export async function uploadOverHttp(url: string, token: string, distribution: string, filename: string, content: Buffer): Promise<{ status: number; body: Record<string, unknown> }> {
  const form = new FormData();
  form.append('file', new Blob([content]), filename);
  form.append('distribution', distribution);
  const res = await fetch(`${url}/upload/`, { method: 'POST', body: form, headers: { authorization: `Bearer ${token}` } });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}
