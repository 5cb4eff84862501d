import { createHash } from 'node:crypto';
import { asc, desc, eq } from 'drizzle-orm';
import { retryRead, type Db } from './client';
import { calendarChanges, calendarYears } from './schema';

export interface LoadedYear {
  year: number;
  holidays: string[];
  workdays: string[];
  digest: string;
  loadedBy: string;
  loadedAt: Date;
}

export interface CalendarChange {
  year: number;
  action: 'load' | 'withdraw';
  digest: string;
  actor: string;
  at: Date;
}

/** Same lists, same digest, whatever order the administrator sent them in. */
export function calendarDigest(holidays: string[], workdays: string[]): string {
  const canonical = JSON.stringify({ holidays: [...new Set(holidays)].sort(), workdays: [...new Set(workdays)].sort() });
  return createHash('sha256').update(canonical).digest('hex').slice(0, 12);
}

export function loadedCalendarYears(db: Db): Promise<LoadedYear[]> {
  return retryRead(() => db.select().from(calendarYears).orderBy(asc(calendarYears.year)));
}

/** Loads (or replaces) a year and records who did it, in one transaction. */
export async function storeCalendarYear(db: Db, year: { year: number; holidays: string[]; workdays: string[]; loadedBy: string }): Promise<LoadedYear> {
  return db.transaction(async (tx) => {
    const row = {
      year: year.year,
      holidays: [...new Set(year.holidays)].sort(),
      workdays: [...new Set(year.workdays)].sort(),
      digest: calendarDigest(year.holidays, year.workdays),
      loadedBy: year.loadedBy,
      loadedAt: new Date(),
    };
    const [stored] = await tx.insert(calendarYears).values(row).onConflictDoUpdate({ target: calendarYears.year, set: { ...row, year: undefined } }).returning();
    await tx.insert(calendarChanges).values({ year: stored.year, action: 'load', digest: stored.digest, actor: year.loadedBy, at: stored.loadedAt });
    return stored;
  });
}

/** Withdraws a loaded year (the published calendar, if any, applies again) and records it; undefined when the year was not loaded. */
export async function withdrawCalendarYear(db: Db, year: number, actor: string): Promise<LoadedYear | undefined> {
  return db.transaction(async (tx) => {
    const [removed] = await tx.delete(calendarYears).where(eq(calendarYears.year, year)).returning();
    if (!removed) return undefined;
    await tx.insert(calendarChanges).values({ year, action: 'withdraw', digest: removed.digest, actor });
    return removed;
  });
}

/** The audit trail, newest first. */
export function calendarChangeLog(db: Db, limit = 200): Promise<CalendarChange[]> {
  return retryRead(async () => (await db.select().from(calendarChanges).orderBy(desc(calendarChanges.at), desc(calendarChanges.id)).limit(limit)) as CalendarChange[]);
}
