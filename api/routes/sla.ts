import { Router, type Request } from 'express';
import { z } from 'zod';
import { currentCalendar, workingMsBetween } from '../../activities/sla';
import { listBreaches, slaSummary } from '../../db/sla-queries';
import { DEPARTMENTS, REGIONS, type Department } from '../../policy/types';
import { principal, requireRole } from '../auth';
import type { ApiDeps } from '../deps';
import { HttpError, parse } from '../errors';

// The supervisor's view: breaches and on-time figures per department. A department
// supervisor (token with a `department` claim) sees their own department only.

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

/** A day (YYYY-MM-DD, Asia/Shanghai) or an instant with its offset; `end` turns a day into the start of the next one. */
const instant = (end: boolean) =>
  z
    .string()
    .refine((v) => (DATE_ONLY.test(v) || z.iso.datetime({ offset: true }).safeParse(v).success) && !Number.isNaN(Date.parse(DATE_ONLY.test(v) ? `${v}T00:00:00+08:00` : v)), {
      message: 'must be a date (YYYY-MM-DD) or a date-time with offset',
    })
    .transform((v) => (DATE_ONLY.test(v) ? new Date(Date.parse(`${v}T00:00:00+08:00`) + (end ? 86_400_000 : 0)) : new Date(v)));

const window = {
  from: instant(false).optional(),
  /** Inclusive for a day, exclusive for an instant. */
  to: instant(true).optional(),
};
const orderedWindow = (w: { from?: Date; to?: Date }) => !w.from || !w.to || w.from < w.to;

const breachesQuery = z
  .object({
    department: z.enum(DEPARTMENTS).optional(),
    region: z.enum(REGIONS).optional(),
    open: z.enum(['true', 'false']).transform((v) => v === 'true').optional(),
    ...window,
  })
  .refine(orderedWindow, { path: ['to'], message: 'must be after from' });

const summaryQuery = z
  .object({
    department: z.enum(DEPARTMENTS).optional(),
    region: z.enum(REGIONS).optional(),
    ...window,
  })
  .refine(orderedWindow, { path: ['to'], message: 'must be after from' });

/** The departments a principal may look at, narrowed by the filter asked for. */
function scope(req: Request, asked?: Department): Department[] {
  const own = principal(req).department;
  if (principal(req).role === 'supervisor' && own) {
    if (asked && asked !== own) throw new HttpError(403, 'forbidden', `a ${own} supervisor sees the ${own} department only`);
    return [own];
  }
  return asked ? [asked] : [...DEPARTMENTS];
}

export function slaRouter({ db, config }: ApiDeps): Router {
  const router = Router();

  router.get('/sla/breaches', requireRole('supervisor', 'auditor'), async (req, res) => {
    const query = parse(breachesQuery, req.query);
    const departments = scope(req, query.department);
    const department = departments.length === 1 ? departments[0] : undefined;
    res.json({ breaches: await listBreaches(db, { ...query, department }) });
  });

  router.get('/sla/summary', requireRole('supervisor', 'auditor'), async (req, res) => {
    const query = parse(summaryQuery, req.query);
    const departments = scope(req, query.department);
    // Compressed demo time: a day of SLA_DAY_SECONDS counts as 24 working hours.
    const workingMs = config.slaDaySeconds
      ? (a: Date, b: Date) => ((b.getTime() - a.getTime()) * 86_400) / config.slaDaySeconds!
      : ((calendar) => (a: Date, b: Date) => workingMsBetween(a, b, calendar))(await currentCalendar(db));
    res.json({ from: query.from?.toISOString() ?? null, to: query.to?.toISOString() ?? null, departments: await slaSummary(db, { departments, region: query.region, from: query.from, to: query.to }, workingMs) });
  });

  return router;
}
