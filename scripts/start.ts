import { loadConfig } from '../worker/config';
import { createLogger } from '../worker/logger';
import { installRuntime, startService } from '../worker/service';
// @ts-expect-error plain JavaScript module shared with the set-up step
import { temporalCliPath } from './setup.mjs';

async function main() {
  const t0 = Date.now();
  const config = loadConfig();
  const logger = createLogger(config.logLevel, 'newborn');
  for (const name of config.devDefaults) logger.warn(`${name} is not set: using a development default (refused when NODE_ENV=production)`);
  installRuntime();
  const service = await startService(config, logger, { temporalCli: temporalCliPath() });
  logger.info(`ready in ${((Date.now() - t0) / 1000).toFixed(1)} s — Ctrl-C stops everything`);

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info(`${signal} received, stopping`);
    await service.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  await service.worker;
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
