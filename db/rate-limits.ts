import { sql } from 'drizzle-orm';
import { isConnectionError, type Db } from './client';

export interface WindowCount {
  key: string;
  count: number;
  /** Seconds until the window closes. */
  resetInSeconds: number;
}

/**
 * Counts one request against each key in the current fixed window, atomically for
 * every API instance on the database; windows start on the database's clock, so
 * instances with skewed clocks still share them.
 */
export async function countRequest(db: Db, keys: string[], windowSeconds: number): Promise<WindowCount[]> {
  if (keys.length === 0) return [];
  const rows = sql.join(
    keys.map((key) => sql`(${key}, to_timestamp(floor(extract(epoch from now()) / ${windowSeconds}) * ${windowSeconds}), 1)`),
    sql`, `,
  );
  const count = () =>
    db.execute<{ key: string; count: number; reset_in: string }>(sql`
      insert into rate_limit_counters (key, window_start, count) values ${rows}
      on conflict (key, window_start) do update set count = rate_limit_counters.count + 1
      returning key, count, extract(epoch from window_start + make_interval(secs => ${windowSeconds}) - now()) as reset_in`);
  // Counting twice after a dropped connection only errs on the strict side.
  const result = await count().catch((err) => {
    if (isConnectionError(err)) return count();
    throw err;
  });
  return [...result].map((r) => ({ key: r.key, count: Number(r.count), resetInSeconds: Math.max(1, Math.ceil(Number(r.reset_in))) }));
}

/** Windows long closed: nothing reads them any more. */
export async function pruneRequestCounts(db: Db, olderThanSeconds: number): Promise<void> {
  await db.execute(sql`delete from rate_limit_counters where window_start < now() - make_interval(secs => ${olderThanSeconds})`);
}
