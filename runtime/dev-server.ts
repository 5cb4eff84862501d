import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { createConnection } from 'node:net';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import { promisify } from 'node:util';
import { SEARCH_ATTRIBUTES } from '../workflows/search-attributes';

const execFileAsync = promisify(execFile);

export interface DevServerOptions {
  cliPath: string;
  port: number;
  namespace: string;
  /** SQLite file; omitted = in memory (tests). */
  dbFile?: string;
  /** Where the server's own log goes; omitted = discarded. */
  logFile?: string;
  ui?: boolean;
  uiCodecEndpoint?: string;
  /** How long closed cases stay in the engine; the archive keeps them after that. */
  retention?: string;
}

export interface DevServer {
  address: string;
  uiUrl?: string;
  stop(): Promise<void>;
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function cli(options: DevServerOptions, args: string[]): Promise<void> {
  await execFileAsync(options.cliPath, [...args, '--address', `127.0.0.1:${options.port}`], { timeout: 30_000 });
}

/**
 * Starts `temporal server start-dev` as a child process and prepares the namespace:
 * retention set explicitly (the dev server would delete closed histories after a day)
 * and our search attributes registered (`--search-attribute` is ignored when the
 * database file already exists, so they are created through the operator API).
 */
export async function startDevServer(options: DevServerOptions): Promise<DevServer> {
  if (await portOpen(options.port)) {
    throw new Error(`port ${options.port} is already in use; stop the other Temporal server or set TEMPORAL_PORT`);
  }
  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(options.port), '--namespace', options.namespace, '--log-level', 'warn'];
  if (options.dbFile) {
    mkdirSync(dirname(options.dbFile), { recursive: true });
    args.push('--db-filename', options.dbFile, '--sqlite-pragma', 'journal_mode=wal', '--sqlite-pragma', 'synchronous=normal');
  }
  if (options.ui) {
    args.push('--ui-port', String(options.port + 1000));
    if (options.uiCodecEndpoint) args.push('--ui-codec-endpoint', options.uiCodecEndpoint);
  } else {
    args.push('--headless');
  }
  let output: 'ignore' | number = 'ignore';
  if (options.logFile) {
    mkdirSync(dirname(options.logFile), { recursive: true });
    output = openSync(options.logFile, 'a');
  }
  const child: ChildProcess = spawn(options.cliPath, args, { stdio: ['ignore', output, output] });
  let exited = false;
  const exit = new Promise<void>((resolve) =>
    child.once('exit', () => {
      exited = true;
      if (typeof output === 'number') closeSync(output);
      resolve();
    }),
  );

  const stop = async () => {
    if (exited) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exit;
    clearTimeout(timer);
  };

  try {
    const deadline = Date.now() + 60_000;
    while (!(await portOpen(options.port))) {
      if (exited) throw new Error(`the Temporal dev server exited during start-up${options.logFile ? `; see ${options.logFile}` : ''}`);
      if (Date.now() > deadline) throw new Error('the Temporal dev server did not open its port within 60 s');
      await new Promise((r) => setTimeout(r, 100));
    }
    await waitForNamespace(options);
    await cli(options, ['operator', 'namespace', 'update', '--namespace', options.namespace, '--retention', options.retention ?? '8760h']);
    await registerSearchAttributes(options);
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    address: `127.0.0.1:${options.port}`,
    uiUrl: options.ui ? `http://127.0.0.1:${options.port + 1000}` : undefined,
    stop,
  };
}

async function waitForNamespace(options: DevServerOptions): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await cli(options, ['operator', 'namespace', 'describe', '--namespace', options.namespace]);
      return;
    } catch (err) {
      if (attempt > 100) throw err;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

async function registerSearchAttributes(options: DevServerOptions): Promise<void> {
  const { stdout } = await execFileAsync(options.cliPath, ['operator', 'search-attribute', 'list', '--namespace', options.namespace, '--address', `127.0.0.1:${options.port}`, '--output', 'json']);
  const existing = stdout;
  const missing = Object.entries(SEARCH_ATTRIBUTES).filter(([name]) => !existing.includes(`"${name}"`));
  if (missing.length === 0) return;
  const args = ['operator', 'search-attribute', 'create', '--namespace', options.namespace];
  for (const [name, type] of missing) args.push('--name', name, '--type', type);
  await cli(options, args);
}
