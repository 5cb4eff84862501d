import { z } from 'zod';
import { isWeekend, plausibleYearBounds, stateCouncilCalendar, withLoadedYears } from '../../domain/calendar';
import { calendarChangeLog, loadedCalendarYears, storeCalendarYear, withdrawCalendarYear } from '../../db/calendar';
import { principal } from '../auth';
import type { ApiDeps } from '../deps';
import { HttpError } from '../errors';
import { Routes, timestamp } from '../route-registry';

// An administrator loads a newly published State Council calendar (放假安排) without a
// redeploy; the next deadline computed uses it. Deadlines already recorded stay as they are.
// The calendar decides every deadline, so a year is checked as the law it stands for:
// holidays fall on weekdays, make-up working days (调休) on weekends, and as many of
// each as published years have had. A year the State Council calendar already covers
// is replaced only on purpose (`?force=true`). Every load and withdrawal is recorded.

const yearParams = z.object({ year: z.coerce.number().int().min(2000).max(2100) });
const putQuery = z.object({ force: z.enum(['true', 'false']).optional().meta({ description: 'true to replace a year the built-in calendar covers' }) });
const WEEKDAY_NAMES = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const weekdayName = (d: string) => WEEKDAY_NAMES[new Date(`${d}T00:00:00Z`).getUTCDay()];

/** The year's lists; `year` absent only for the API description, whose shape does not depend on it. */
function calendarBody(year?: number) {
  const bounds = plausibleYearBounds();
  // One message per bad date, the most telling one.
  const day = (kind: 'holiday' | 'workday') =>
    z
      .string()
      .superRefine((d, ctx) => {
        const parsed = new Date(`${d}T00:00:00Z`);
        if (!/^\d{4}-\d{2}-\d{2}$/.test(d)) ctx.addIssue({ code: 'custom', message: 'must be YYYY-MM-DD' });
        else if (Number.isNaN(parsed.getTime()) || parsed.toISOString().slice(0, 10) !== d) ctx.addIssue({ code: 'custom', message: 'not a calendar date' });
        else if (year !== undefined && !d.startsWith(`${year}-`)) ctx.addIssue({ code: 'custom', message: `must be in ${year}` });
        else if (kind === 'holiday' && isWeekend(d)) ctx.addIssue({ code: 'custom', message: `${d} is a ${weekdayName(d)}, a day off anyway: list holidays that fall on weekdays` });
        else if (kind === 'workday' && !isWeekend(d)) ctx.addIssue({ code: 'custom', message: `${d} is a ${weekdayName(d)}, a working day anyway: list make-up days that fall on weekends` });
      })
      .meta({ format: 'date', description: 'a day of the year in the path' });
  const within = (what: string, n: number, range: { min: number; max: number }) =>
    n >= range.min && n <= range.max ? undefined : `${n} ${what}; the years ${bounds.from.first}–${bounds.from.last} had between ${range.min} and ${range.max} (with a margin)`;
  return (
    z
      .object({ holidays: z.array(day('holiday')).max(366), workdays: z.array(day('workday')).max(366).meta({ description: '调休: weekend days that are working days' }) })
      .strict()
      // Holidays on weekdays and make-up days on weekends cannot overlap: no check for that.
      .superRefine((body, ctx) => {
        const tooFewOrMany = {
          holidays: within('holidays on weekdays', new Set(body.holidays).size, bounds.holidays),
          workdays: within('make-up days on weekends', new Set(body.workdays).size, bounds.workdays),
        };
        for (const [path, message] of Object.entries(tooFewOrMany)) if (message) ctx.addIssue({ code: 'custom', path: [path], message });
      })
  );
}

const range = z.object({ min: z.number().int(), max: z.number().int() });
const coverageSchema = z.object({
  version: z.string(),
  years: z.array(
    z.union([
      z.object({
        year: z.number().int(),
        source: z.literal('loaded'),
        holidays: z.number().int(),
        workdays: z.number().int(),
        digest: z.string(),
        loadedBy: z.string(),
        loadedAt: timestamp,
        replaces: z.literal('chinese-days').optional(),
      }),
      z.object({ year: z.number().int(), source: z.literal('chinese-days') }),
    ]),
  ),
  bounds: z.object({ holidays: range, workdays: range, from: z.object({ first: z.number().int(), last: z.number().int() }) }),
  changes: z.array(z.object({ year: z.number().int(), action: z.string(), digest: z.string(), actor: z.string(), at: timestamp })),
});
const storedSchema = z.object({ year: z.number().int(), holidays: z.number().int(), workdays: z.number().int(), digest: z.string(), version: z.string() });
const withdrawnSchema = z.object({ year: z.number().int(), withdrawn: z.string(), source: z.enum(['chinese-days', 'none']), version: z.string() });

const tag = { name: 'calendar', description: 'The working-day calendar that deadlines are computed on (admin)' };

export function calendarRouter({ db, logger }: ApiDeps): Routes {
  const routes = new Routes({ tag });

  routes.get('/admin/calendar', {
    operationId: 'getCalendarCoverage',
    summary: 'The years the working-day calendar covers, which of them an administrator loaded, and who changed what when',
    roles: ['admin'],
    responses: { 200: { description: 'the calendar version, its years, the plausible bounds and the change log', schema: coverageSchema } },
  }, async (_req, res) => {
    const base = stateCouncilCalendar();
    const [loaded, changes] = await Promise.all([loadedCalendarYears(db), calendarChangeLog(db)]);
    const calendar = withLoadedYears(base, loaded);
    res.json({
      version: calendar.version,
      years: calendar.years.map((year) => {
        const own = loaded.find((l) => l.year === year);
        return own
          ? { year, source: 'loaded' as const, holidays: own.holidays.length, workdays: own.workdays.length, digest: own.digest, loadedBy: own.loadedBy, loadedAt: own.loadedAt.toISOString(), ...(base.years.includes(year) && { replaces: 'chinese-days' as const }) }
          : { year, source: 'chinese-days' as const };
      }),
      bounds: plausibleYearBounds(),
      changes: changes.map((c) => ({ year: c.year, action: c.action, digest: c.digest, actor: c.actor, at: c.at.toISOString() })),
    });
  });

  routes.put('/admin/calendar/:year', {
    operationId: 'loadCalendarYear',
    summary: "Load a year's State Council calendar: it replaces chinese-days' data for that year in deadlines computed from now on",
    roles: ['admin'],
    params: yearParams,
    query: putQuery,
    body: (params) => calendarBody(params?.year),
    responses: { 200: { description: 'what was stored, and the calendar version now in force', schema: storedSchema } },
    errors: { 409: 'the built-in calendar covers the year; add ?force=true to replace it (`year_published`)' },
  }, async (req, res, { params, query, body }) => {
    const { year } = params;
    const lists = body();
    if (stateCouncilCalendar().years.includes(year) && query.force !== 'true') {
      throw new HttpError(409, 'year_published', `${year} is covered by the published State Council calendar; replacing it moves every deadline in ${year}. Add ?force=true if that is meant.`);
    }
    const who = principal(req).sub;
    const stored = await storeCalendarYear(db, { year, ...lists, loadedBy: who });
    logger.warn({ year, digest: stored.digest, by: who, forced: query.force === 'true' }, 'calendar year loaded');
    const calendar = withLoadedYears(stateCouncilCalendar(), await loadedCalendarYears(db));
    res.json({ year, holidays: stored.holidays.length, workdays: stored.workdays.length, digest: stored.digest, version: calendar.version });
  });

  routes.delete('/admin/calendar/:year', {
    operationId: 'withdrawCalendarYear',
    summary: 'Withdraw a loaded year: deadlines computed from now on use the built-in calendar again (or none)',
    roles: ['admin'],
    params: yearParams,
    responses: { 200: { description: 'what was withdrawn, and the calendar version now in force', schema: withdrawnSchema } },
    errors: { 404: 'no loaded calendar for that year (`not_found`)' },
  }, async (req, res, { params }) => {
    const { year } = params;
    const who = principal(req).sub;
    const removed = await withdrawCalendarYear(db, year, who);
    if (!removed) throw new HttpError(404, 'not_found', `no loaded calendar for ${year}`);
    logger.warn({ year, digest: removed.digest, by: who }, 'calendar year withdrawn');
    const calendar = withLoadedYears(stateCouncilCalendar(), await loadedCalendarYears(db));
    res.json({ year, withdrawn: removed.digest, source: stateCouncilCalendar().years.includes(year) ? ('chinese-days' as const) : ('none' as const), version: calendar.version });
  });

  return routes;
}
