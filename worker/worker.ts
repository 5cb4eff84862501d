import { DefaultLogger, Runtime, Worker, bundleWorkflowCode, type WorkflowBundleWithSourceMap, type NativeConnection } from '@temporalio/worker';
import type { Client } from '@temporalio/client';
import { createActivities, type ActivityDeps } from '../activities';
import type { Config } from '../runtime/config';
import { FAILURE_CONVERTER_PATH, dataConverter } from '../runtime/temporal';
import { replayCases } from './replay';

export function bundleWorkflows(): Promise<WorkflowBundleWithSourceMap> {
  return bundleWorkflowCode({ workflowsPath: require.resolve('../workflows'), failureConverterPath: FAILURE_CONVERTER_PATH, logger: { log() {}, trace() {}, debug() {}, info() {}, warn: console.warn, error: console.error } });
}

export async function createCaseWorker(options: {
  connection: NativeConnection;
  config: Config;
  workflowBundle: WorkflowBundleWithSourceMap;
  /** For auditors' replays: reads archived and open histories. Without it the worker does not replay. */
  client?: Client;
  /** The code replays are checked against; default the bundle the worker runs. */
  replayBundle?: WorkflowBundleWithSourceMap;
  /** The systems to bind; what configuration already says (ID hash key, SLA clock, office close) may be overridden. */
  deps: Pick<ActivityDeps, 'db' | 'departmentsUrl'> & Partial<ActivityDeps>;
  taskQueue?: string;
}): Promise<Worker> {
  const { config, client } = options;
  return Worker.create({
    connection: options.connection,
    namespace: options.config.namespace,
    taskQueue: options.taskQueue ?? options.config.taskQueue,
    workflowBundle: options.workflowBundle,
    activities: createActivities({
      idHashKey: config.idHashKey,
      slaDaySeconds: config.slaDaySeconds,
      officeClose: config.officeClose,
      replayCases: client && ((request, onProgress) => replayCases({ client, db: options.deps.db, config, bundle: options.replayBundle ?? options.workflowBundle, caseIds: request.caseIds, onProgress })),
      ...options.deps,
    }),
    dataConverter: dataConverter(options.config),
    // Bounded (README, "Configuration"): the SDK's default cache grows with the heap
    // limit, past 1 GiB with a province's open cases.
    maxCachedWorkflows: config.worker.maxCachedWorkflows,
    maxConcurrentWorkflowTaskExecutions: config.worker.maxConcurrentWorkflowTaskExecutions,
    maxConcurrentActivityTaskExecutions: config.worker.maxConcurrentActivityTaskExecutions,
    maxConcurrentLocalActivityExecutions: config.worker.maxConcurrentLocalActivityExecutions,
    stickyQueueScheduleToStartTimeout: config.worker.stickyQueueScheduleToStartTimeoutMs,
  });
}

/**
 * Installs the process's Temporal runtime, once, before any worker or replayer. The
 * worker logs through it; keep it quiet unless something is wrong. With `metrics`, the
 * runtime serves the SDK's own metrics (task latencies, slots, polls, cache size …) in
 * Prometheus text at `http://host:port/metrics`; the answer says where, so that the API's
 * `/metrics` in the same process can append them. Throws when the port is taken.
 */
export function installRuntime(options: { metrics?: { host: string; port: number }; logLevel?: 'WARN' | 'ERROR' } = {}): { sdkMetricsUrl?: string } {
  const level = options.logLevel ?? 'WARN';
  const logger = new DefaultLogger(level);
  // The SDK's native side logs on its own (a replay that fails logs a warning per case): the same level.
  const logging = { filter: { core: level, other: level } };
  const { metrics } = options;
  if (!metrics || metrics.port === 0) {
    Runtime.install({ logger, telemetryOptions: { logging } });
    return {};
  }
  const bracketed = (host: string) => (host.includes(':') ? `[${host}]` : host);
  try {
    Runtime.install({ logger, telemetryOptions: { logging, metrics: { prometheus: { bindAddress: `${bracketed(metrics.host)}:${metrics.port}` } } } });
  } catch (err) {
    throw new Error(`${(err as Error).message}: SDK_METRICS_PORT=${metrics.port} is taken; choose another, or 0 for no SDK metrics`);
  }
  // Bound on every interface: this process still reaches it on loopback.
  const local = metrics.host === '0.0.0.0' ? '127.0.0.1' : metrics.host === '::' ? '::1' : metrics.host;
  return { sdkMetricsUrl: `http://${bracketed(local)}:${metrics.port}/metrics` };
}
