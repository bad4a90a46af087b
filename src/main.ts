import { pino } from 'pino';
import { buildApp } from './app.js';
import { loadConfig } from './config/config.js';
import { createContainer } from './container.js';

const config = loadConfig();
const logger = pino({ level: config.logLevel, redact: ['req.headers.authorization', 'req.headers.cookie'] });
const container = await createContainer(config, logger);
const app = await buildApp(container);

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'shutting down: finishing in-flight requests and publications');
  // close() stops accepting connections and waits for in-flight requests; then background work drains.
  await app.close();
  await container.close();
  logger.info('stopped');
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));

await app.listen({ port: config.port, host: config.host });
