import type { Request } from 'express';
import { z } from 'zod';
import { currentCalendar, workingMsBetween } from '../../domain/calendar';
import { retryRead } from '../../db/client';
import { PAGE_LIMIT } from '../../db/pagination';
import { listBreaches, listNeedsAttention, slaSummary } from '../../db/sla-queries';
import { regionSchema } from '../../policy/application';
import { BREACH_CAUSES, DEPARTMENTS, type Department } from '../../policy/types';
import { principal } from '../auth';
import type { ApiDeps } from '../deps';
import { HttpError } from '../errors';
import { cursorField, limitField, nextCursorField } from '../pagination';
import { Routes, timestamp } from '../route-registry';

// The supervisor's view: breaches and on-time figures per department. A department
// supervisor (token with a `department` claim) sees their own department only, and a
// supervisor whose token names a `division` the items worked on there only.

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

/** Years a query may name: the service's own lifetime, and well inside what PostgreSQL and JavaScript dates agree on. */
export const QUERY_YEARS = { min: 2000, max: 2100 } as const;

/** A day (YYYY-MM-DD, Asia/Shanghai) or an instant with its offset; `end` turns a day into the start of the next one. */
export const instant = (end: boolean) =>
  z
    .string()
    .max(40)
    .refine((v) => (DATE_ONLY.test(v) || z.iso.datetime({ offset: true }).safeParse(v).success) && !Number.isNaN(Date.parse(DATE_ONLY.test(v) ? `${v}T00:00:00+08:00` : v)), {
      message: 'must be a date (YYYY-MM-DD) or a date-time with offset',
      abort: true,
    })
    .refine((v) => Number(v.slice(0, 4)) >= QUERY_YEARS.min && Number(v.slice(0, 4)) <= QUERY_YEARS.max, { message: `must be in the years ${QUERY_YEARS.min} to ${QUERY_YEARS.max}` })
    .meta({ description: 'YYYY-MM-DD (a day in Asia/Shanghai) or a date-time with offset', examples: ['2026-11-20', '2026-11-20T08:30:00+08:00'] })
    .transform((v) => (DATE_ONLY.test(v) ? new Date(Date.parse(`${v}T00:00:00+08:00`) + (end ? 86_400_000 : 0)) : new Date(v)));

const window = {
  from: instant(false).optional(),
  /** Inclusive for a day, exclusive for an instant. */
  to: instant(true).optional(),
};
const orderedWindow = (w: { from?: Date; to?: Date }) => !w.from || !w.to || w.from < w.to;

// A region is one of the packs loaded when the request arrives; the description shows the code's form.
const breachesQuery = (regions?: readonly string[]) =>
  z
    .object({
      department: z.enum(DEPARTMENTS).optional(),
      region: regionSchema(regions).optional(),
      open: z.enum(['true', 'false']).transform((v) => v === 'true').optional(),
      cause: z.enum(BREACH_CAUSES).optional().meta({ description: "who was late: the department's `system` or its `review`" }),
      limit: limitField.default(PAGE_LIMIT.default),
      cursor: cursorField(['instant', 'text', 'text', 'int'] as const).optional(),
      ...window,
    })
    .refine(orderedWindow, { path: ['to'], message: 'must be after from' });

const summaryQuery = (regions?: readonly string[]) =>
  z
    .object({
      department: z.enum(DEPARTMENTS).optional(),
      region: regionSchema(regions).optional(),
      ...window,
    })
    .refine(orderedWindow, { path: ['to'], message: 'must be after from' });

const breachesSchema = z.object({
  breaches: z.array(
    z.object({
      caseId: z.string(),
      item: z.string(),
      department: z.string(),
      region: z.string(),
      deadline: timestamp,
      breachedAt: timestamp,
      escalationLevel: z.number().int(),
      resolvedAt: timestamp.nullable(),
      cause: z
        .enum(BREACH_CAUSES)
        .nullable()
        .meta({ description: "who held the item at the deadline: the department's `system` (handed off, not yet acknowledged) or its `review`; null for cases started before the clock ran from the hand-off" }),
    }),
  ),
  nextCursor: nextCursorField,
});
const summarySchema = z.object({
  from: timestamp.nullable(),
  to: timestamp.nullable(),
  departments: z.array(
    z.object({
      department: z.string(),
      decided: z.number().int().meta({ description: 'items whose final decision falls in the window' }),
      onTime: z.number().int().meta({ description: 'of those, the ones never breached' }),
      breached: z.number().int().meta({ description: 'breaches recorded in the window, open or resolved' }),
      onTimeRate: z.number().nullable().meta({ description: 'onTime / decided; null when nothing was decided' }),
      medianWorkingHoursToDecide: z.number().nullable().meta({ description: 'clock stopped while the applicant had the file (补正); null when nothing, or more than 2,000 items, were decided in the window' }),
    }),
  ),
});

const tag = { name: 'sla', description: "The supervisor's view: breaches and on-time figures per department" };

/** The departments a principal may look at, narrowed by the filter asked for. */
function scope(req: Request, asked?: Department): Department[] {
  const own = principal(req).department;
  if (principal(req).role === 'supervisor' && own) {
    if (asked && asked !== own) throw new HttpError(403, 'forbidden', `a ${own} supervisor sees the ${own} department only`);
    return [own];
  }
  return asked ? [asked] : [...DEPARTMENTS];
}

/** A supervisor's division, when their token names one. */
const divisionOf = (req: Request): string | undefined => (principal(req).role === 'supervisor' ? principal(req).division : undefined);

export function slaRouter({ db, config, packs }: ApiDeps): Routes {
  const regions = async () => (await packs.catalogue()).regions();
  const routes = new Routes({ tag });

  routes.get('/sla/breaches', {
    operationId: 'listBreaches',
    summary: 'SLA breaches, newest first, a page at a time (a department supervisor sees their own department only)',
    description: '`from` and `to` filter on breachedAt: a day (YYYY-MM-DD, Asia/Shanghai; `to` inclusive) or a date-time with offset (`to` exclusive).',
    roles: ['supervisor', 'auditor'],
    query: breachesQuery(),
    atRequest: { query: async () => breachesQuery(await regions()) },
    responses: { 200: { description: 'the breaches', schema: breachesSchema } },
  }, async (req, res, { query }) => {
    const departments = scope(req, query.department);
    const department = departments.length === 1 ? departments[0] : undefined;
    const { limit, cursor, ...filter } = query;
    res.json(await retryRead(() => listBreaches(db, { ...filter, department, division: divisionOf(req) }, { limit, after: cursor })));
  });

  routes.get('/sla/summary', {
    operationId: 'summariseSla',
    summary: 'On-time figures per department over a window (a department supervisor sees their own department only)',
    roles: ['supervisor', 'auditor'],
    query: summaryQuery(),
    atRequest: { query: async () => summaryQuery(await regions()) },
    responses: { 200: { description: 'the figures', schema: summarySchema } },
  }, async (req, res, { query }) => {
    const departments = scope(req, query.department);
    // Compressed demo time: a day of SLA_DAY_SECONDS counts as 24 working hours.
    const workingMs = config.slaDaySeconds
      ? (a: Date, b: Date) => ((b.getTime() - a.getTime()) * 86_400) / config.slaDaySeconds!
      : ((calendar) => (a: Date, b: Date) => workingMsBetween(a, b, calendar))(await currentCalendar(db));
    res.json({ from: query.from?.toISOString() ?? null, to: query.to?.toISOString() ?? null, departments: await retryRead(() => slaSummary(db, { departments, division: divisionOf(req), region: query.region, from: query.from, to: query.to }, workingMs)) });
  });

  routes.get('/attention', {
    operationId: 'listNeedsAttention',
    summary: 'Items a store refused for their data (`needs_attention`), with the code: for a supervisor to resolve (a department supervisor sees their own department only)',
    roles: ['supervisor', 'auditor'],
    query: z.object({ department: z.enum(DEPARTMENTS).optional() }),
    responses: {
      200: {
        description: 'the items, oldest case first (at most 500)',
        schema: z.object({
          items: z.array(
            z.object({
              caseId: z.string(),
              item: z.string(),
              department: z.string(),
              institution: z.string().nullable(),
              reason: z.string().meta({ description: 'DATA_REFUSED_<SQLSTATE>: a code, never the data' }),
              submittedAt: timestamp,
            }),
          ),
        }),
      },
    },
  }, async (req, res, { query }) => {
    res.json({ items: await retryRead(() => listNeedsAttention(db, { departments: scope(req, query.department), division: divisionOf(req) })) });
  });

  return routes;
}
