import { rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@temporalio/client';
import type { Worker, NativeConnection, WorkflowBundleWithSourceMap } from '@temporalio/worker';
import pino from 'pino';
import supertest from 'supertest';
import { createApp } from '../api/app';
import { signToken, type Principal } from '../api/auth';
import type { ApiDeps } from '../api/deps';
import { readinessChecks } from '../api/server';
import { dropDatabase, openDatabase, prepareDatabase, type Database } from '../db/client';
import { startSimulator, type RunningSimulator } from '../simulator/server';
import { loadConfig, type Config } from '../runtime/config';
import { startDevServer, type DevServer } from '../runtime/dev-server';
import { connectWorker, createClient } from '../runtime/temporal';
import { bundleWorkflows, createCaseWorker, installRuntime } from '../worker/worker';
import { dropTemporalDatabases, prepareTemporalDatabases, startTemporalServer, takenPorts, type TemporalServerOptions } from '../scripts/temporal-server';
// @ts-expect-error plain JavaScript module shared with the set-up step
import { temporalServerPaths } from '../scripts/setup.mjs';

// Everything an integration test needs, started once per `npm test` run: a real
// Temporal server, a fresh PostgreSQL database, the department simulator over HTTP,
// and the workflow bundle. The Temporal server is the dev server (the CLI built by the
// set-up step, in memory), or with TEST_TEMPORAL=cluster (npm run test:cluster) the
// production server on two fresh PostgreSQL databases of its own, dropped afterwards.

/** Which Temporal server this run tests against. */
export const TEMPORAL_KIND: 'dev' | 'cluster' = process.env.TEST_TEMPORAL === 'cluster' ? 'cluster' : 'dev';

export interface TestEnv {
  config: Config;
  /** The Temporal server of the run, whichever kind (TEMPORAL_KIND). */
  devServer: Pick<DevServer, 'address' | 'stop'>;
  /** Where the Temporal SDK's Prometheus exporter of this process answers. */
  sdkMetricsUrl?: string;
  db: Database;
  simulator: RunningSimulator;
  client: Client;
  connection: NativeConnection;
  bundle: WorkflowBundleWithSourceMap;
  /** The API bound to a task queue (each test has its own), optionally with other dependencies. */
  api(taskQueue?: string, overrides?: Partial<ApiDeps>): ReturnType<typeof supertest>;
  /** The API's Express app itself, for a bench that listens once as a server does. */
  apiApp(taskQueue?: string, overrides?: Partial<ApiDeps>): ReturnType<typeof createApp>;
}

let env: TestEnv | undefined;
let starting: Promise<TestEnv> | undefined;

let cleanup: (() => Promise<void>) | undefined;

/** A port nothing listens on now, chosen by the system, so parallel runs never collide. */
function systemPort(): Promise<number> {
  return new Promise((ok, fail) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => ok(port));
    });
    server.once('error', fail);
  });
}

/**
 * A free block for the production server's ports: it takes its frontend's - 300 to + 767,
 * and the membership ports (- 300) must fit a PostgreSQL smallint.
 */
async function freeClusterPort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = 21000 + ((process.pid * 7 + attempt * 1231) % 12000);
    if ((await takenPorts(port)).length === 0) return port;
  }
  throw new Error('no free block of ports for the Temporal server');
}

async function startCluster(config: Config, suffix: string): Promise<TestEnv['devServer']> {
  const options: TemporalServerOptions = {
    binaries: temporalServerPaths(),
    databaseUrl: config.databaseUrl,
    databases: { main: `temporal_test_${suffix}`, visibility: `temporal_visibility_test_${suffix}` },
    port: config.temporalPort,
    historyShards: config.temporalServer.historyShards,
    namespace: config.namespace,
    retentionDays: 1,
    dir: join(config.dataDir, `test-temporal-server-${suffix}`),
  };
  const dropDatabases = () => dropTemporalDatabases(options);
  try {
    await prepareTemporalDatabases(options);
    const server = await startTemporalServer(options);
    cleanup = async () => {
      await dropDatabases();
      rmSync(options.dir, { recursive: true, force: true });
    };
    return server;
  } catch (err) {
    await dropDatabases();
    throw err;
  }
}

async function start(): Promise<TestEnv> {
  const started = Date.now();
  const { sdkMetricsUrl } = installRuntime({ logLevel: 'ERROR', metrics: { host: '127.0.0.1', port: await systemPort() } });
  const port = TEMPORAL_KIND === 'cluster' ? await freeClusterPort() : await systemPort();
  const base = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const url = new URL(base);
  const suffix = `${process.pid}_${Date.now() % 100000}`;
  url.pathname = `/newborn_test_${suffix}`;
  const config = loadConfig({
    ...process.env,
    TEMPORAL_ADDRESS: undefined,
    TEMPORAL_PORT: String(port),
    DATABASE_URL: url.toString(),
    SLA_DAY_SECONDS: undefined,
    NODE_ENV: 'test',
    // Fixed test keys: the golden histories in test/histories/ are encrypted with this one.
    PAYLOAD_KEY: 'test:yCaCIoZ55IPDwzR6rc7MQ5yhx6xgXyjLg1KZH8aMKyI=',
    AUTH_SECRET: 'test-only-auth-secret-0123456789abcdef',
    ID_HASH_KEY: 'test-only-id-hash-key',
  });
  await prepareDatabase(config.databaseUrl);
  const db = openDatabase(config.databaseUrl);
  const cache = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  const devServer =
    TEMPORAL_KIND === 'cluster'
      ? await startCluster(config, suffix)
      : await startDevServer({
          cliPath: join(cache, 'newborn-one-thing', 'temporal-cli-v1.5.1', 'temporal'),
          port,
          namespace: config.namespace,
          logFile: join(config.dataDir, `test-temporal-${process.pid}.log`),
        });
  // The carrier signs with the run's key; tests deliver its events to the API themselves (supertest).
  const simulator = await startSimulator({ carrier: { secret: config.carrierSecret } });
  const client = createClient(config);
  const connection = await connectWorker(config);
  const bundle = await bundleWorkflows();
  const apiApp = (taskQueue?: string, overrides: Partial<ApiDeps> = {}) =>
    createApp({
      client,
      db: db.db,
      config: { ...config, taskQueue: taskQueue ?? config.taskQueue },
      logger: pino({ level: 'silent' }),
      checks: readinessChecks(client, db),
      sdkMetricsUrl,
      ...overrides,
    });
  const api = (taskQueue?: string, overrides: Partial<ApiDeps> = {}) => supertest(apiApp(taskQueue, overrides));
  const kind = TEMPORAL_KIND === 'cluster' ? `production Temporal server (${config.temporalServer.historyShards} history shards, PostgreSQL)` : 'Temporal dev server';
  process.stdout.write(`    [harness] ${kind} on ${devServer.address}, database ${url.pathname.slice(1)}, simulator and bundle ready in ${Date.now() - started} ms\n`);
  return { config, devServer, sdkMetricsUrl, db, simulator, client, connection, bundle, api, apiApp };
}

/** The shared environment, started on first use (unit-only runs never start it). */
export function testEnv(): Promise<TestEnv> {
  starting ??= start().then((e) => (env = e));
  return starting;
}

export async function mochaGlobalTeardown(): Promise<void> {
  if (!env) return;
  await env.connection.close();
  await env.client.connection.close();
  await env.simulator.close();
  await env.devServer.stop();
  await env.db.close();
  await dropDatabase(env.config.databaseUrl);
  await cleanup?.();
}

let queueSeq = 0;

/** A fresh worker on its own task queue from the one bundle; `slaDaySeconds` compresses SLA time. */
export async function newWorker(e: TestEnv, options: { slaDaySeconds?: number; taskQueue?: string; replayBundle?: WorkflowBundleWithSourceMap } = {}): Promise<{ worker: Worker; taskQueue: string }> {
  const taskQueue = options.taskQueue ?? `test-${process.pid}-${++queueSeq}`;
  const worker = await createCaseWorker({
    connection: e.connection,
    config: e.config,
    workflowBundle: e.bundle,
    client: e.client,
    replayBundle: options.replayBundle,
    taskQueue,
    // A department system is asked for the event that decides an item every 200 ms, not every 15 s.
    deps: { db: e.db.db, departmentsUrl: e.simulator.url, slaDaySeconds: options.slaDaySeconds, departmentEventPollMs: 200 },
  });
  return { worker, taskQueue };
}

export function token(e: TestEnv, principal: Principal): Promise<string> {
  return signToken(e.config, principal);
}
