import { databaseExists, openDatabase } from '../db/client';
import { loadConfig } from '../runtime/config';
import { replayCases } from '../worker/replay';
import { createClient } from '../runtime/temporal';
import { bundleWorkflows, installRuntime } from '../worker/worker';
import { parseCli, run } from './cli';

const USAGE = `
npm run audit:replay [-- --case case-… --case case-…]

Replays every archived case (or the ones named) against today's workflow code, in
this process, with up to REPLAY_PARALLELISM replayers side by side (default: the
cores), and prints one line per case that no longer replays. Exit status 1 when any
case fails. Reads DATABASE_URL and the Temporal settings like the service.
`;

function progress(done: number, total: number, started: number): void {
  if (!process.stderr.isTTY) return;
  const width = 30;
  const filled = total === 0 ? width : Math.round((done / total) * width);
  const rate = done / Math.max((Date.now() - started) / 1000, 0.001);
  process.stderr.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} cases, ${rate.toFixed(1)}/s `);
}

run(async () => {
  const values = parseCli(USAGE, { case: { type: 'string', multiple: true } });
  const config = loadConfig();
  installRuntime();
  // Only the service creates the database: a typo in DATABASE_URL must not make an empty one.
  if (!(await databaseExists(config.databaseUrl))) throw new Error(`no database at ${new URL(config.databaseUrl).pathname.slice(1)}; check DATABASE_URL (npm start creates it)`);
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
    console.log(`replayed ${report.replayed} case${report.replayed === 1 ? '' : 's'} in ${seconds.toFixed(1)} s (${(report.replayed / Math.max(seconds, 0.001)).toFixed(1)}/s, up to ${config.replayParallelism} replayers): ${report.replayed - report.failures.filter((f) => !f.error.startsWith('no such case')).length} ok, ${report.failures.length} failed`);
    process.exitCode = report.failures.length > 0 ? 1 : 0;
  } finally {
    await client.connection.close();
    await database.close();
  }
});
