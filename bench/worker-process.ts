import { bundleWorkflowCode, Worker } from '@temporalio/worker';
import { openDatabase } from '../db/client';
import { loadConfig } from '../runtime/config';
import { connectWorker, dataConverter } from '../runtime/temporal';
import { bundleWorkflows, createCaseWorker, installRuntime } from '../worker/worker';
import type { BareActivities } from './bare-workflow';

// One worker in a process of its own, started by bench/pipeline.ts, so that the CPU a
// worker spends per case is its own and not the API's, the client's or the other
// worker's. Configuration comes in the environment (the bench's test environment);
// the parent asks over IPC for the process's CPU time and, at the end, stops it.
//   node --import tsx bench/worker-process.ts real|bare <task queue> [departments URL]

const silent = { error: () => undefined, warn: () => undefined, info: () => undefined, debug: () => undefined, trace: () => undefined, log: () => undefined } as never;

async function main() {
  const [kind, taskQueue, departmentsUrl] = process.argv.slice(2);
  if ((kind !== 'real' && kind !== 'bare') || !taskQueue) throw new Error('usage: worker-process.ts real|bare <task queue> [departments URL]');
  const config = loadConfig();
  installRuntime({ logLevel: 'ERROR' });
  const connection = await connectWorker(config);
  let close = async () => undefined as unknown;
  let worker: Worker;
  if (kind === 'real') {
    if (!departmentsUrl) throw new Error('the real worker needs the departments URL');
    const database = openDatabase(config.databaseUrl, { applicationName: 'bench-worker' });
    close = () => database.close();
    worker = await createCaseWorker({ connection, config, taskQueue, workflowBundle: await bundleWorkflows(), deps: { db: database.db, departmentsUrl, departmentEventPollMs: 200 } });
  } else {
    const activities: BareActivities = { step: async () => ({ ok: true }), issue: async ({ item }) => ({ number: `${item}-${Date.now()}` }) };
    worker = await Worker.create({
      connection,
      namespace: config.namespace,
      taskQueue,
      workflowBundle: await bundleWorkflowCode({ workflowsPath: require.resolve('./bare-workflow'), logger: silent }),
      activities,
      dataConverter: dataConverter(config),
      maxCachedWorkflows: config.worker.maxCachedWorkflows,
    });
  }
  // Until the parent says stop (or goes away); in-flight tasks finish first.
  await worker.runUntil(
    new Promise<void>((resolve) => {
      process.on('message', (message: unknown) => {
        if (message === 'cpu') process.send?.({ cpu: process.cpuUsage() });
        if (message === 'memory') {
          // What the cached cases hold, not what the collector has yet to free (the parent starts this process with --expose-gc).
          (globalThis as { gc?: () => void }).gc?.();
          process.send?.({ memory: process.memoryUsage() });
        }
        if (message === 'stop') resolve();
      });
      process.once('disconnect', () => resolve());
      process.send?.({ ready: true });
    }),
  );
  await connection.close();
  await close();
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
