import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { buildApp } from '../../../src/app.js';
import { createContainer, type Container } from '../../../src/container.js';
import type { Clock } from '../../../src/core/clock.js';
import { ADMIN, type TestServer } from '../../helpers/app.js';

/** A clock the test moves by hand, so rate-limit windows never roll over by accident. */
export class ManualClock implements Clock {
  private ms: number;
  constructor(start = Date.now()) {
    this.ms = start;
  }
  now(): Date {
    return new Date(this.ms);
  }
  advance(ms: number): void {
    this.ms += ms;
  }
}

export interface Instance {
  app: FastifyInstance;
  container: Container;
  login(username?: string, password?: string): Promise<string>;
  close(): Promise<void>;
}

/**
 * Another Packyard process over the test server's database and data directory (as a second node of a
 * scale-out deployment would be), with its own clock.
 */
export async function addInstance(srv: TestServer, clock: Clock, extra?: (app: FastifyInstance, c: Container) => void): Promise<Instance> {
  const container = await createContainer(srv.config, pino({ level: 'warn' }), clock);
  const app = await buildApp(container);
  extra?.(app, container);
  await app.ready();
  return {
    app,
    container,
    login: async (username = ADMIN.username, password = ADMIN.password) => {
      const res = await app.inject({ method: 'POST', url: '/auth/token', payload: { username, password }, remoteAddress: '198.51.100.1' });
      if (res.statusCode !== 200) throw new Error(`login failed: ${res.statusCode} ${res.body}`);
      return res.json().access_token as string;
    },
    close: async () => {
      await app.close();
      await container.close();
    },
  };
}

export async function createUser(c: Container, username: string, role: string, password = 'Passw0rd!x'): Promise<void> {
  await c.stores.users.create({ username, role, passwordHash: await c.auth.hashPassword(password), createdAt: new Date().toISOString() });
}
