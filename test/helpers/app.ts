import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import pg from 'pg';
import { pino } from 'pino';
import { buildApp } from '../../src/app.js';
import { loadConfig, type Config } from '../../src/config/config.js';
import { createContainer, type Container } from '../../src/container.js';
import type { Clock } from '../../src/core/clock.js';

export const ADMIN = { username: 'admin', password: 'Admin1234!' };

/**
 * A fresh server for one test file: its own data directory and, when TEST_DATABASE_URL points at a
 * PostgreSQL server, its own database on it (created here, dropped by close()).
 */
export interface TestServer {
  app: FastifyInstance;
  container: Container;
  config: Config;
  dataDir: string;
  token(): Promise<string>;
  close(): Promise<void>;
}

async function createPgDatabase(adminUrl: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `packyard_t_${randomBytes(6).toString('hex')}`;
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  await client.query(`create database ${name}`);
  await client.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}

export async function startTestServer(env: Record<string, string> = {}, opts: { clock?: Clock } = {}): Promise<TestServer> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'packyard-test-'));
  const pgUrl = process.env.TEST_DATABASE_URL;
  const database = pgUrl ? await createPgDatabase(pgUrl) : undefined;
  const config = loadConfig({
    DATA_DIR: dataDir,
    ADMIN_USERNAME: ADMIN.username,
    ADMIN_PASSWORD: ADMIN.password,
    DATABASE_URL: database?.url ?? '',
    LOG_LEVEL: 'warn',
    // Tests log in and write far more often than people do; the rate-limit tests switch limits back on.
    RATE_LIMIT_ENABLED: 'false',
    ...env,
  });
  const logger = pino({ level: config.logLevel });
  const container = await createContainer(config, logger, opts.clock);
  const app = await buildApp(container);
  await app.ready();
  let cached: string | undefined;
  return {
    app,
    container,
    config,
    dataDir,
    token: async () => {
      if (cached) return cached;
      const res = await app.inject({ method: 'POST', url: '/auth/token', payload: ADMIN });
      cached = res.json().access_token as string;
      return cached;
    },
    close: async () => {
      await app.close();
      await container.close();
      await database?.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Builds a multipart/form-data body as curl -F would send it. */
export function multipart(fields: Record<string, string>, file?: { field?: string; filename: string; content: Buffer }): { payload: Buffer; headers: Record<string, string> } {
  const boundary = `----packyard${randomBytes(8).toString('hex')}`;
  const chunks: Buffer[] = [];
  if (file) {
    chunks.push(
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${file.field ?? 'file'}"; filename="${file.filename}"\r\nContent-Type: application/octet-stream\r\n\r\n`),
      file.content,
      Buffer.from('\r\n'),
    );
  }
  for (const [k, v] of Object.entries(fields)) {
    chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { payload: Buffer.concat(chunks), headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}

export type FormPart = { name: string; value: string } | { name: string; filename: string; content: Buffer };

/** A multipart/form-data body with the parts in the given order (curl -F ... -F ... sends them so). */
export function multipartParts(parts: FormPart[]): { payload: Buffer; headers: Record<string, string> } {
  const boundary = `----packyard${randomBytes(8).toString('hex')}`;
  const chunks = parts.flatMap((p) =>
    'filename' in p
      ? [
          Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${p.name}"; filename="${p.filename}"\r\nContent-Type: application/octet-stream\r\n\r\n`),
          p.content,
          Buffer.from('\r\n'),
        ]
      : [Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${p.name}"\r\n\r\n${p.value}\r\n`)],
  );
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { payload: Buffer.concat(chunks), headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}
