import type { Client } from '@temporalio/client';
import type { Logger } from 'pino';
import type { Db } from '../db/client';
import type { PackRegistry } from '../db/packs';
import type { Config } from '../runtime/config';

export interface ApiDeps {
  client: Client;
  db: Db;
  config: Config;
  logger: Logger;
  /** Readiness probes of the systems the API depends on. */
  checks: { temporal(): Promise<void>; database(): Promise<void> };
  now?: () => Date;
  /** Policy packs: the shipped files and the versions published to the database. */
  packs: PackRegistry;
  /** The Temporal SDK's Prometheus exporter when a worker runs in this process: `/metrics` appends it. */
  sdkMetricsUrl?: string;
}

/** What `createApp` takes: without `packs`, the shipped pack files plus the versions published to `db`. */
export type ApiOptions = Omit<ApiDeps, 'packs'> & { packs?: PackRegistry };
