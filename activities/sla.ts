import { ApplicationFailure } from '@temporalio/activity';
import chineseDays from 'chinese-days/dist/chinese-days.json';
import { CalendarNotCoveredError, workingDayDeadline, type WorkingCalendar } from '../policy/working-days';

// Deadlines are computed here, outside the workflow, and recorded in its history
// with the calendar version: a replay after a calendar update sees the same dates.

interface CalendarData {
  holidays: Record<string, string>;
  workdays: Record<string, string>;
}

/** The State Council calendar as shipped by chinese-days: holidays and 调休 make-up days per covered year. */
export function stateCouncilCalendar(data: CalendarData = chineseDays as CalendarData): WorkingCalendar {
  const years = new Set([...Object.keys(data.holidays), ...Object.keys(data.workdays)].map((d) => d.slice(0, 4)));
  const sorted = [...years].sort();
  return {
    version: `chinese-days:${sorted[0]}-${sorted[sorted.length - 1]}`,
    isWorkday(date) {
      if (!years.has(date.slice(0, 4))) return undefined;
      if (date in data.workdays) return true;
      if (date in data.holidays) return false;
      const weekday = new Date(`${date}T00:00:00Z`).getUTCDay();
      return weekday !== 0 && weekday !== 6;
    },
  };
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

export function createSlaActivities(options: { slaDaySeconds?: number; officeClose?: string; calendar?: WorkingCalendar }) {
  const calendar = options.calendar ?? stateCouncilCalendar();
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
      try {
        return { deadline: workingDayDeadline(from, input.workingDays, calendar, options.officeClose).toISOString(), calendarVersion: calendar.version };
      } catch (err) {
        if (err instanceof CalendarNotCoveredError) throw ApplicationFailure.nonRetryable(err.message, 'CalendarNotCovered');
        throw err;
      }
    },
  };
}
