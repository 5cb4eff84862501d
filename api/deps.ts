import type { Client } from '@temporalio/client';
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import type { Logger } from 'pino';
import type { Db } from '../db/client';
import type { PackRegistry } from '../policy/packs';
import type { Config } from '../worker/config';

export interface ApiDeps {
  client: Client;
  db: Db;
  config: Config;
  logger: Logger;
  /** Readiness probes of the systems the API depends on. */
  checks: { temporal(): Promise<void>; database(): Promise<void> };
  now?: () => Date;
  /** Published policy packs; defaults to the ones shipped in policy/packs.ts. */
  packs?: PackRegistry;
  /** The workflow bundle audit replays run against (the worker's own); bundled on first use when absent. */
  workflowBundle?: Promise<WorkflowBundleWithSourceMap>;
}
