import { and, asc, desc, eq, exists, gte, inArray, isNotNull, isNull, like, lt, sql, type SQL } from 'drizzle-orm';
import type { Db } from './client';
import { BREACH_CAUSES, type BreachCause } from '../policy/types';
import { caseEvents, caseItems, cases, slaBreaches } from './schema';

// The supervisor's view of the SLAs, read from the projected read model.

/** Breaches of items in the division (a supervisor's scope): the item's row says where it is worked on. */
const breachInDivision = (db: Db, division: string) =>
  exists(
    db
      .select({ one: sql`1` })
      .from(caseItems)
      .where(and(eq(caseItems.caseId, slaBreaches.caseId), eq(caseItems.itemKey, slaBreaches.item), like(caseItems.division, `${division}%`))),
  );

export interface BreachFilter {
  department?: string;
  /** A division-code prefix: breaches of items worked on there. */
  division?: string;
  region?: string;
  open?: boolean;
  cause?: BreachCause;
  from?: Date;
  to?: Date;
}

export async function listBreaches(db: Db, filter: BreachFilter, limit = 1000) {
  const conditions: SQL[] = [];
  if (filter.department) conditions.push(eq(slaBreaches.department, filter.department));
  if (filter.division) conditions.push(breachInDivision(db, filter.division));
  if (filter.region) conditions.push(eq(slaBreaches.region, filter.region));
  if (filter.open === true) conditions.push(isNull(slaBreaches.resolvedAt));
  if (filter.open === false) conditions.push(isNotNull(slaBreaches.resolvedAt));
  if (filter.cause) conditions.push(eq(slaBreaches.cause, filter.cause));
  if (filter.from) conditions.push(gte(slaBreaches.breachedAt, filter.from));
  if (filter.to) conditions.push(lt(slaBreaches.breachedAt, filter.to));
  const rows = await db
    .select()
    .from(slaBreaches)
    .where(conditions.length ? and(...conditions) : undefined)
    .orderBy(desc(slaBreaches.breachedAt), asc(slaBreaches.caseId), asc(slaBreaches.item), asc(slaBreaches.seq))
    .limit(limit);
  return rows.map((b) => ({
    caseId: b.caseId,
    item: b.item,
    department: b.department,
    region: b.region,
    deadline: b.deadline.toISOString(),
    breachedAt: b.breachedAt.toISOString(),
    escalationLevel: b.escalationLevel,
    resolvedAt: b.resolvedAt ? b.resolvedAt.toISOString() : null,
    // Null for breaches of cases started before the clock ran from the hand-off.
    cause: b.cause === null ? null : vocabularyCause(b.cause),
  }));
}

function vocabularyCause(value: string): BreachCause {
  if ((BREACH_CAUSES as readonly string[]).includes(value)) return value as BreachCause;
  throw new Error(`the read model holds an unknown breach cause "${value}"`);
}

export interface SummaryFilter {
  departments: readonly string[];
  division?: string;
  region?: string;
  from?: Date;
  to?: Date;
}

export interface DepartmentSummary {
  department: string;
  decided: number;
  onTime: number;
  breached: number;
  onTimeRate: number | null;
  medianWorkingHoursToDecide: number | null;
}

/** Review periods of an item: from reaching the department (or the applicant's supplement) to the next decision. */
function reviewPeriods(events: { type: string; at: Date }[]): [Date, Date][] {
  const periods: [Date, Date][] = [];
  let start: Date | undefined;
  for (const e of events) {
    if (e.type === 'item_started' || e.type === 'supplement_received') start = e.at;
    else if (e.type === 'item_decided' && start) {
      periods.push([start, e.at]);
      start = undefined;
    }
  }
  return periods;
}

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * Per department, over decisions and breaches in the window:
 * - decided: items whose final decision (approved or rejected) falls in the window;
 * - onTime: those of them with no breach in any of their review periods;
 * - breached: breaches recorded in the window, open or resolved (late items not yet decided count here too);
 * - onTimeRate: onTime / decided (null when nothing was decided);
 * - medianWorkingHoursToDecide: over the decided items, the working time their reviews
 *   took, clock stopped while the applicant had the file (补正).
 */
export async function slaSummary(db: Db, filter: SummaryFilter, workingMs: (from: Date, to: Date) => number): Promise<DepartmentSummary[]> {
  const decidedConditions: SQL[] = [inArray(caseItems.status, ['completed', 'rejected']), isNotNull(caseItems.decidedAt), inArray(caseItems.department, [...filter.departments])];
  if (filter.from) decidedConditions.push(gte(caseItems.decidedAt, filter.from));
  if (filter.to) decidedConditions.push(lt(caseItems.decidedAt, filter.to));
  if (filter.region) decidedConditions.push(eq(cases.region, filter.region));
  if (filter.division) decidedConditions.push(like(caseItems.division, `${filter.division}%`));
  const decided = await db
    .select({
      caseId: caseItems.caseId,
      item: caseItems.item,
      department: caseItems.department,
      breaches: sql<number>`(select count(*)::int from ${slaBreaches} b where b.case_id = ${caseItems.caseId} and b.item = ${caseItems.itemKey})`,
    })
    .from(caseItems)
    .innerJoin(cases, eq(cases.caseId, caseItems.caseId))
    .where(and(...decidedConditions));

  const events = decided.length
    ? await db
        .select({ caseId: caseEvents.caseId, item: caseEvents.item, type: caseEvents.type, at: caseEvents.at })
        .from(caseEvents)
        .where(and(inArray(caseEvents.caseId, [...new Set(decided.map((d) => d.caseId))]), inArray(caseEvents.type, ['item_started', 'supplement_received', 'item_decided'])))
        .orderBy(asc(caseEvents.caseId), asc(caseEvents.seq))
    : [];
  const eventsOf = new Map<string, { type: string; at: Date }[]>();
  for (const e of events) {
    const key = `${e.caseId}/${e.item}`;
    eventsOf.set(key, [...(eventsOf.get(key) ?? []), e]);
  }

  const breachConditions: SQL[] = [inArray(slaBreaches.department, [...filter.departments])];
  if (filter.from) breachConditions.push(gte(slaBreaches.breachedAt, filter.from));
  if (filter.to) breachConditions.push(lt(slaBreaches.breachedAt, filter.to));
  if (filter.region) breachConditions.push(eq(slaBreaches.region, filter.region));
  if (filter.division) breachConditions.push(breachInDivision(db, filter.division));
  const breachCounts = await db
    .select({ department: slaBreaches.department, breached: sql<number>`count(*)::int` })
    .from(slaBreaches)
    .where(and(...breachConditions))
    .groupBy(slaBreaches.department);

  return filter.departments.map((department) => {
    const mine = decided.filter((d) => d.department === department);
    const onTime = mine.filter((d) => d.breaches === 0).length;
    const hours = mine.map((d) => reviewPeriods(eventsOf.get(`${d.caseId}/${d.item}`) ?? []).reduce((sum, [a, b]) => sum + workingMs(a, b), 0) / 3_600_000);
    const med = median(hours);
    return {
      department,
      decided: mine.length,
      onTime,
      breached: breachCounts.find((b) => b.department === department)?.breached ?? 0,
      onTimeRate: mine.length ? Math.round((onTime / mine.length) * 10_000) / 10_000 : null,
      medianWorkingHoursToDecide: med === null ? null : Math.round(med * 100) / 100,
    };
  });
}
