import { homedir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@temporalio/client';
import { DefaultLogger, Runtime, Worker, type NativeConnection, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import pino from 'pino';
import supertest from 'supertest';
import { createApp } from '../api/app';
import { signToken, type Principal } from '../api/auth';
import type { ApiDeps } from '../api/deps';
import { readinessChecks } from '../api/server';
import { dropDatabase, openDatabase, prepareDatabase, type Database } from '../db/client';
import { startSimulator, type RunningSimulator } from '../simulator/server';
import { loadConfig, type Config } from '../worker/config';
import { startDevServer, type DevServer } from '../worker/dev-server';
import { connectWorker, createClient } from '../worker/temporal';
import { bundleWorkflows, createCaseWorker } from '../worker/worker';

// Everything an integration test needs, started once per `npm test` run: a real
// Temporal dev server (the CLI built by the set-up step, in memory), a fresh
// PostgreSQL database, the department simulator over HTTP, and the workflow bundle.

export interface TestEnv {
  config: Config;
  devServer: DevServer;
  db: Database;
  simulator: RunningSimulator;
  client: Client;
  connection: NativeConnection;
  bundle: WorkflowBundleWithSourceMap;
  /** The API bound to a task queue (each test has its own), optionally with other dependencies. */
  api(taskQueue?: string, overrides?: Partial<ApiDeps>): ReturnType<typeof supertest>;
}

let env: TestEnv | undefined;
let starting: Promise<TestEnv> | undefined;

function freePort(): number {
  return 20000 + (process.pid % 20000);
}

async function start(): Promise<TestEnv> {
  const started = Date.now();
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const port = freePort();
  const base = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const url = new URL(base);
  url.pathname = `/newborn_test_${process.pid}_${Date.now() % 100000}`;
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
  const devServer = await startDevServer({
    cliPath: join(cache, 'newborn-one-thing', 'temporal-cli-v1.5.1', 'temporal'),
    port,
    namespace: config.namespace,
    logFile: join(config.dataDir, `test-temporal-${process.pid}.log`),
  });
  const simulator = await startSimulator();
  const client = createClient(config);
  const connection = await connectWorker(config);
  const bundle = await bundleWorkflows();
  const api = (taskQueue?: string, overrides: Partial<ApiDeps> = {}) =>
    supertest(
      createApp({
        client,
        db: db.db,
        config: { ...config, taskQueue: taskQueue ?? config.taskQueue },
        logger: pino({ level: 'silent' }),
        checks: readinessChecks(client, db),
        workflowBundle: Promise.resolve(bundle),
        ...overrides,
      }),
    );
  process.stdout.write(`    [harness] Temporal dev server, database ${url.pathname.slice(1)}, simulator and bundle ready in ${Date.now() - started} ms\n`);
  return { config, devServer, db, simulator, client, connection, bundle, api };
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
}

let queueSeq = 0;

/** A fresh worker on its own task queue from the one bundle; `slaDaySeconds` compresses SLA time. */
export async function newWorker(e: TestEnv, options: { slaDaySeconds?: number; taskQueue?: string } = {}): Promise<{ worker: Worker; taskQueue: string }> {
  const taskQueue = options.taskQueue ?? `test-${process.pid}-${++queueSeq}`;
  const worker = await createCaseWorker({
    connection: e.connection,
    config: e.config,
    workflowBundle: e.bundle,
    taskQueue,
    deps: { db: e.db.db, departmentsUrl: e.simulator.url, slaDaySeconds: options.slaDaySeconds },
  });
  return { worker, taskQueue };
}

export function token(e: TestEnv, principal: Principal): Promise<string> {
  return signToken(e.config.authSecret, principal);
}
