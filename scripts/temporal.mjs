#!/usr/bin/env node
// `npm run temporal -- workflow list` runs the Temporal CLI that the set-up step built
// (it is not on the PATH). Against the embedded dev server it needs no flags; the CLI
// reads TEMPORAL_ADDRESS and TEMPORAL_NAMESPACE itself, as the service does.
import { spawnSync } from 'node:child_process';
import { temporalCliPath } from './setup.mjs';

const env = { ...process.env };
if (!env.TEMPORAL_ADDRESS) env.TEMPORAL_ADDRESS = `127.0.0.1:${env.TEMPORAL_PORT ?? 7233}`;
const result = spawnSync(temporalCliPath(), process.argv.slice(2), { stdio: 'inherit', env });
if (result.error) {
  process.stderr.write(`could not run the Temporal CLI (${result.error.message}); run npm run setup first\n`);
  process.exit(1);
}
process.exit(result.status ?? 1);
