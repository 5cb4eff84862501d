#!/usr/bin/env node
// Installs whatever is missing before `npm start` or `npm test`, and nothing more on a
// second run. Plain Node with no dependencies: it runs before node_modules exists.
//   1. npm packages, from the lockfile, when node_modules is missing or stale;
//   2. the Temporal CLI, built once per machine into a cache outside the clone with
//      `go install github.com/temporalio/cli/cmd/temporal@v1.5.1`
//      (skipped when TEMPORAL_ADDRESS points at a cluster and we are not testing);
//   3. with --for-cluster only (npm run temporal:server, npm run test:cluster): the
//      production Temporal server and its SQL schema tool, built the same way once per
//      machine (`go install go.temporal.io/server/cmd/server@v1.29.1` and
//      `.../cmd/tools/sql@v1.29.1`), with the PostgreSQL schema shipped in its module;
//   4. the console (console/, Vue + Vite), built into console/dist when its sources or
//      the lockfile changed since the last build (a content hash, kept beside the build);
//   5. for tests only: Debian's Chromium (and a Chinese font for its screenshots), which
//      the browser tests drive; installed with apt-get when we are root, else we stop
//      and say the command to run.
// The database is created and migrated by the service itself at start (db/client.ts).
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const forTest = process.argv.includes('--for-test');
const forCluster = process.argv.includes('--for-cluster');
export const TEMPORAL_CLI_VERSION = 'v1.5.1';
export const TEMPORAL_SERVER_VERSION = 'v1.29.1';

function step(message) {
  process.stdout.write(`[setup] ${message}\n`);
}

function run(cmd, args, options = {}) {
  const result = spawnSync(cmd, args, { stdio: 'inherit', cwd: root, ...options });
  if (result.error) throw result.error;
  return result.status ?? 1;
}

/** Where the set-up notes which lockfile node_modules was installed from. */
const installedLockStamp = () => join(root, 'node_modules', '.newborn-installed-lock');
const lockDigest = () => createHash('sha256').update(readFileSync(join(root, 'package-lock.json'))).digest('hex');

function npmPackagesUpToDate() {
  // By content, not by date: a checkout, a merge or `npm install --package-lock-only`
  // can leave the lockfile older than node_modules while it names other packages.
  const stamp = installedLockStamp();
  return existsSync(stamp) && readFileSync(stamp, 'utf8') === lockDigest();
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
  writeFileSync(installedLockStamp(), lockDigest());
}

function cacheDir() {
  return join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'newborn-one-thing');
}

export function temporalCliPath() {
  return join(cacheDir(), `temporal-cli-${TEMPORAL_CLI_VERSION}`, 'temporal');
}

/**
 * The production Temporal server (`npm run temporal:server`), its schema tool and the
 * schema directories shipped in the server module, all in one folder of the cache.
 */
export function temporalServerPaths() {
  const dir = join(cacheDir(), `temporal-server-${TEMPORAL_SERVER_VERSION}`);
  return {
    dir,
    server: join(dir, 'temporal-server'),
    sqlTool: join(dir, 'temporal-sql-tool'),
    /** Holds temporal/versioned and visibility/versioned, as in the server's source. */
    schemaDir: join(dir, 'schema', 'postgresql', 'v12'),
  };
}

/**
 * `go install pkg` into `gobin`, then renames the binary (named after the package's
 * folder) to `target`. Once per machine: a binary already there is kept.
 */
function goInstall({ what, pkg, gobin, builtName, target }) {
  if (existsSync(target)) return;
  mkdirSync(gobin, { recursive: true });
  const built = join(gobin, builtName);
  if (!existsSync(built)) {
    step(`building ${what} into ${gobin}`);
    step(`first build on this machine: this takes several minutes, once (go install ${pkg})`);
    const started = Date.now();
    const ticker = setInterval(() => step(`... still building ${what} (${Math.round((Date.now() - started) / 1000)} s)`), 30_000);
    try {
      const env = { ...process.env, GOBIN: gobin };
      // Run from a neutral directory so that no go.mod of ours takes part in the build.
      let status = run('go', ['install', pkg], { env, cwd: gobin });
      if (status !== 0) {
        step('the machine Go could not build it; retrying with GOTOOLCHAIN=go1.25.0 (fetched through the Go module proxy)');
        status = run('go', ['install', pkg], { env: { ...env, GOTOOLCHAIN: 'go1.25.0' }, cwd: gobin });
      }
      if (status !== 0 || !existsSync(built)) throw new Error(`could not build ${what}; is Go installed (https://go.dev) and the module proxy reachable?`);
    } finally {
      clearInterval(ticker);
    }
    step(`${what} built in ${Math.round((Date.now() - started) / 1000)} s`);
  }
  if (built !== target) renameSync(built, target);
  step(`${what} ready: ${target}`);
}

function buildTemporalCli() {
  const target = temporalCliPath();
  goInstall({ what: `the Temporal CLI ${TEMPORAL_CLI_VERSION}`, pkg: `github.com/temporalio/cli/cmd/temporal@${TEMPORAL_CLI_VERSION}`, gobin: dirname(target), builtName: 'temporal', target });
}

/** Copies a directory tree with fresh permissions (the Go module cache's files are read-only). */
function copyTree(from, to) {
  mkdirSync(to, { recursive: true });
  for (const entry of readdirSync(from, { withFileTypes: true })) {
    if (entry.isDirectory()) copyTree(join(from, entry.name), join(to, entry.name));
    else if (entry.isFile()) writeFileSync(join(to, entry.name), readFileSync(join(from, entry.name)));
  }
}

function buildTemporalServer() {
  const paths = temporalServerPaths();
  const module = `go.temporal.io/server@${TEMPORAL_SERVER_VERSION}`;
  goInstall({ what: `the Temporal server ${TEMPORAL_SERVER_VERSION}`, pkg: `go.temporal.io/server/cmd/server@${TEMPORAL_SERVER_VERSION}`, gobin: paths.dir, builtName: 'server', target: paths.server });
  goInstall({ what: `the Temporal SQL schema tool ${TEMPORAL_SERVER_VERSION}`, pkg: `go.temporal.io/server/cmd/tools/sql@${TEMPORAL_SERVER_VERSION}`, gobin: paths.dir, builtName: 'sql', target: paths.sqlTool });
  const schemaRoot = join(paths.dir, 'schema');
  if (existsSync(schemaRoot)) return;
  // The versioned schema ships in the server module's source, which the build fetched
  // into the Go module cache (`go mod download` fetches it again if that was cleaned).
  step(`copying the PostgreSQL schema of ${module} into ${paths.schemaDir}`);
  const found = spawnSync('go', ['mod', 'download', '-json', module], { cwd: paths.dir, encoding: 'utf8' });
  if (found.status !== 0) throw new Error(`go mod download ${module} failed: ${found.stderr}`);
  const source = join(JSON.parse(found.stdout).Dir, 'schema', 'postgresql', 'v12');
  // Into a scratch folder renamed at the end: an interrupted copy is never taken for a whole one.
  const scratch = `${schemaRoot}.partial-${process.pid}`;
  for (const part of ['temporal', 'visibility']) copyTree(join(source, part, 'versioned'), join(scratch, 'postgresql', 'v12', part, 'versioned'));
  renameSync(scratch, schemaRoot);
}

export const CONSOLE_DIST = join(root, 'console', 'dist');
const CONSOLE_HASH_FILE = '.source-hash';
/** Not sources: the build's output and its scratch folders. */
const CONSOLE_SKIP = new Set(['dist', 'node_modules']);

/** sha256 over the console's source files (paths and bytes) and the lockfile that pins its packages. */
export function consoleSourceHash() {
  const hash = createHash('sha256');
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      if (CONSOLE_SKIP.has(entry.name) || entry.name.startsWith('.dist-')) continue;
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile()) hash.update(`${relative(root, path)}\0`).update(readFileSync(path)).update('\0');
    }
  };
  walk(join(root, 'console'));
  hash.update(readFileSync(join(root, 'package-lock.json')));
  return hash.digest('hex');
}

/** Builds the console into console/dist unless the build there is of the same sources. */
export function buildConsole() {
  const digest = consoleSourceHash();
  const stamp = join(CONSOLE_DIST, CONSOLE_HASH_FILE);
  if (existsSync(stamp) && readFileSync(stamp, 'utf8').trim() === digest && existsSync(join(CONSOLE_DIST, 'index.html'))) return false;
  step('building the console (console/ -> console/dist) ...');
  const started = Date.now();
  // Built aside and swapped in whole, so a server never serves half a build.
  const scratch = join(root, 'console', `.dist-${process.pid}`);
  rmSync(scratch, { recursive: true, force: true });
  const vite = join(root, 'node_modules', 'vite', 'bin', 'vite.js');
  const status = run(process.execPath, [vite, 'build', '--config', join(root, 'console', 'vite.config.mjs'), '--outDir', scratch]);
  if (status !== 0 || !existsSync(join(scratch, 'index.html'))) {
    rmSync(scratch, { recursive: true, force: true });
    throw new Error('the console did not build; see the output above');
  }
  writeFileSync(join(scratch, CONSOLE_HASH_FILE), `${digest}\n`);
  rmSync(CONSOLE_DIST, { recursive: true, force: true });
  renameSync(scratch, CONSOLE_DIST);
  step(`console built in ${Math.round((Date.now() - started) / 100) / 10} s`);
  return true;
}

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

function hasChineseFont() {
  const probe = spawnSync('fc-list', [':lang=zh', 'family'], { encoding: 'utf8' });
  // Without fontconfig's tool we cannot tell: assume the machine knows what it is doing.
  return probe.error ? true : probe.stdout.trim().length > 0;
}

/** The browser the browser tests drive: Debian's Chromium, never one downloaded by a test tool. */
function ensureChromium() {
  const missing = [];
  if (!existsSync(CHROMIUM_PATH)) missing.push('chromium');
  // Screenshots of a Chinese console without a Chinese font show boxes.
  if (!hasChineseFont()) missing.push('fonts-wqy-zenhei');
  if (missing.length === 0) return;
  const command = `apt-get update && apt-get install -y ${missing.join(' ')}`;
  if (process.getuid?.() !== 0) {
    if (missing.includes('chromium')) throw new Error(`the browser tests need Chromium at ${CHROMIUM_PATH}; install it with:\n  sudo sh -c '${command}'\n(or point CHROMIUM_PATH at a Chromium)`);
    step(`no Chinese font: screenshots will show boxes; install one with: sudo sh -c '${command}'`);
    return;
  }
  step(`installing ${missing.join(', ')} for the browser tests (${command}) ...`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  if (run('apt-get', ['update'], { env }) !== 0 || run('apt-get', ['install', '-y', ...missing], { env }) !== 0 || !existsSync(CHROMIUM_PATH)) {
    throw new Error(`could not install ${missing.join(', ')}; run: ${command}`);
  }
}

function main() {
  const major = Number(process.versions.node.split('.')[0]);
  if (major < 20) throw new Error(`Node.js 20 or later is needed, this is ${process.version}`);
  installNpmPackages();
  if (forTest || !process.env.TEMPORAL_ADDRESS) buildTemporalCli();
  if (forCluster) buildTemporalServer();
  buildConsole();
  if (forTest) ensureChromium();
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    main();
  } catch (err) {
    process.stderr.write(`[setup] ${err instanceof Error ? err.message : err}\n`);
    process.exit(1);
  }
}
