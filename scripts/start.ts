import { loadConfig, warnDevDefaults } from '../runtime/config';
import { createLogger } from '../runtime/logger';
import { installRuntime } from '../worker/worker';
import { startService } from './service';
// @ts-expect-error plain JavaScript module shared with the set-up step
import { temporalCliPath } from './setup.mjs';

async function main() {
  const t0 = Date.now();
  const config = loadConfig();
  const logger = createLogger(config, 'newborn');
  warnDevDefaults(config, (m) => logger.warn(m));
  // The SDK's metrics go out through the API's /metrics (same process).
  const { sdkMetricsUrl } = installRuntime({ metrics: { host: config.host, port: config.sdkMetricsPort } });
  const service = await startService(config, logger, { temporalCli: temporalCliPath(), sdkMetricsUrl });
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
