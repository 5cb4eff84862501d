import { drizzle, type PostgresJsDatabase } from 'drizzle-orm/postgres-js';
import { migrate } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';
import { join } from 'node:path';
import * as schema from './schema';

export type Db = PostgresJsDatabase<typeof schema>;

export interface Database {
  db: Db;
  sql: postgres.Sql;
  close(): Promise<void>;
}

export function openDatabase(url: string, options: { max?: number } = {}): Database {
  const sql = postgres(url, { max: options.max ?? 10, onnotice: () => {} });
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

/** Creates the database if needed and applies the committed drizzle migrations. */
export async function prepareDatabase(url: string): Promise<{ created: boolean }> {
  const created = await ensureDatabase(url);
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await migrate(drizzle(sql), { migrationsFolder: join(__dirname, 'migrations') });
  } finally {
    await sql.end({ timeout: 5 });
  }
  return { created };
}
