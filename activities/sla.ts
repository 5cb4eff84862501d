import { ApplicationFailure } from '@temporalio/activity';
import chineseDays from 'chinese-days/dist/chinese-days.json';
import { loadedCalendarYears, type LoadedYear } from '../db/calendar';
import type { Db } from '../db/client';
import { CalendarNotCoveredError, shanghaiDate, workingDayDeadline, type WorkingCalendar } from '../policy/working-days';

// Deadlines are computed here, outside the workflow, and recorded in its history
// with the calendar version: a replay after a calendar update sees the same dates.

interface CalendarData {
  holidays: Record<string, string>;
  workdays: Record<string, string>;
}

function isWeekday(date: string): boolean {
  const weekday = new Date(`${date}T00:00:00Z`).getUTCDay();
  return weekday !== 0 && weekday !== 6;
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
export async function currentCalendar(db: Db, base: CoveredCalendar = stateCouncilCalendar()): Promise<CoveredCalendar> {
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

export interface DeadlineInput {
  /** When the step reached the department (workflow time). */
  from: string;
  workingDays: number;
}

export interface Deadline {
  deadline: string;
  calendarVersion: string;
}

export function createSlaActivities(options: { db?: Db; slaDaySeconds?: number; officeClose?: string; calendar?: WorkingCalendar & { years?: number[] } }) {
  const base = options.calendar ?? stateCouncilCalendar();
  /** Read per call: a year loaded a minute ago counts for the next deadline, no restart needed. */
  const calendarNow = async () => (options.db ? withLoadedYears(base, await loadedCalendarYears(options.db)) : base);
  return {
    async computeDeadline(input: DeadlineInput): Promise<Deadline> {
      const from = new Date(input.from);
      if (options.slaDaySeconds) {
        // Demo and test time: every day is a working day of N seconds.
        return {
          deadline: new Date(from.getTime() + input.workingDays * options.slaDaySeconds * 1000).toISOString(),
          calendarVersion: `compressed:${options.slaDaySeconds}s`,
        };
      }
      const calendar = await calendarNow();
      try {
        return { deadline: workingDayDeadline(from, input.workingDays, calendar, options.officeClose).toISOString(), calendarVersion: calendar.version };
      } catch (err) {
        if (err instanceof CalendarNotCoveredError) throw ApplicationFailure.nonRetryable(err.message, 'CalendarNotCovered');
        throw err;
      }
    },
  };
}
