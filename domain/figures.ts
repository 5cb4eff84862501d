import { sql, type SQL } from 'drizzle-orm';
import type { Db } from '../db/client';
import { SAME_DELIVERY_MS } from '../db/queries';
import { motherKey } from './identity';

// The figures the reform is judged by (DESIGN §7 "Figures", README "Figures"). Every
// figure is an aggregate over columns the projection keeps on `cases` and `case_items`
// (cases_submitted_idx finds the window, the items' primary key joins them): nothing is
// worked out per case at request time, and no list of IDs is held in memory.

export interface FiguresFilter {
  from: Date;
  to: Date;
  region?: string;
  /** A supervisor's scope: cases with an item of this department / under this division. */
  department?: string;
  division?: string;
}

export interface CaseFigures {
  cases: number;
  completed: number;
  partiallyCompleted: number;
  withdrawn: number;
  ineligible: number;
  medianWorkingDaysToClose: number | null;
  p90WorkingDaysToClose: number | null;
  childItemsWithin5WorkingDays: number | null;
  supplementsPerCase: number | null;
  dataQuality: { completeness: number | null; timeliness: number | null; accuracy: number | null };
}

/** A hospital's record of one birth, as its register answers it. */
export interface DeliveryRecord {
  motherIdNumber: string;
  bornAt: string;
}

const ratio = (part: number, whole: number): number | null => (whole > 0 ? part / whole : null);
const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

function caseConditions(f: FiguresFilter): SQL {
  const parts: SQL[] = [sql`c.submitted_at >= ${f.from.toISOString()}::timestamptz`, sql`c.submitted_at < ${f.to.toISOString()}::timestamptz`];
  if (f.region) parts.push(sql`c.region = ${f.region}`);
  if (f.department || f.division) {
    const scope: SQL[] = [sql`s.case_id = c.case_id`, sql`s.status <> 'not_applied'`];
    if (f.department) scope.push(sql`s.department = ${f.department}`);
    if (f.division) scope.push(sql`s.division like ${`${f.division}%`}`);
    parts.push(sql`exists (select 1 from case_items s where ${sql.join(scope, sql` and `)})`);
  }
  return sql.join(parts, sql` and `);
}

/**
 * Deliveries of the register: a mother's births within 48 hours of the first of them
 * are one delivery (twins are one), as for cases.
 */
export function deliveriesOf(records: DeliveryRecord[], idHashKey: string): { motherHash: string; bornAt: Date }[] {
  const byMother = new Map<string, number[]>();
  for (const r of records) {
    const at = Date.parse(r.bornAt);
    if (Number.isNaN(at)) continue;
    const hash = motherKey(idHashKey, r.motherIdNumber);
    byMother.set(hash, [...(byMother.get(hash) ?? []), at]);
  }
  const deliveries: { motherHash: string; bornAt: Date }[] = [];
  for (const [motherHash, times] of byMother) {
    let first: number | undefined;
    for (const at of times.sort((a, b) => a - b)) {
      if (first !== undefined && at - first <= SAME_DELIVERY_MS) continue;
      first = at;
      deliveries.push({ motherHash, bornAt: new Date(at) });
    }
  }
  return deliveries;
}

/** `register`: the deliveries the hospitals recorded born in the window, or undefined when their register did not answer. */
export async function caseFigures(db: Db, f: FiguresFilter, register?: { motherHash: string; bornAt: Date }[]): Promise<CaseFigures> {
  const where = caseConditions(f);
  const [row] = await db.execute<Record<string, unknown>>(sql`
    select count(*)::int as cases,
      count(*) filter (where c.status = 'completed')::int as completed,
      count(*) filter (where c.status = 'partially_completed')::int as partially_completed,
      count(*) filter (where c.status = 'withdrawn')::int as withdrawn,
      count(*) filter (where c.status = 'ineligible')::int as ineligible,
      percentile_cont(0.5) within group (order by c.working_days_to_close) filter (where c.status in ('completed', 'partially_completed')) as median_close,
      percentile_cont(0.9) within group (order by c.working_days_to_close) filter (where c.status in ('completed', 'partially_completed')) as p90_close,
      coalesce(sum(c.supplements), 0)::int as supplements,
      count(*) filter (where c.registration_deadline is not null)::int as timed,
      count(*) filter (where c.submitted_at <= c.registration_deadline)::int as timely,
      count(*) filter (where c.first_delivery_match is not null)::int as checked,
      count(*) filter (where c.first_delivery_match = 'matched')::int as matched
    from cases c where ${where}`);
  const [items] = await db.execute<Record<string, unknown>>(sql`
    select count(*)::int as child_items,
      count(*) filter (where i.status = 'completed' and i.working_days_to_done <= 5)::int as within
    from cases c join case_items i on i.case_id = c.case_id
    where ${where} and i.concerns = 'child' and i.status not in ('not_applied', 'ineligible')
      and c.status in ('completed', 'partially_completed')`);
  let completeness: number | null = null;
  if (register && register.length > 0) {
    // One statement for the whole register: each delivery looks for a case of the same
    // mother near its birth (cases_delivery_idx) submitted within the registration window.
    const [found] = await db.execute<{ n: number }>(sql`
      select count(*)::int as n
      from unnest(${sql.raw('array[')}${sql.join(register.map((d) => sql`${d.motherHash}`), sql`, `)}${sql.raw(']::text[]')},
                  ${sql.raw('array[')}${sql.join(register.map((d) => sql`${d.bornAt.toISOString()}`), sql`, `)}${sql.raw(']::timestamptz[]')}) as d(mother_hash, born_at)
      where exists (
        select 1 from cases c
        where c.mother_hash = d.mother_hash
          and c.delivery_born_at between d.born_at - make_interval(secs => ${SAME_DELIVERY_MS / 1000}) and d.born_at + make_interval(secs => ${SAME_DELIVERY_MS / 1000})
          and c.submitted_at <= c.registration_deadline)`);
    completeness = ratio(found.n, register.length);
  }
  const cases = Number(row.cases);
  return {
    cases,
    completed: Number(row.completed),
    partiallyCompleted: Number(row.partially_completed),
    withdrawn: Number(row.withdrawn),
    ineligible: Number(row.ineligible),
    medianWorkingDaysToClose: num(row.median_close),
    p90WorkingDaysToClose: num(row.p90_close),
    childItemsWithin5WorkingDays: ratio(Number(items.within), Number(items.child_items)),
    supplementsPerCase: ratio(Number(row.supplements), cases),
    dataQuality: {
      completeness,
      timeliness: ratio(Number(row.timely), Number(row.timed)),
      accuracy: ratio(Number(row.matched), Number(row.checked)),
    },
  };
}
