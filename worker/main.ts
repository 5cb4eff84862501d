import { openDatabase, prepareDatabase } from '../db/client';
import { loadConfig, warnDevDefaults } from '../runtime/config';
import { createLogger } from '../runtime/logger';
import { connectWorker, createClient } from '../runtime/temporal';
import { startArchiver } from './archiver';
import { bundleWorkflows, createCaseWorker, installRuntime } from './worker';

// A worker alone, for scaling out on a Temporal cluster (npm run worker): as many as
// needed, all on one task queue. Each also archives closed histories and answers
// auditors' replays.
async function main() {
  const config = loadConfig();
  const logger = createLogger(config, 'worker');
  warnDevDefaults(config, (m) => logger.warn(m));
  // A worker alone has no /metrics of its own: the SDK's exporter is scraped on its port.
  const { sdkMetricsUrl } = installRuntime({ metrics: { host: config.host, port: config.sdkMetricsPort } });
  await prepareDatabase(config.databaseUrl);
  const database = openDatabase(config.databaseUrl);
  const connection = await connectWorker(config);
  const client = createClient(config);
  const worker = await createCaseWorker({
    connection,
    config,
    client,
    workflowBundle: await bundleWorkflows(),
    deps: { db: database.db, departmentsUrl: config.departmentsUrl },
  });
  logger.info(`worker polling "${config.taskQueue}" on ${config.temporalAddress ?? `127.0.0.1:${config.temporalPort}`}${sdkMetricsUrl ? `; Temporal SDK metrics at ${sdkMetricsUrl}` : ''}`);
  // Every worker sweeps; the archive's lock and primary key keep each history archived once.
  const archiver = startArchiver(client, database.db, logger, { intervalMs: config.archiveIntervalSeconds * 1000 });
  await worker.run(); // returns after SIGINT/SIGTERM, once in-flight tasks are done
  await archiver.stop();
  await client.connection.close();
  await connection.close();
  await database.close();
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
