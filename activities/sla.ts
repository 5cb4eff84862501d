import { ApplicationFailure } from '@temporalio/activity';
import type { Db } from '../db/client';
import { currentCalendar, stateCouncilCalendar } from '../domain/calendar';
import { ACTIVITY_FAILURES } from '../runtime/failures';
import { CalendarNotCoveredError, workingDayDeadline, type WorkingCalendar } from '../policy/working-days';

// Deadlines are computed here, outside the workflow, and recorded in its history
// with the calendar version: a replay after a calendar update sees the same dates.

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
  const calendarNow = async () => (options.db ? currentCalendar(options.db, base) : base);
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
        if (err instanceof CalendarNotCoveredError) throw ApplicationFailure.nonRetryable(err.message, ACTIVITY_FAILURES.calendarNotCovered);
        throw err;
      }
    },
  };
}
