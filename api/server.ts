import type { Server } from 'node:http';
import type { Client } from '@temporalio/client';
import type { Logger } from 'pino';
import { openDatabase, prepareDatabase, type Database } from '../db/client';
import { loadConfig, warnDevDefaults, type Config } from '../runtime/config';
import { createLogger } from '../runtime/logger';
import { createClient } from '../runtime/temporal';
import { createApp } from './app';
import type { ApiDeps } from './deps';

/** What `/readyz` probes: the same Temporal client and database pool the API serves with. */
export function readinessChecks(client: Client, database: Database): ApiDeps['checks'] {
  return {
    temporal: async () => void (await client.connection.workflowService.getSystemInfo({})),
    database: async () => void (await database.sql`select 1`),
  };
}

/** Listens with the API on `config.port`; `extra` adds what only the launcher knows (the SDK's metrics exporter). */
export async function listen(config: Config, logger: Logger, client: Client, database: Database, extra: Pick<ApiDeps, 'sdkMetricsUrl'> = {}): Promise<Server> {
  const app = createApp({ client, db: database.db, config, logger, checks: readinessChecks(client, database), ...extra });
  return new Promise((ok, fail) => {
    const server = app.listen(config.port, config.host, (err?: Error) => (err ? fail(err) : ok(server)));
  });
}

// The API alone, for scaling out next to workers on a Temporal cluster (npm run api).
async function main() {
  const config = loadConfig();
  const logger = createLogger(config, 'api');
  warnDevDefaults(config, (m) => logger.warn(m));
  await prepareDatabase(config.databaseUrl);
  const database = openDatabase(config.databaseUrl);
  const client = createClient(config);
  const server = await listen(config, logger, client, database);
  logger.info(`API on http://${config.host}:${config.port}, Temporal at ${config.temporalAddress ?? `127.0.0.1:${config.temporalPort}`}`);
  const stop = () => server.close(() => void Promise.all([client.connection.close(), database.close()]).then(() => process.exit(0)));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
