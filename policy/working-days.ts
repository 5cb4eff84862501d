// Working-day arithmetic of DESIGN §2, pure: the calendar is a parameter. Only
// activities call this; the workflow records what they answer, so a calendar update
// never changes a case that already has its deadlines.

export interface WorkingCalendar {
  /** Version label recorded next to every deadline computed with it. */
  version: string;
  /** true/false for a date (YYYY-MM-DD, Asia/Shanghai) the calendar covers; undefined when it does not. */
  isWorkday(date: string): boolean | undefined;
}

export class CalendarNotCoveredError extends Error {
  constructor(readonly date: string) {
    super(`the working-day calendar does not cover ${date.slice(0, 4)} (asked for ${date}); load that year's State Council calendar`);
    this.name = 'CalendarNotCoveredError';
  }
}

// China has kept UTC+8 without daylight saving since 1991, so a fixed offset gives the
// Asia/Shanghai calendar date without depending on the runtime's time-zone data.
const SHANGHAI_OFFSET_MS = 8 * 3600_000;

/** Calendar date (YYYY-MM-DD) in Asia/Shanghai of an instant; the one such helper, for eligibility and deadlines alike. */
export function shanghaiDate(instant: Date): string {
  return new Date(instant.getTime() + SHANGHAI_OFFSET_MS).toISOString().slice(0, 10);
}

function nextDate(date: string): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}

/** The k-th working day strictly after `date`. */
export function addWorkingDays(date: string, k: number, calendar: WorkingCalendar): string {
  let day = date;
  for (let found = 0; found < k; ) {
    day = nextDate(day);
    const workday = calendar.isWorkday(day);
    if (workday === undefined) throw new CalendarNotCoveredError(day);
    if (workday) found++;
  }
  return day;
}

/** Instant of `HH:MM` Asia/Shanghai on a date. */
export function atOfficeClose(date: string, close: string): Date {
  return new Date(`${date}T${close}:00+08:00`);
}

/**
 * Deadline of k working days for a step that reached its department at `arrivedAt`:
 * close of office hours on the k-th working day strictly after the arrival date.
 */
export function workingDayDeadline(arrivedAt: Date, k: number, calendar: WorkingCalendar, close = '17:30'): Date {
  return atOfficeClose(addWorkingDays(shanghaiDate(arrivedAt), k, calendar), close);
}
