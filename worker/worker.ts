import { Worker, bundleWorkflowCode, type WorkflowBundleWithSourceMap, type NativeConnection } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from '../activities';
import type { Config } from './config';
import { dataConverter } from './temporal';

export function bundleWorkflows(): Promise<WorkflowBundleWithSourceMap> {
  return bundleWorkflowCode({ workflowsPath: require.resolve('../workflows'), logger: { log() {}, trace() {}, debug() {}, info() {}, warn: console.warn, error: console.error } });
}

export async function createCaseWorker(options: {
  connection: NativeConnection;
  config: Config;
  workflowBundle: WorkflowBundleWithSourceMap;
  /** The systems to bind; what configuration already says (ID hash key, SLA clock, office close) may be overridden. */
  deps: Pick<ActivityDeps, 'db' | 'departmentsUrl'> & Partial<ActivityDeps>;
  taskQueue?: string;
}): Promise<Worker> {
  const { config } = options;
  return Worker.create({
    connection: options.connection,
    namespace: options.config.namespace,
    taskQueue: options.taskQueue ?? options.config.taskQueue,
    workflowBundle: options.workflowBundle,
    activities: createActivities({ idHashKey: config.idHashKey, slaDaySeconds: config.slaDaySeconds, officeClose: config.officeClose, ...options.deps }),
    dataConverter: dataConverter(options.config),
  });
}
