import { drizzle, type PostgresJsDatabase } from 'drizzle-orm/postgres-js';
import { migrate } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';
import { join } from 'node:path';
import * as schema from './schema';

export type Db = PostgresJsDatabase<typeof schema>;

/**
 * Statements built once per database handle and run with placeholders: drizzle otherwise
 * builds a statement's text on every call, which cost a case view most of its time in the
 * JavaScript (bench/pipeline.ts, a CPU profile of GET /api/cases/:id).
 */
export function preparedOnce<T>(build: (db: Db) => T): (db: Db) => T {
  const built = new WeakMap<Db, T>();
  return (db) => {
    let statements = built.get(db);
    if (statements === undefined) built.set(db, (statements = build(db)));
    return statements;
  };
}

export interface Database {
  db: Db;
  sql: postgres.Sql;
  close(): Promise<void>;
}

export function openDatabase(url: string, options: { max?: number; applicationName?: string } = {}): Database {
  // A transaction left waiting on its client is ended by the server after 30 s, so that a
  // bug of that kind fails an activity (which retries) instead of holding the pool for ever.
  const connection = { idle_in_transaction_session_timeout: 30_000, ...(options.applicationName && { application_name: options.applicationName }) };
  const sql = postgres(url, { max: options.max ?? 10, onnotice: () => {}, connection });
  return { db: drizzle(sql, { schema }), sql, close: () => sql.end({ timeout: 5 }) };
}

/** The database named in `url`, and a connection to the server's `postgres` database to create or drop it. */
function adminConnection(url: string): { name: string; sql: postgres.Sql } {
  const admin = new URL(url);
  const name = decodeURIComponent(admin.pathname.replace(/^\//, ''));
  // The name goes into DDL, which takes no parameters.
  if (!/^[A-Za-z0-9_-]+$/.test(name)) throw new Error(`DATABASE_URL: unsupported database name "${name}"`);
  admin.pathname = '/postgres';
  return { name, sql: postgres(admin.toString(), { max: 1, onnotice: () => {} }) };
}

/** Whether the database named in `url` exists, for tools that must not create it. */
export async function databaseExists(url: string): Promise<boolean> {
  const { name, sql } = adminConnection(url);
  try {
    return (await sql`select 1 from pg_database where datname = ${name}`).length > 0;
  } finally {
    await sql.end({ timeout: 5 });
  }
}

/** Creates the database named in `url` when it does not exist yet (needs a server that lets us connect to `postgres`). */
export async function ensureDatabase(url: string): Promise<boolean> {
  const { name, sql } = adminConnection(url);
  try {
    const rows = await sql`select 1 from pg_database where datname = ${name}`;
    if (rows.length > 0) return false;
    await sql.unsafe(`create database "${name}"`);
    return true;
  } catch (err) {
    // Two processes starting at once may race to create it.
    if ((err as { code?: string }).code === '42P04') return false;
    throw err;
  } finally {
    await sql.end({ timeout: 5 });
  }
}

export async function dropDatabase(url: string): Promise<void> {
  const { name, sql } = adminConnection(url);
  try {
    await sql.unsafe(`drop database if exists "${name}" with (force)`);
  } finally {
    await sql.end({ timeout: 5 });
  }
}

/**
 * Creates the database if needed and applies the committed drizzle migrations.
 * Processes starting together (an API and a worker, or several of each) would race
 * on both steps (duplicate-key errors from the catalogue), so they queue on an
 * advisory lock, held on the server's `postgres` database, which exists before ours
 * does, until the migrations are in.
 */
export async function prepareDatabase(url: string): Promise<{ created: boolean }> {
  const { name, sql: admin } = adminConnection(url);
  try {
    const session = await admin.reserve();
    try {
      await session`select pg_advisory_lock(hashtext(${`newborn-one-thing:prepare:${name}`}))`;
      const created = await ensureDatabase(url);
      const sql = postgres(url, { max: 1, onnotice: () => {} });
      try {
        await migrate(drizzle(sql), { migrationsFolder: join(__dirname, 'migrations') });
      } finally {
        await sql.end({ timeout: 5 });
      }
      return { created };
    } finally {
      // Also released when the session ends, should this fail.
      await session`select pg_advisory_unlock(hashtext(${`newborn-one-thing:prepare:${name}`}))`.catch(() => undefined);
      session.release();
    }
  } finally {
    await admin.end({ timeout: 5 });
  }
}

/** Errors of the connection, not of the query: the same read on a fresh connection may well succeed. */
const CONNECTION_ERRORS = new Set(['CONNECTION_CLOSED', 'CONNECTION_ENDED', 'CONNECTION_DESTROYED', 'CONNECT_TIMEOUT', 'ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', '57P01', '57P02', '57P03']);

export function isConnectionError(err: unknown): boolean {
  // drizzle wraps the driver's error (DrizzleQueryError) in `cause`.
  for (let e = err as { code?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 5; e = e.cause as typeof e, depth++) {
    const code = e.code;
    if (typeof code === 'string' && (CONNECTION_ERRORS.has(code) || code.startsWith('08'))) return true;
  }
  return false;
}

/**
 * Pauses before each retry: long enough for the pool to see its other connections
 * closed by the same cut. One cut can still hand a retry a second dead connection
 * (postgres.js learns of some only when it next uses them), hence a second retry.
 */
const RETRY_PAUSES_MS = [50, 150];

/**
 * Runs a read, and again when its connection broke under it (a restarted or
 * failed-over server, `pg_terminate_backend`): the pool replaces the connection, and
 * a read has no effect to repeat. At most twice more, so an outage still fails fast.
 * Never for writes.
 */
export async function retryRead<T>(read: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await read();
    } catch (err) {
      if (!isConnectionError(err) || attempt >= RETRY_PAUSES_MS.length) throw err;
      await new Promise((r) => setTimeout(r, RETRY_PAUSES_MS[attempt]));
    }
  }
}
