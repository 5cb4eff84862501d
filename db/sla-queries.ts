import { and, asc, desc, eq, exists, gte, inArray, isNotNull, like, lt, sql, type SQL } from 'drizzle-orm';
import type { Db } from './client';
import { BREACH_CAUSES, type BreachCause, type Department } from '../policy/types';
import { encodeCursor, rowAfter } from './pagination';
import { caseEvents, caseItems, cases, slaBreaches, slaDaily } from './schema';

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

export type BreachCursor = readonly [breachedAt: Date, caseId: string, item: string, seq: number];

/** Newest first, a page at a time: `limit` rows after the cursor, and the cursor of the next page when there is one. */
export async function listBreaches(db: Db, filter: BreachFilter, page: { limit: number; after?: BreachCursor }) {
  const conditions: SQL[] = [];
  if (filter.department) conditions.push(eq(slaBreaches.department, filter.department));
  if (filter.division) conditions.push(breachInDivision(db, filter.division));
  if (filter.region) conditions.push(eq(slaBreaches.region, filter.region));
  // Literal predicates: the open breaches' partial index must be provable from the query.
  if (filter.open === true) conditions.push(sql`${slaBreaches.resolvedAt} is null`);
  if (filter.open === false) conditions.push(isNotNull(slaBreaches.resolvedAt));
  if (filter.cause) conditions.push(eq(slaBreaches.cause, filter.cause));
  if (filter.from) conditions.push(gte(slaBreaches.breachedAt, filter.from));
  if (filter.to) conditions.push(lt(slaBreaches.breachedAt, filter.to));
  if (page.after) {
    const [breachedAt, caseId, item, seq] = page.after;
    conditions.push(rowAfter([sql`${slaBreaches.breachedAt}`, sql`${slaBreaches.caseId}`, sql`${slaBreaches.item}`, sql`${slaBreaches.seq}`], [sql`${breachedAt.toISOString()}::timestamptz`, sql`${caseId}`, sql`${item}`, sql`${seq}::int`], 'desc'));
  }
  const rows = await db
    .select()
    .from(slaBreaches)
    .where(conditions.length ? and(...conditions) : undefined)
    .orderBy(desc(slaBreaches.breachedAt), desc(slaBreaches.caseId), desc(slaBreaches.item), desc(slaBreaches.seq))
    .limit(page.limit + 1);
  const shown = rows.slice(0, page.limit);
  const last = shown.at(-1);
  return {
    breaches: shown.map((b) => ({
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
    })),
    ...(rows.length > page.limit && last && { nextCursor: encodeCursor([last.breachedAt, last.caseId, last.item, last.seq]) }),
  };
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

const DAY_MS = 86_400_000;
/** Asia/Shanghai has had no daylight saving since 1991: its midnights are UTC 16:00. */
const SHANGHAI_MS = 8 * 3_600_000;
const shanghaiMidnightAtOrAfter = (t: Date) => new Date(Math.ceil((t.getTime() + SHANGHAI_MS) / DAY_MS) * DAY_MS - SHANGHAI_MS);
const shanghaiMidnightAtOrBefore = (t: Date) => new Date(Math.floor((t.getTime() + SHANGHAI_MS) / DAY_MS) * DAY_MS - SHANGHAI_MS);
const shanghaiDay = (midnight: Date) => new Date(midnight.getTime() + SHANGHAI_MS).toISOString().slice(0, 10);

/** Decided items whose median is worked out from their events; a larger window answers null rather than read them all. */
export const MEDIAN_UP_TO = 2000;

type Counts = { department: string; decided: number; onTime: number; breached: number };

/** Whole Asia/Shanghai days from the maintained aggregate: at most one row per department and day. */
async function countDays(db: Db, filter: SummaryFilter, from?: Date, to?: Date): Promise<Counts[]> {
  const conditions: SQL[] = [
    inArray(slaDaily.department, [...filter.departments]),
    eq(slaDaily.region, filter.region ?? ''),
    eq(slaDaily.division, filter.division ?? ''),
  ];
  if (from) conditions.push(gte(slaDaily.day, shanghaiDay(from)));
  if (to) conditions.push(lt(slaDaily.day, shanghaiDay(to)));
  return db
    .select({ department: slaDaily.department, decided: sql<number>`sum(${slaDaily.decided})::int`, onTime: sql<number>`sum(${slaDaily.onTime})::int`, breached: sql<number>`sum(${slaDaily.breached})::int` })
    .from(slaDaily)
    .where(and(...conditions))
    .groupBy(slaDaily.department);
}

function decidedConditions(filter: SummaryFilter, from?: Date, to?: Date): SQL[] {
  // Literal statuses: the partial index (case_items_decided_idx) must be provable from the query.
  const conditions: SQL[] = [sql`${caseItems.status} in ('completed', 'rejected')`, isNotNull(caseItems.decidedAt), inArray(caseItems.department, [...filter.departments])];
  if (from) conditions.push(gte(caseItems.decidedAt, from));
  if (to) conditions.push(lt(caseItems.decidedAt, to));
  if (filter.region) conditions.push(eq(cases.region, filter.region));
  if (filter.division) conditions.push(like(caseItems.division, `${filter.division}%`));
  return conditions;
}

/** Part of a day (the window's ends, when they are instants) from the rows themselves: at most a day of decisions and breaches. */
async function countRange(db: Db, filter: SummaryFilter, from?: Date, to?: Date): Promise<Counts[]> {
  const decided = await db
    .select({
      department: caseItems.department,
      decided: sql<number>`count(*)::int`,
      onTime: sql<number>`count(*) filter (where not exists (select 1 from ${slaBreaches} b where b.case_id = ${caseItems.caseId} and b.item = ${caseItems.itemKey}))::int`,
    })
    .from(caseItems)
    .innerJoin(cases, eq(cases.caseId, caseItems.caseId))
    .where(and(...decidedConditions(filter, from, to)))
    .groupBy(caseItems.department);
  const breachConditions: SQL[] = [inArray(slaBreaches.department, [...filter.departments])];
  if (from) breachConditions.push(gte(slaBreaches.breachedAt, from));
  if (to) breachConditions.push(lt(slaBreaches.breachedAt, to));
  if (filter.region) breachConditions.push(eq(slaBreaches.region, filter.region));
  if (filter.division) breachConditions.push(breachInDivision(db, filter.division));
  const breached = await db
    .select({ department: slaBreaches.department, breached: sql<number>`count(*)::int` })
    .from(slaBreaches)
    .where(and(...breachConditions))
    .groupBy(slaBreaches.department);
  return filter.departments.map((department) => ({
    department,
    decided: decided.find((d) => d.department === department)?.decided ?? 0,
    onTime: decided.find((d) => d.department === department)?.onTime ?? 0,
    breached: breached.find((b) => b.department === department)?.breached ?? 0,
  }));
}

/** Median working hours per department over the decided items of the window (when they are few enough). */
async function medianHours(db: Db, filter: SummaryFilter, workingMs: (from: Date, to: Date) => number): Promise<Map<string, number | null>> {
  const events = await db
    .select({ caseId: caseItems.caseId, item: caseItems.itemKey, department: caseItems.department, type: caseEvents.type, at: caseEvents.at })
    .from(caseItems)
    .innerJoin(cases, eq(cases.caseId, caseItems.caseId))
    .innerJoin(caseEvents, and(eq(caseEvents.caseId, caseItems.caseId), eq(caseEvents.item, caseItems.itemKey), inArray(caseEvents.type, ['item_started', 'supplement_received', 'item_decided'])))
    .where(and(...decidedConditions(filter, filter.from, filter.to)))
    .orderBy(asc(caseItems.caseId), asc(caseItems.itemKey), asc(caseEvents.seq));
  const eventsOf = new Map<string, { department: string; events: { type: string; at: Date }[] }>();
  for (const e of events) {
    const key = `${e.caseId}/${e.item}`;
    const entry = eventsOf.get(key) ?? { department: e.department, events: [] };
    entry.events.push(e);
    eventsOf.set(key, entry);
  }
  const hours = new Map<string, number[]>();
  for (const { department, events: mine } of eventsOf.values()) {
    hours.set(department, [...(hours.get(department) ?? []), reviewPeriods(mine).reduce((sum, [a, b]) => sum + workingMs(a, b), 0) / 3_600_000]);
  }
  return new Map(filter.departments.map((d) => [d, median(hours.get(d) ?? [])]));
}

/**
 * Per department, over decisions and breaches in the window:
 * - decided: items whose final decision (approved or rejected) falls in the window;
 * - onTime: those of them with no breach in any of their review periods;
 * - breached: breaches recorded in the window, open or resolved (late items not yet decided count here too);
 * - onTimeRate: onTime / decided (null when nothing was decided);
 * - medianWorkingHoursToDecide: over the decided items, the working time their reviews
 *   took, clock stopped while the applicant had the file (补正); null when more than
 *   MEDIAN_UP_TO items were decided in the window (the figures above stay exact).
 * Whole Asia/Shanghai days come from the aggregate `sla_daily`, which the projection keeps
 * in its own transaction; the part of a day at either end of a window given as instants
 * is counted from the rows (at most a day's worth, through an index).
 */
export async function slaSummary(db: Db, filter: SummaryFilter, workingMs: (from: Date, to: Date) => number): Promise<DepartmentSummary[]> {
  const dayFrom = filter.from && shanghaiMidnightAtOrAfter(filter.from);
  const dayTo = filter.to && shanghaiMidnightAtOrBefore(filter.to);
  const parts: Promise<Counts[]>[] = [];
  if (dayFrom && dayTo && dayFrom >= dayTo) {
    parts.push(countRange(db, filter, filter.from, filter.to));
  } else {
    parts.push(countDays(db, filter, dayFrom, dayTo));
    if (filter.from && dayFrom && filter.from < dayFrom) parts.push(countRange(db, filter, filter.from, dayFrom));
    if (filter.to && dayTo && dayTo < filter.to) parts.push(countRange(db, filter, dayTo, filter.to));
  }
  const counted = (await Promise.all(parts)).flat();
  const totals = filter.departments.map((department) => {
    const mine = counted.filter((c) => c.department === department);
    const sum = (k: 'decided' | 'onTime' | 'breached') => mine.reduce((n, c) => n + c[k], 0);
    return { department, decided: sum('decided'), onTime: sum('onTime'), breached: sum('breached') };
  });
  const medians = totals.reduce((n, t) => n + t.decided, 0) <= MEDIAN_UP_TO ? await medianHours(db, filter, workingMs) : new Map<string, number | null>();
  return totals.map(({ department, decided, onTime, breached }) => {
    const med = medians.get(department) ?? null;
    return {
      department,
      decided,
      onTime,
      breached,
      onTimeRate: decided ? Math.round((onTime / decided) * 10_000) / 10_000 : null,
      medianWorkingHoursToDecide: med === null ? null : Math.round(med * 100) / 100,
    };
  });
}

/** Items a store refused for their data (issue 12 §1): what a supervisor must look at, oldest case first. */
export async function listNeedsAttention(db: Db, filter: { departments: Department[]; division?: string }) {
  const rows = await db
    .select({ caseId: caseItems.caseId, item: caseItems.item, department: caseItems.department, institution: caseItems.institution, reason: caseItems.reason, submittedAt: cases.submittedAt })
    .from(caseItems)
    .innerJoin(cases, eq(cases.caseId, caseItems.caseId))
    .where(
      and(
        eq(caseItems.status, 'needs_attention'),
        inArray(caseItems.department, filter.departments),
        filter.division ? like(caseItems.division, `${filter.division}%`) : undefined,
      ),
    )
    .orderBy(asc(cases.submittedAt), asc(caseItems.caseId))
    .limit(500);
  return rows.map((r) => ({ ...r, reason: r.reason ?? 'DATA_REFUSED', submittedAt: r.submittedAt.toISOString() }));
}
