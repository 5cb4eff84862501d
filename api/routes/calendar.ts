import { Router } from 'express';
import { z } from 'zod';
import { stateCouncilCalendar, withLoadedYears } from '../../activities/sla';
import { loadedCalendarYears, storeCalendarYear } from '../../db/calendar';
import { principal, requireRole } from '../auth';
import type { ApiDeps } from '../deps';
import { parse } from '../errors';

// An administrator loads a newly published State Council calendar (放假安排) without a
// redeploy; the next deadline computed uses it. Deadlines already recorded stay as they are.

const yearParam = z.coerce.number().int().min(2000).max(2100);

function calendarBody(year: number) {
  // One message per bad date, the most telling one.
  const day = z.string().superRefine((d, ctx) => {
    const parsed = new Date(`${d}T00:00:00Z`);
    if (!/^\d{4}-\d{2}-\d{2}$/.test(d)) ctx.addIssue({ code: 'custom', message: 'must be YYYY-MM-DD' });
    else if (Number.isNaN(parsed.getTime()) || parsed.toISOString().slice(0, 10) !== d) ctx.addIssue({ code: 'custom', message: 'not a calendar date' });
    else if (!d.startsWith(`${year}-`)) ctx.addIssue({ code: 'custom', message: `must be in ${year}` });
  });
  return z
    .object({ holidays: z.array(day).max(366), workdays: z.array(day).max(366) })
    .strict()
    .superRefine((body, ctx) => {
      const holidays = new Set(body.holidays);
      body.workdays.forEach((d, i) => {
        if (holidays.has(d)) ctx.addIssue({ code: 'custom', path: ['workdays', i], message: `${d} is also listed as a holiday` });
      });
    });
}

export function calendarRouter({ db }: ApiDeps): Router {
  const router = Router();

  router.get('/admin/calendar', requireRole('admin'), async (_req, res) => {
    const base = stateCouncilCalendar();
    const loaded = await loadedCalendarYears(db);
    const calendar = withLoadedYears(base, loaded);
    res.json({
      version: calendar.version,
      years: calendar.years.map((year) => {
        const own = loaded.find((l) => l.year === year);
        return own
          ? { year, source: 'loaded', holidays: own.holidays.length, workdays: own.workdays.length, digest: own.digest, loadedBy: own.loadedBy, loadedAt: own.loadedAt.toISOString() }
          : { year, source: 'chinese-days' };
      }),
    });
  });

  router.put('/admin/calendar/:year', requireRole('admin'), async (req, res) => {
    const year = parse(yearParam, req.params.year, 'year');
    const body = parse(calendarBody(year), req.body ?? {});
    const stored = await storeCalendarYear(db, { year, ...body, loadedBy: principal(req).sub });
    const calendar = withLoadedYears(stateCouncilCalendar(), await loadedCalendarYears(db));
    res.json({ year, holidays: stored.holidays.length, workdays: stored.workdays.length, digest: stored.digest, version: calendar.version });
  });

  return router;
}
