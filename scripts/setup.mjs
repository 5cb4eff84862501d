#!/usr/bin/env node
// Installs whatever is missing before `npm start` or `npm test`, and nothing more on a
// second run. Plain Node with no dependencies: it runs before node_modules exists.
//   1. npm packages, from the lockfile, when node_modules is missing or stale;
//   2. the Temporal CLI, built once per machine into a cache outside the clone with
//      `go install github.com/temporalio/cli/cmd/temporal@v1.5.1`
//      (skipped when TEMPORAL_ADDRESS points at a cluster and we are not testing).
// The database is created and migrated by the service itself at start (db/client.ts).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const forTest = process.argv.includes('--for-test');
export const TEMPORAL_CLI_VERSION = 'v1.5.1';

function step(message) {
  process.stdout.write(`[setup] ${message}\n`);
}

function run(cmd, args, options = {}) {
  const result = spawnSync(cmd, args, { stdio: 'inherit', cwd: root, ...options });
  if (result.error) throw result.error;
  return result.status ?? 1;
}

function npmPackagesUpToDate() {
  const marker = join(root, 'node_modules', '.package-lock.json');
  if (!existsSync(marker)) return false;
  // npm rewrites node_modules/.package-lock.json on every install; older than the
  // lockfile means somebody pulled new dependencies since.
  return statSync(marker).mtimeMs >= statSync(join(root, 'package-lock.json')).mtimeMs;
}

function installNpmPackages() {
  if (npmPackagesUpToDate()) return;
  step('installing npm packages pinned by package-lock.json ...');
  // Not `npm ci`: it refuses a lockfile whose optional platform packages (other OSes'
  // builds of swc, esbuild) the registry mirror does not carry; `npm install` with
  // --no-save installs the same pinned versions and leaves the lockfile untouched.
  if (run('npm', ['install', '--no-save', '--no-audit', '--no-fund']) !== 0) {
    throw new Error('npm install failed; see the output above');
  }
}

export function temporalCliPath() {
  const cache = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(cache, 'newborn-one-thing', `temporal-cli-${TEMPORAL_CLI_VERSION}`, 'temporal');
}

function buildTemporalCli() {
  const target = temporalCliPath();
  if (existsSync(target)) return;
  const gobin = dirname(target);
  mkdirSync(gobin, { recursive: true });
  const pkg = `github.com/temporalio/cli/cmd/temporal@${TEMPORAL_CLI_VERSION}`;
  step(`building the Temporal CLI ${TEMPORAL_CLI_VERSION} into ${gobin}`);
  step('first build on this machine: this takes several minutes, once (go install ' + pkg + ')');
  const started = Date.now();
  const ticker = setInterval(() => step(`... still building the Temporal CLI (${Math.round((Date.now() - started) / 1000)} s)`), 30_000);
  try {
    const env = { ...process.env, GOBIN: gobin };
    // Run from a neutral directory so that no go.mod of ours takes part in the build.
    let status = run('go', ['install', pkg], { env, cwd: gobin });
    if (status !== 0) {
      step('the machine Go could not build it; retrying with GOTOOLCHAIN=go1.25.0 (fetched through the Go module proxy)');
      status = run('go', ['install', pkg], { env: { ...env, GOTOOLCHAIN: 'go1.25.0' }, cwd: gobin });
    }
    if (status !== 0 || !existsSync(target)) throw new Error('could not build the Temporal CLI; is Go installed (https://go.dev) and the module proxy reachable?');
  } finally {
    clearInterval(ticker);
  }
  step(`Temporal CLI ready after ${Math.round((Date.now() - started) / 1000)} s: ${target}`);
}

function main() {
  const major = Number(process.versions.node.split('.')[0]);
  if (major < 20) throw new Error(`Node.js 20 or later is needed, this is ${process.version}`);
  installNpmPackages();
  if (forTest || !process.env.TEMPORAL_ADDRESS) buildTemporalCli();
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    main();
  } catch (err) {
    process.stderr.write(`[setup] ${err instanceof Error ? err.message : err}\n`);
    process.exit(1);
  }
}
