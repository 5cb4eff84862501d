import { createHash } from 'node:crypto';
import { asc } from 'drizzle-orm';
import type { Db } from './client';
import { calendarYears } from './schema';

export interface LoadedYear {
  year: number;
  holidays: string[];
  workdays: string[];
  digest: string;
  loadedBy: string;
  loadedAt: Date;
}

/** Same lists, same digest, whatever order the administrator sent them in. */
export function calendarDigest(holidays: string[], workdays: string[]): string {
  const canonical = JSON.stringify({ holidays: [...new Set(holidays)].sort(), workdays: [...new Set(workdays)].sort() });
  return createHash('sha256').update(canonical).digest('hex').slice(0, 12);
}

export async function loadedCalendarYears(db: Db): Promise<LoadedYear[]> {
  return db.select().from(calendarYears).orderBy(asc(calendarYears.year));
}

export async function storeCalendarYear(db: Db, year: { year: number; holidays: string[]; workdays: string[]; loadedBy: string }): Promise<LoadedYear> {
  const row = {
    year: year.year,
    holidays: [...new Set(year.holidays)].sort(),
    workdays: [...new Set(year.workdays)].sort(),
    digest: calendarDigest(year.holidays, year.workdays),
    loadedBy: year.loadedBy,
    loadedAt: new Date(),
  };
  const [stored] = await db.insert(calendarYears).values(row).onConflictDoUpdate({ target: calendarYears.year, set: { ...row, year: undefined } }).returning();
  return stored;
}
