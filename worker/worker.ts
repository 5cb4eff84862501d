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
  deps: ActivityDeps;
  taskQueue?: string;
}): Promise<Worker> {
  return Worker.create({
    connection: options.connection,
    namespace: options.config.namespace,
    taskQueue: options.taskQueue ?? options.config.taskQueue,
    workflowBundle: options.workflowBundle,
    activities: createActivities({ officeClose: options.config.officeClose, ...options.deps }),
    dataConverter: dataConverter(options.config),
  });
}
