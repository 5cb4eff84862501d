import { parseArgs } from 'node:util';
import { openDatabase, prepareDatabase } from '../db/client';
import { loadConfig } from '../worker/config';
import { replayCases } from '../worker/replay';
import { installRuntime } from '../worker/service';
import { createClient } from '../worker/temporal';
import { bundleWorkflows } from '../worker/worker';

// npm run audit:replay [-- --case case-… --case case-…]
// Replays every archived case (or the ones named) against today's workflow code.
// Exit status 1 when any case no longer replays.

function progress(done: number, total: number, started: number): void {
  if (!process.stderr.isTTY) return;
  const width = 30;
  const filled = total === 0 ? width : Math.round((done / total) * width);
  const rate = done / Math.max((Date.now() - started) / 1000, 0.001);
  process.stderr.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} cases, ${rate.toFixed(1)}/s `);
}

async function main() {
  const { values } = parseArgs({ options: { case: { type: 'string', multiple: true } } });
  const config = loadConfig();
  installRuntime();
  await prepareDatabase(config.databaseUrl);
  const database = openDatabase(config.databaseUrl, { max: 2 });
  const client = createClient(config);
  try {
    const bundling = Date.now();
    const bundle = await bundleWorkflows();
    process.stderr.write(`workflow code bundled in ${Date.now() - bundling} ms\n`);
    const started = Date.now();
    const report = await replayCases({ client, db: database.db, config, bundle, caseIds: values.case, onProgress: (done, total) => progress(done, total, started) });
    if (process.stderr.isTTY) process.stderr.write('\n');
    for (const f of report.failures) console.log(`FAILED ${f.caseId}: ${f.error}`);
    const seconds = (Date.now() - started) / 1000;
    console.log(`replayed ${report.replayed} case${report.replayed === 1 ? '' : 's'} in ${seconds.toFixed(1)} s: ${report.replayed - report.failures.filter((f) => !f.error.startsWith('no such case')).length} ok, ${report.failures.length} failed`);
    process.exitCode = report.failures.length > 0 ? 1 : 0;
  } finally {
    await client.connection.close();
    await database.close();
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
