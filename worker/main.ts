import { openDatabase, prepareDatabase } from '../db/client';
import { loadConfig } from './config';
import { installRuntime } from './service';
import { startArchiver } from './archiver';
import { createLogger } from './logger';
import { connectWorker, createClient } from './temporal';
import { bundleWorkflows, createCaseWorker } from './worker';

// A worker alone, for scaling out on a Temporal cluster (npm run worker): as many as needed, all on one task queue.
async function main() {
  const config = loadConfig();
  installRuntime();
  await prepareDatabase(config.databaseUrl);
  const database = openDatabase(config.databaseUrl);
  const connection = await connectWorker(config);
  const worker = await createCaseWorker({
    connection,
    config,
    workflowBundle: await bundleWorkflows(),
    deps: { db: database.db, departmentsUrl: config.departmentsUrl },
  });
  console.log(`worker polling "${config.taskQueue}" on ${config.temporalAddress ?? `127.0.0.1:${config.temporalPort}`}`);
  // Every worker sweeps; the archive's lock and primary key keep each history archived once.
  const client = createClient(config);
  const archiver = startArchiver(client, database.db, createLogger(config.logLevel, 'archiver'), { intervalMs: config.archiveIntervalSeconds * 1000 });
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
