import { join, resolve } from 'node:path';
import type { Server } from 'node:http';
import type { Logger } from 'pino';
import type { Worker } from '@temporalio/worker';
import { listen } from '../api/server';
import { openDatabase, prepareDatabase } from '../db/client';
import { startSimulator, type RunningSimulator } from '../simulator/server';
import type { Config } from '../runtime/config';
import { startArchiver } from '../worker/archiver';
import { startDevServer, type DevServer } from '../runtime/dev-server';
import { connectWorker, createClient, ensureSearchAttributes } from '../runtime/temporal';
import { bundleWorkflows, createCaseWorker } from '../worker/worker';

/**
 * The whole service in one process, in dependency order: database, Temporal (the
 * embedded dev server unless TEMPORAL_ADDRESS is set), department simulator, worker,
 * API. `stop()` takes it down in reverse order.
 */
export async function startService(config: Config, logger: Logger, options: { temporalCli?: string; simulator?: boolean; sdkMetricsUrl?: string } = {}) {
  const stoppers: { name: string; stop: () => Promise<void> }[] = [];
  const stop = async () => {
    for (const s of stoppers.reverse()) {
      try {
        await s.stop();
        logger.info(`${s.name} stopped`);
      } catch (err) {
        logger.error({ err: (err as Error).message }, `${s.name} did not stop cleanly`);
      }
    }
    stoppers.length = 0;
  };

  try {
    const { created } = await prepareDatabase(config.databaseUrl);
    logger.info(`database ${created ? 'created and ' : ''}migrated`);
    const database = openDatabase(config.databaseUrl);
    stoppers.push({ name: 'database pool', stop: database.close });

    let devServer: DevServer | undefined;
    if (!config.temporalAddress) {
      if (!options.temporalCli) throw new Error('no Temporal CLI to start the embedded server with; run `npm run setup`');
      const dataDir = resolve(config.dataDir);
      devServer = await startDevServer({
        cliPath: options.temporalCli,
        port: config.temporalPort,
        namespace: config.namespace,
        dbFile: join(dataDir, 'temporal.sqlite'),
        logFile: join(dataDir, 'temporal.log'),
        ui: true,
        // The API's codec endpoint: the UI decrypts payloads for signed-in auditors (README, "Personal data").
        uiCodecEndpoint: `http://127.0.0.1:${config.port}/api/codec`,
        retention: '87600h',
      });
      stoppers.push({ name: 'Temporal dev server', stop: devServer.stop });
      logger.info(`Temporal dev server on ${devServer.address}, UI at ${devServer.uiUrl} (state in ${dataDir}); its CLI: npm run temporal -- …`);
    }

    let simulator: RunningSimulator | undefined;
    if (options.simulator ?? !config.departmentsUrlSet) {
      // A demo: its hospital knows every birth it is asked about (README, "The birth as the hospital recorded it").
      // Its carrier signs parcel events with the service's key and posts them to the API.
      simulator = await startSimulator({ port: config.simulatorPort, recordEveryBirth: true, carrier: { secret: config.carrierSecret, eventsUrl: `http://127.0.0.1:${config.port}/api/logistics/events` } });
      stoppers.push({ name: 'department simulator', stop: simulator.close });
      logger.info(`department simulator on ${simulator.url}`);
    }

    const client = createClient(config);
    stoppers.push({ name: 'Temporal client', stop: () => client.connection.close() });
    const connection = await connectWorker(config);
    stoppers.push({ name: 'worker connection', stop: () => connection.close() });
    const started = Date.now();
    const worker: Worker = await createCaseWorker({
      connection,
      config,
      client,
      workflowBundle: await bundleWorkflows(),
      deps: { db: database.db, departmentsUrl: simulator?.url ?? config.departmentsUrl },
    });
    const running = worker.run();
    stoppers.push({
      name: 'worker',
      stop: async () => {
        // The Temporal runtime may already be draining it on the same signal.
        if (worker.getState() === 'RUNNING') worker.shutdown();
        await running;
      },
    });
    logger.info(`worker polling task queue "${config.taskQueue}" (workflows bundled in ${Date.now() - started} ms)`);

    if (config.temporalAddress) {
      await ensureSearchAttributes(client, config.namespace).then(
        (added) => added.length > 0 && logger.info(`registered search attributes ${added.join(', ')} on ${config.temporalAddress}`),
        (err) => logger.warn(`could not check the search attributes on ${config.temporalAddress} (${(err as Error).message}); see README, "Scaling out"`),
      );
    }
    const archiver = startArchiver(client, database.db, logger, { intervalMs: config.archiveIntervalSeconds * 1000 });
    stoppers.push({ name: 'history archiver', stop: archiver.stop });
    const server: Server = await listen(config, logger, client, database, { sdkMetricsUrl: options.sdkMetricsUrl });
    stoppers.push({
      name: 'API',
      stop: () =>
        new Promise<void>((ok) => {
          server.close(() => ok());
          server.closeIdleConnections();
          // A request still waiting on a case gets five seconds, then its connection goes.
          setTimeout(() => server.closeAllConnections(), 5000).unref();
        }),
    });
    logger.info(`API on http://${config.host}:${config.port} (OpenAPI at /api/openapi.json)`);
    return { stop, worker: running, devServer, simulator };
  } catch (err) {
    await stop();
    throw err;
  }
}
