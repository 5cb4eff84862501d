import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { Client, Connection, isGrpcServiceError } from '@temporalio/client';
import { msToTs, tsToMs } from '@temporalio/common/lib/time';
import { dropDatabase } from '../db/client';
import { loadConfig } from '../runtime/config';
import { ensureSearchAttributes } from '../runtime/temporal';
import { SEARCH_ATTRIBUTES } from '../workflows/search-attributes';
import { parseCli, run } from './cli';
// @ts-expect-error plain JavaScript module shared with the set-up step
import { temporalServerPaths } from './setup.mjs';

// The production Temporal server on PostgreSQL (README, "Scaling out onto a Temporal
// cluster"): the same server binary a cluster runs, here with its four services
// (frontend, history, matching, worker) in one process. The embedded dev server stays
// the default for `npm start`; this is what `TEMPORAL_ADDRESS` points at instead.

const execFileAsync = promisify(execFile);
// gRPC status codes (the engine's errors carry them as they are).
const ALREADY_EXISTS = 6;
const DEADLINE_EXCEEDED = 4;
const UNAVAILABLE = 14;

export interface TemporalServerOptions {
  binaries: { server: string; sqlTool: string; schemaDir: string };
  /** The PostgreSQL server: host, port, user and password of this URL (its database is not used). */
  databaseUrl: string;
  databases: { main: string; visibility: string };
  /** The frontend's gRPC port; the other services take the ports after it (serverPorts). */
  port: number;
  /** Fixed when the databases are first set up: the server keeps the first value it stored. */
  historyShards: number;
  namespace: string;
  retentionDays: number;
  /** Its configuration file and log go here. */
  dir: string;
  logLevel?: 'debug' | 'info' | 'warn' | 'error';
  onProgress?: (message: string) => void;
}

export interface RunningTemporalServer {
  address: string;
  logFile: string;
  configFile: string;
  /** Settles when the server process ends, for whatever reason. */
  exited: Promise<void>;
  stop(): Promise<void>;
}

/** The cluster_membership table keeps ports in a smallint. */
const MAX_MEMBERSHIP_PORT = 32_767;

/**
 * Temporal's own default layout around the frontend's 7233 (history 7234, matching
 * 7235, worker 7239, membership 6933–6939, HTTP 7243, Prometheus 8000), moved as a block.
 */
export function serverPorts(frontend: number) {
  return {
    frontend,
    frontendHttp: frontend + 10,
    frontendMembership: frontend - 300,
    history: frontend + 1,
    historyMembership: frontend - 299,
    matching: frontend + 2,
    matchingMembership: frontend - 298,
    worker: frontend + 6,
    workerMembership: frontend - 294,
    metrics: frontend + 767,
  };
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((ok) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      ok(true);
    });
    socket.once('error', () => ok(false));
  });
}

/** Ports of the block around `frontend` already taken by something else. */
export async function takenPorts(frontend: number): Promise<number[]> {
  const ports = Object.values(serverPorts(frontend));
  const open = await Promise.all(ports.map(portOpen));
  return ports.filter((_, i) => open[i]);
}

function postgresServer(databaseUrl: string) {
  const url = new URL(databaseUrl);
  return {
    host: url.hostname || '127.0.0.1',
    port: Number(url.port || 5432),
    user: decodeURIComponent(url.username || 'postgres'),
    password: decodeURIComponent(url.password),
  };
}

async function sqlTool(options: TemporalServerOptions, database: string, args: string[]): Promise<void> {
  const pg = postgresServer(options.databaseUrl);
  const common = ['--endpoint', pg.host, '--port', String(pg.port), '--user', pg.user, '--plugin', 'postgres12', '--database', database];
  try {
    // The password through the environment, not the command line other users can read.
    await execFileAsync(options.binaries.sqlTool, [...common, ...args], { env: { ...process.env, SQL_PASSWORD: pg.password }, timeout: 120_000, maxBuffer: 16 * 1024 * 1024 });
  } catch (err) {
    const e = err as { stderr?: string; stdout?: string; message: string };
    const detail = `${e.stdout ?? ''}${e.stderr ?? ''}`
      .split('\n')
      .filter((l) => /ERROR|FATAL|error/.test(l))
      .slice(-3)
      .join('\n');
    throw new Error(`temporal-sql-tool ${args[0]} on ${database} failed: ${detail || e.message}`);
  }
}

/**
 * Creates both databases when missing and brings their schema to the version this server
 * needs: `setup-schema -v 0.0` (the version table; it leaves a set-up database alone), then
 * `update-schema` through the versioned directories, which applies only the versions not
 * applied yet. Safe to run again, and what upgrades the schema with a newer server.
 */
export async function prepareTemporalDatabases(options: TemporalServerOptions): Promise<void> {
  const say = options.onProgress ?? (() => {});
  for (const [database, part] of [
    [options.databases.main, 'temporal'],
    [options.databases.visibility, 'visibility'],
  ] as const) {
    say(`database ${database}: creating if missing, then its ${part} schema`);
    await sqlTool(options, database, ['create-database']);
    await sqlTool(options, database, ['setup-schema', '-v', '0.0']);
    await sqlTool(options, database, ['update-schema', '-d', join(options.binaries.schemaDir, part, 'versioned')]);
  }
}

export async function dropTemporalDatabases(options: Pick<TemporalServerOptions, 'databaseUrl' | 'databases'>): Promise<void> {
  for (const database of [options.databases.main, options.databases.visibility]) {
    const url = new URL(options.databaseUrl);
    url.pathname = `/${database}`;
    await dropDatabase(url.toString());
  }
}

/** YAML for a plain tree of objects and scalars; strings in JSON's quotes, which YAML reads alike. */
function toYaml(value: Record<string, unknown>, indent = ''): string {
  return Object.entries(value)
    .map(([key, v]) => (v !== null && typeof v === 'object' ? `${indent}${key}:\n${toYaml(v as Record<string, unknown>, `${indent}  `)}` : `${indent}${key}: ${JSON.stringify(v)}\n`))
    .join('');
}

/** The server's configuration: persistence and visibility on PostgreSQL, every service on loopback. */
export function serverConfig(options: TemporalServerOptions): Record<string, unknown> {
  const pg = postgresServer(options.databaseUrl);
  const ports = serverPorts(options.port);
  const store = (databaseName: string, maxConns: number) => ({
    sql: {
      pluginName: 'postgres12',
      databaseName,
      connectAddr: `${pg.host}:${pg.port}`,
      connectProtocol: 'tcp',
      user: pg.user,
      password: pg.password,
      maxConns,
      maxIdleConns: maxConns,
      maxConnLifetime: '1h',
    },
  });
  const rpc = (grpcPort: number, membershipPort: number, extra: Record<string, unknown> = {}) => ({ rpc: { grpcPort, membershipPort, bindOnLocalHost: true, ...extra } });
  return {
    log: { stdout: true, level: options.logLevel ?? 'warn' },
    persistence: {
      defaultStore: 'default',
      visibilityStore: 'visibility',
      numHistoryShards: options.historyShards,
      datastores: { default: store(options.databases.main, 20), visibility: store(options.databases.visibility, 10) },
    },
    global: {
      membership: { maxJoinDuration: '30s', broadcastAddress: '127.0.0.1' },
      metrics: { prometheus: { framework: 'tally', timerType: 'histogram', listenAddress: `127.0.0.1:${ports.metrics}` } },
    },
    services: {
      frontend: rpc(ports.frontend, ports.frontendMembership, { httpPort: ports.frontendHttp }),
      history: rpc(ports.history, ports.historyMembership),
      matching: rpc(ports.matching, ports.matchingMembership),
      worker: rpc(ports.worker, ports.workerMembership),
    },
    clusterMetadata: {
      enableGlobalNamespace: false,
      failoverVersionIncrement: 10,
      masterClusterName: 'active',
      currentClusterName: 'active',
      clusterInformation: { active: { enabled: true, initialFailoverVersion: 1, rpcName: 'frontend', rpcAddress: `127.0.0.1:${ports.frontend}` } },
    },
    dcRedirectionPolicy: { policy: 'noop' },
  };
}

/** The end of the server's log, each line cut short (its errors carry whole stack traces). */
function lastLines(file: string, n: number): string {
  try {
    return readFileSync(file, 'utf8')
      .trimEnd()
      .split('\n')
      .slice(-n)
      .map((line) => (line.length > 400 ? `${line.slice(0, 400)} …` : line))
      .join('\n');
  } catch {
    return '';
  }
}

const isUnavailable = (err: unknown) => isGrpcServiceError(err) && (err.code === UNAVAILABLE || err.code === DEADLINE_EXCEEDED);

/** Retries while the cluster is still forming (the frontend answers before history has joined). */
async function untilAvailable<T>(what: string, attempt: () => Promise<T>, exited: () => boolean, deadline: number): Promise<T> {
  for (;;) {
    try {
      return await attempt();
    } catch (err) {
      if (exited() || Date.now() > deadline || !(isUnavailable(err) || (isGrpcServiceError(err) && /not enough hosts|shard/i.test(err.details ?? '')))) {
        throw new Error(`${what}: ${(err as Error).message}`);
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

/**
 * Registers the namespace (or sets its retention when it exists) and the case search
 * attributes, then waits until a visibility query by them is accepted: the frontend
 * and history services learn of new attributes from the namespace registry a moment later.
 */
async function prepareNamespace(connection: Connection, options: TemporalServerOptions, exited: () => boolean, deadline: number): Promise<string[]> {
  const say = options.onProgress ?? (() => {});
  const retentionMs = options.retentionDays * 86_400_000;
  const retention = msToTs(retentionMs);
  const registered = await untilAvailable(
    'registering the namespace',
    async () => {
      try {
        await connection.workflowService.registerNamespace({ namespace: options.namespace, workflowExecutionRetentionPeriod: retention, description: 'newborn one-thing cases' });
        return true;
      } catch (err) {
        if (isGrpcServiceError(err) && err.code === ALREADY_EXISTS) return false;
        throw err;
      }
    },
    exited,
    deadline,
  );
  if (!registered) {
    const described = await connection.workflowService.describeNamespace({ namespace: options.namespace });
    if (tsToMs(described.config?.workflowExecutionRetentionTtl) !== retentionMs) {
      await connection.workflowService.updateNamespace({ namespace: options.namespace, config: { workflowExecutionRetentionTtl: retention } });
      say(`namespace ${options.namespace}: retention set to ${options.retentionDays} days`);
    }
  } else {
    say(`namespace ${options.namespace} registered, retention ${options.retentionDays} days`);
  }
  const client = new Client({ connection, namespace: options.namespace });
  const added = await untilAvailable('registering the search attributes', () => ensureSearchAttributes(client, options.namespace), exited, deadline);
  if (added.length > 0) say(`search attributes registered: ${added.join(', ')}`);
  const probe = Object.keys(SEARCH_ATTRIBUTES)
    .map((name) => `${name} = 'probe'`)
    .join(' AND ');
  for (;;) {
    try {
      await connection.workflowService.countWorkflowExecutions({ namespace: options.namespace, query: probe });
      return added;
    } catch (err) {
      if (exited() || Date.now() > deadline) throw new Error(`the search attributes did not become usable: ${(err as Error).message}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

/**
 * Writes the configuration, starts `temporal-server start` and waits until the namespace
 * and search attributes are usable. The databases must have been prepared.
 */
export async function startTemporalServer(options: TemporalServerOptions): Promise<RunningTemporalServer> {
  const say = options.onProgress ?? (() => {});
  if (options.port - 300 < 1024 || serverPorts(options.port).workerMembership > MAX_MEMBERSHIP_PORT) {
    throw new Error(`TEMPORAL_PORT=${options.port}: the production server needs 1324–${MAX_MEMBERSHIP_PORT + 294} (its membership ports, 300 below, are stored as PostgreSQL smallints)`);
  }
  const taken = await takenPorts(options.port);
  if (taken.length > 0) throw new Error(`ports ${taken.join(', ')} are in use (the server takes ${options.port - 300}–${options.port + 767}); stop the other server or choose another TEMPORAL_PORT`);
  const dir = resolve(options.dir);
  const configDir = join(dir, 'config');
  mkdirSync(configDir, { recursive: true });
  const configFile = join(configDir, 'production.yaml');
  // It holds the database password: readable by this user only.
  writeFileSync(configFile, `# Written by npm run temporal:server at every start; edit the settings (README), not this file.\n${toYaml(serverConfig(options))}`, { mode: 0o600 });
  const logFile = join(dir, 'temporal-server.log');
  const log = openSync(logFile, 'a');
  const child: ChildProcess = spawn(options.binaries.server, ['--root', dir, '--config', 'config', '--env', 'production', '--allow-no-auth', 'start'], { stdio: ['ignore', log, log] });
  let exited = false;
  const exit = new Promise<void>((ok) =>
    child.once('exit', () => {
      exited = true;
      closeSync(log);
      ok();
    }),
  );
  const stop = async () => {
    if (exited) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exit;
    clearTimeout(timer);
  };
  const address = `127.0.0.1:${options.port}`;
  const deadline = Date.now() + 90_000;
  let connection: Connection | undefined;
  try {
    while (!(await portOpen(options.port))) {
      if (exited) throw new Error(`the Temporal server exited during start-up; the end of ${logFile}:\n${lastLines(logFile, 6)}`);
      if (Date.now() > deadline) throw new Error(`the Temporal server did not open port ${options.port} within 90 s; see ${logFile}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    connection = await Connection.connect({ address });
    const info = await untilAvailable('asking the cluster for its shards', () => connection!.workflowService.getClusterInfo({}), () => exited, deadline);
    if (info.historyShardCount !== options.historyShards) {
      say(`note: these databases were set up with ${info.historyShardCount} history shards; the server keeps that number (TEMPORAL_HISTORY_SHARDS=${options.historyShards} applies to new databases only)`);
    }
    await prepareNamespace(connection, options, () => exited, deadline);
  } catch (err) {
    await stop();
    throw err;
  } finally {
    await connection?.close();
  }
  return { address, logFile, configFile, exited: exit, stop };
}

const USAGE = `
npm run temporal:server

Runs the production Temporal server (built once per machine by the set-up step) on the
PostgreSQL server of DATABASE_URL, in the foreground; Ctrl-C stops it. Creates its two
databases (TEMPORAL_DATABASE, TEMPORAL_VISIBILITY_DATABASE) and their schema when
missing, starts it with TEMPORAL_HISTORY_SHARDS history shards and its frontend on
TEMPORAL_PORT, and registers TEMPORAL_NAMESPACE (retention TEMPORAL_RETENTION_DAYS) with
the case search attributes. Safe to run again. Then, in another terminal:

  TEMPORAL_ADDRESS=127.0.0.1:7233 npm start
`;

if (require.main === module) {
  run(async () => {
    parseCli(USAGE, {});
    const config = loadConfig();
    const say = (m: string) => process.stdout.write(`[temporal-server] ${m}\n`);
    const options: TemporalServerOptions = {
      binaries: temporalServerPaths(),
      databaseUrl: config.databaseUrl,
      databases: { main: config.temporalServer.database, visibility: config.temporalServer.visibilityDatabase },
      port: config.temporalPort,
      historyShards: config.temporalServer.historyShards,
      namespace: config.namespace,
      retentionDays: config.temporalServer.retentionDays,
      dir: join(config.dataDir, 'temporal-server'),
      onProgress: say,
    };
    const started = Date.now();
    await prepareTemporalDatabases(options);
    say(`starting the server (${options.historyShards} history shards), log in ${join(resolve(options.dir), 'temporal-server.log')}`);
    const server = await startTemporalServer(options);
    say(`ready in ${((Date.now() - started) / 1000).toFixed(1)} s: frontend on ${server.address}, namespace ${options.namespace}; Ctrl-C stops it`);
    say(`the service: TEMPORAL_ADDRESS=${server.address} npm start   (the server's own metrics: http://127.0.0.1:${serverPorts(options.port).metrics}/metrics)`);
    let stopping = false;
    const shutdown = (signal: string) => {
      if (stopping) return;
      stopping = true;
      say(`${signal} received, stopping the server`);
      void server.stop().then(() => {
        say('stopped');
        process.exit(0);
      });
    };
    process.on('SIGINT', () => shutdown('SIGINT'));
    process.on('SIGTERM', () => shutdown('SIGTERM'));
    await server.exited;
    if (!stopping) throw new Error(`the Temporal server stopped by itself; the end of ${server.logFile}:\n${lastLines(server.logFile, 6)}`);
  });
}
