import { sql, type SQL, type SQLWrapper } from 'drizzle-orm';
import type { Db } from './client';

// Lists at scale (DESIGN §7): keyset pagination. A cursor is the sort key of the last row
// of a page; the next page reads from just after it through an index, so page 10,000
// costs what page 1 does. It is opaque to clients (base64url of a JSON array).

export const PAGE_LIMIT = { default: 50, max: 500 } as const;

export type CursorPart = 'instant' | 'instantOrNull' | 'text' | 'int';
type PartValue<P extends CursorPart> = P extends 'instant' ? Date : P extends 'instantOrNull' ? Date | null : P extends 'text' ? string : number;
export type CursorValues<S extends readonly CursorPart[]> = { [K in keyof S]: S[K] extends CursorPart ? PartValue<S[K]> : never };

export function encodeCursor(values: readonly (Date | string | number | null)[]): string {
  return Buffer.from(JSON.stringify(values.map((v) => (v instanceof Date ? v.toISOString() : v))), 'utf8').toString('base64url');
}

/** The cursor's values in the shape the list expects, or undefined for anything else (a 400 at the edge). */
export function decodeCursor<const S extends readonly CursorPart[]>(cursor: string, shape: S): CursorValues<S> | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (!Array.isArray(parsed) || parsed.length !== shape.length) return undefined;
  const out: unknown[] = [];
  for (const [i, part] of shape.entries()) {
    const v: unknown = parsed[i];
    if (part === 'text') {
      if (typeof v !== 'string' || v.length > 200) return undefined;
      out.push(v);
    } else if (part === 'int') {
      if (!Number.isSafeInteger(v)) return undefined;
      out.push(v);
    } else if (part === 'instantOrNull' && v === null) {
      out.push(null);
    } else {
      if (typeof v !== 'string' || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/.test(v) || Number.isNaN(Date.parse(v))) return undefined;
      out.push(new Date(v));
    }
  }
  return out as CursorValues<S>;
}

/** Rows counted exactly up to this many; beyond it, the planner's estimate (flagged). */
export const EXACT_COUNT_UP_TO = 1000;
/** Estimates this far above the bound are trusted without counting at all. */
const CLEARLY_MORE = 10 * EXACT_COUNT_UP_TO;

/**
 * How many rows `rows` (a select of the rows that match) yields, without counting a large
 * table: the planner's estimate when it is clearly large; else counted exactly up to
 * EXACT_COUNT_UP_TO (an index range that short is cheap), and the estimate, at least
 * one more than that, beyond.
 */
export async function boundedCount(db: Db, rows: SQLWrapper): Promise<{ total: number; totalIsEstimate: boolean }> {
  const [plan] = await db.execute<{ 'QUERY PLAN': [{ Plan: { 'Plan Rows': number } }] }>(sql`explain (format json) ${rows}`);
  const estimate = Math.round(plan['QUERY PLAN'][0].Plan['Plan Rows']);
  if (estimate > CLEARLY_MORE) return { total: estimate, totalIsEstimate: true };
  const [{ n }] = await db.execute<{ n: number }>(sql`select count(*)::int as n from (${rows} limit ${EXACT_COUNT_UP_TO + 1}) as r`);
  if (n <= EXACT_COUNT_UP_TO) return { total: n, totalIsEstimate: false };
  return { total: Math.max(estimate, EXACT_COUNT_UP_TO + 1), totalIsEstimate: true };
}

/** `(a, b, …) < (x, y, …)` (or `>`): the rows after a cursor, in one index range. */
export function rowAfter(columns: SQL[], values: SQL[], direction: 'asc' | 'desc'): SQL {
  return sql`(${sql.join(columns, sql`, `)}) ${sql.raw(direction === 'desc' ? '<' : '>')} (${sql.join(values, sql`, `)})`;
}
