import { z } from 'zod';
import { retryRead } from '../../db/client';
import { caseFigures, deliveriesOf, type DeliveryRecord } from '../../domain/figures';
import { regionSchema } from '../../policy/application';
import { DEPARTMENTS } from '../../policy/types';
import { principal } from '../auth';
import { HttpError } from '../errors';
import type { ApiDeps } from '../deps';
import { Routes } from '../route-registry';
import { instant } from './sla';

// The figures the reform is judged by (DESIGN §7 "Figures"; definitions in the README).
// A supervisor sees the cases of their scope, as in their other views.

const DEFAULT_DAYS = 30;
/** The hospitals' register answers within this, or completeness is null: the figures never wait on it. */
const REGISTER_TIMEOUT_MS = 5_000;

const figuresQuery = (regions?: readonly string[]) =>
  z
    .object({
      from: instant(false).optional(),
      to: instant(true).optional(),
      region: regionSchema(regions).optional(),
      department: z.enum(DEPARTMENTS).optional().meta({ description: 'the cases with an item of this department (a department supervisor: their own only)' }),
    })
    .refine((w) => !w.from || !w.to || w.from < w.to, { path: ['to'], message: 'must be after from' });

const ratio = (description: string) => z.number().min(0).max(1).nullable().meta({ description: `${description}; null when there is nothing to count` });
const figuresSchema = z.object({
  from: z.string(),
  to: z.string(),
  cases: z.number().int().meta({ description: 'cases submitted in the window' }),
  completed: z.number().int(),
  partiallyCompleted: z.number().int(),
  withdrawn: z.number().int(),
  ineligible: z.number().int(),
  medianWorkingDaysToClose: z.number().nullable().meta({ description: 'working days (domain/calendar) from submission to closing, of the cases closed completed or partially completed' }),
  p90WorkingDaysToClose: z.number().nullable(),
  childItemsWithin5WorkingDays: ratio("the share of a child's items (applied for, eligible, in cases closed completed or partially completed) completed within 5 working days of submission"),
  supplementsPerCase: z.number().nullable().meta({ description: 'supplements the applicants gave, per case' }),
  dataQuality: z.object({
    completeness: ratio("deliveries in the hospitals' register born in the window that have a case submitted within the pack's registration window"),
    timeliness: ratio("cases submitted within the pack's registration window (the earliest birth plus the pack's age limit)"),
    accuracy: ratio("cases whose first check against the delivering institution's record matched"),
  }),
});

export function figuresRouter(deps: ApiDeps): Routes {
  const { db, config, packs } = deps;
  const routes = new Routes({ tag: { name: 'figures', description: 'The figures the reform is judged by: time to close, the 5-working-day target, supplements, data quality' } });

  /** The hospitals' register of births in the window, under a division prefix; undefined when it does not answer in time. */
  async function register(from: Date, to: Date, division: string): Promise<DeliveryRecord[] | undefined> {
    const url = new URL('/departments/hospital/deliveries', config.departmentsUrl);
    url.search = new URLSearchParams({ from: from.toISOString(), to: to.toISOString(), division }).toString();
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(REGISTER_TIMEOUT_MS) });
      if (!res.ok) return undefined;
      const body = (await res.json()) as { records?: DeliveryRecord[]; truncated?: boolean };
      // A part of the register would make a ratio that looks right and is not.
      return Array.isArray(body.records) && !body.truncated ? body.records : undefined;
    } catch (err) {
      deps.logger.warn({ error: (err as Error).name }, "the hospitals' register did not answer: completeness unknown");
      return undefined;
    }
  }

  routes.get('/metrics/cases', {
    operationId: 'caseFigures',
    summary: 'The figures of the cases submitted in a window (default: the last 30 days); a supervisor sees the cases of their department and division',
    roles: ['supervisor', 'auditor'],
    query: figuresQuery(),
    atRequest: { query: async () => figuresQuery((await packs.catalogue()).regions()) },
    responses: { 200: { description: 'the figures', schema: figuresSchema } },
  }, async (req, res, { query }) => {
    const who = principal(req);
    const to = query.to ?? new Date(deps.now ? deps.now().getTime() : Date.now());
    const from = query.from ?? new Date(to.getTime() - DEFAULT_DAYS * 86_400_000);
    // Per department as the reform reports them; a department supervisor sees only their own.
    if (who.role === 'supervisor' && who.department && query.department && query.department !== who.department) {
      throw new HttpError(403, 'forbidden', `a ${who.department} supervisor sees the ${who.department} department only`);
    }
    const department = who.role === 'supervisor' ? (who.department ?? query.department) : query.department;
    const scope = { department, division: who.role === 'supervisor' ? who.division : undefined };
    // The register is narrowed like the cases: to the supervisor's division, or the region's.
    const regionPrefix = query.region ? (await packs.catalogue()).current(query.region).divisionPrefix : '';
    const division = (scope.division ?? '').length > regionPrefix.length ? scope.division! : regionPrefix;
    const records = await register(from, to, division);
    const figures = await retryRead(() => caseFigures(db, { from, to, region: query.region, ...scope }, records && deliveriesOf(records, config.idHashKey)));
    res.json({ from: from.toISOString(), to: to.toISOString(), ...figures });
  });

  return routes;
}
