import chineseDays from 'chinese-days/dist/chinese-days.json';
import { loadedCalendarYears, type LoadedYear } from '../db/calendar';
import type { Db } from '../db/client';
import { shanghaiDate, type WorkingCalendar } from '../policy/working-days';

// The working-day calendar in force: the State Council's (chinese-days) with the
// years an administrator loaded laid over it. Used by the deadline activity and by
// the supervisor figures alike.

interface CalendarData {
  holidays: Record<string, string>;
  workdays: Record<string, string>;
}

function isWeekday(date: string): boolean {
  const weekday = new Date(`${date}T00:00:00Z`).getUTCDay();
  return weekday !== 0 && weekday !== 6;
}

export function isWeekend(date: string): boolean {
  return !isWeekday(date);
}

/** How many days a plausible year declares: holidays on weekdays, make-up working days on weekends. */
export interface YearBounds {
  holidays: { min: number; max: number };
  workdays: { min: number; max: number };
  /** The years the bounds were taken from. */
  from: { first: number; last: number };
}

/**
 * Bounds for a year an administrator loads, from every year the State Council has
 * published (as chinese-days ships them): the fewest and most holidays falling on
 * weekdays and make-up days falling on weekends, widened by a quarter either way so
 * that an unusual year still loads. An empty year, or one with every day off, does not.
 */
export function plausibleYearBounds(data: CalendarData = chineseDays as CalendarData): YearBounds {
  const perYear = new Map<string, { holidays: number; workdays: number }>();
  const year = (d: string) => perYear.get(d.slice(0, 4)) ?? perYear.set(d.slice(0, 4), { holidays: 0, workdays: 0 }).get(d.slice(0, 4))!;
  for (const d of Object.keys(data.holidays)) if (isWeekday(d)) year(d).holidays++;
  for (const d of Object.keys(data.workdays)) if (!isWeekday(d)) year(d).workdays++;
  const counts = [...perYear.values()];
  const range = (values: number[]) => ({ min: Math.floor(Math.min(...values) * 0.75), max: Math.ceil(Math.max(...values) * 1.25) });
  const years = [...perYear.keys()].map(Number).sort((a, b) => a - b);
  return { holidays: range(counts.map((c) => c.holidays)), workdays: range(counts.map((c) => c.workdays)), from: { first: years[0], last: years[years.length - 1] } };
}

/** A working calendar that also says which years it covers. */
export interface CoveredCalendar extends WorkingCalendar {
  years: number[];
}

/** The State Council calendar as shipped by chinese-days: holidays and 调休 make-up days per covered year. */
export function stateCouncilCalendar(data: CalendarData = chineseDays as CalendarData): CoveredCalendar {
  const years = new Set([...Object.keys(data.holidays), ...Object.keys(data.workdays)].map((d) => d.slice(0, 4)));
  const sorted = [...years].sort();
  return {
    version: `chinese-days:${sorted[0]}-${sorted[sorted.length - 1]}`,
    years: sorted.map(Number),
    isWorkday(date) {
      if (!years.has(date.slice(0, 4))) return undefined;
      if (date in data.workdays) return true;
      if (date in data.holidays) return false;
      return isWeekday(date);
    },
  };
}

/**
 * The base calendar with the years an administrator loaded laid over it: a loaded
 * year replaces the base's answer for that year entirely. The version names the
 * loaded years and their digests, so it changes whenever the loaded data changes.
 */
export function withLoadedYears(base: WorkingCalendar & { years?: number[] }, loaded: Pick<LoadedYear, 'year' | 'holidays' | 'workdays' | 'digest'>[]): CoveredCalendar {
  const byYear = new Map(loaded.map((y) => [String(y.year), { holidays: new Set(y.holidays), workdays: new Set(y.workdays) }]));
  const years = [...new Set([...(base.years ?? []), ...loaded.map((y) => y.year)])].sort((a, b) => a - b);
  return {
    version: loaded.length === 0 ? base.version : `${base.version}+${loaded.map((y) => `${y.year}@${y.digest}`).join(',')}`,
    years,
    isWorkday(date) {
      const year = byYear.get(date.slice(0, 4));
      if (!year) return base.isWorkday(date);
      if (year.workdays.has(date)) return true;
      if (year.holidays.has(date)) return false;
      return isWeekday(date);
    },
  };
}

/** The calendar deadlines are computed with right now: chinese-days with the loaded years over it. */
export async function currentCalendar(db: Db, base: WorkingCalendar & { years?: number[] } = stateCouncilCalendar()): Promise<CoveredCalendar> {
  return withLoadedYears(base, await loadedCalendarYears(db));
}

const dayAfter = (date: string) => new Date(Date.parse(`${date}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);

/**
 * Time between two instants that falls on working days (whole Asia/Shanghai days):
 * the clock of "working hours to decide". A date the calendar does not cover counts
 * as working on Monday to Friday: a statistic may estimate, a deadline never does.
 */
export function workingMsBetween(from: Date, to: Date, calendar: WorkingCalendar): number {
  let total = 0;
  let day = shanghaiDate(from);
  for (let guard = 0; guard < 3700; guard++) {
    const next = dayAfter(day);
    const start = Math.max(from.getTime(), Date.parse(`${day}T00:00:00+08:00`));
    const end = Math.min(to.getTime(), Date.parse(`${next}T00:00:00+08:00`));
    if (end > start && (calendar.isWorkday(day) ?? isWeekday(day))) total += end - start;
    if (Date.parse(`${next}T00:00:00+08:00`) >= to.getTime()) break;
    day = next;
  }
  return total;
}
