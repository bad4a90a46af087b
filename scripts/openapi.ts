// Regenerates openapi/openapi.json from the route schemas: npm run openapi. CI fails when it is stale
// (test/http/openapi.test.ts compares the checked-in file with a freshly generated document).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config/config.js';
import { createContainer } from '../src/container.js';
import { renderOpenApi } from '../src/http/openapi.js';

const root = path.resolve(import.meta.dirname, '..');
const dataDir = mkdtempSync(path.join(os.tmpdir(), 'packyard-openapi-'));
try {
  // Routes do not depend on configuration; a throwaway data directory with the embedded database will do.
  const config = loadConfig({ DATA_DIR: dataDir, ADMIN_PASSWORD: 'Openapi-generator-1', LOG_LEVEL: 'error' });
  const container = await createContainer(config, pino({ level: 'error' }));
  const app = await buildApp(container);
  await app.ready();
  const out = path.join(root, 'openapi', 'openapi.json');
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, renderOpenApi(app));
  await app.close();
  await container.close();
  process.stdout.write(`wrote ${path.relative(root, out)}\n`);
} finally {
  rmSync(dataDir, { recursive: true, force: true });
}
