import { and, asc, between, desc, eq, exists, isNull, like, ne, sql, type SQL } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import type { CaseView, ItemView } from '../workflows/messages';
import { CASE_STATUSES, DEPARTMENTS, ITEM_CODES, ITEM_STATUSES, type Department } from '../policy/types';
import { preparedOnce, retryRead, type Db } from './client';
import { encodeCursor, boundedCount, rowAfter } from './pagination';
import { caseCounts, caseItems, cases, licences } from './schema';

const iso = (d: Date | null) => (d ? d.toISOString() : undefined);

/** Reads a text column as one of the vocabulary's values; a value the code does not know is a bug to hear of, not to pass on. */
function vocabulary<T extends string>(values: readonly T[], value: string, what: string): T {
  if ((values as readonly string[]).includes(value)) return value as T;
  throw new Error(`the read model holds an unknown ${what} "${value}"`);
}

export interface StoredCase {
  view: CaseView;
  applicantHash: string;
  /** Each item's 6-digit division, where known (supervisors scoped to a division). */
  divisions: Partial<Record<string, string>>;
}

/** Reads retry on a dropped connection (db/client.ts retryRead): a cut connection is no reason for a 500. */
export function findCase(db: Db, caseId: string): Promise<StoredCase | undefined> {
  return retryRead(() => readCase(db, caseId));
}

/** The case view's four reads, each by the case ID alone. */
const caseReads = preparedOnce((db) => {
  const caseId = sql.placeholder('caseId');
  return {
    row: db.select().from(cases).where(eq(cases.caseId, caseId)).prepare('case_view_case'),
    items: db.select().from(caseItems).where(eq(caseItems.caseId, caseId)).orderBy(asc(caseItems.position)).prepare('case_view_items'),
    // The licence in force comes from the store: a reissue (换发/补发) happens outside the case.
    licences: db.select({ item: licences.item, number: licences.number }).from(licences).where(and(eq(licences.caseId, caseId), eq(licences.status, 'valid'))).prepare('case_view_licences'),
    attempts: attemptsOfCaseQuery(db, caseId).prepare('case_view_attempts'),
  };
});

async function readCase(db: Db, caseId: string): Promise<StoredCase | undefined> {
  const reads = caseReads(db);
  // Side by side: one round trip's wait, not four.
  const [[row], items, valid, attempts] = await Promise.all([
    reads.row.execute({ caseId }),
    reads.items.execute({ caseId }),
    reads.licences.execute({ caseId }),
    reads.attempts.execute({ caseId }).then((rows) => rows.map((r) => r.caseId)),
  ]);
  if (!row) return undefined;
  const inForce = new Map(valid.map((l) => [l.item, l.number]));
  const view: CaseView = {
    caseId: row.caseId,
    region: row.region,
    policyVersion: row.policyVersion,
    status: vocabulary(CASE_STATUSES, row.status, 'case status'),
    submittedAt: row.submittedAt.toISOString(),
    ...(row.closedAt && { closedAt: row.closedAt.toISOString() }),
    ...(row.reasons && { reasons: row.reasons }),
    items: items.map((it): ItemView => {
      const item: ItemView = {
        key: it.itemKey,
        item: vocabulary(ITEM_CODES, it.item, 'item'),
        ...(it.child !== null && { child: it.child }),
        department: vocabulary(DEPARTMENTS, it.department, 'department'),
        status: vocabulary(ITEM_STATUSES, it.status, 'item status'),
        escalationLevel: it.escalationLevel,
      };
      if (it.institution) item.institution = it.institution;
      if (it.assignee) item.assignee = it.assignee;
      if (it.startedAt) item.startedAt = iso(it.startedAt);
      if (it.deadline) item.deadline = iso(it.deadline);
      if (it.licenceNumber) item.licence = { number: inForce.get(it.itemKey) ?? it.licenceNumber, type: it.licenceType ?? '' };
      if (it.decidedBy) item.decidedBy = it.decidedBy;
      if (it.decidedAt) item.decidedAt = iso(it.decidedAt);
      if (it.reason) item.reason = it.reason;
      if (it.reasons) item.reasons = it.reasons;
      return item;
    }),
    // Only where there is more than one: a case alone for its delivery looks as it always did.
    ...(attempts.length > 1 && { attempts }),
  };
  return { view, applicantHash: row.applicantHash, divisions: Object.fromEntries(items.flatMap((it) => (it.division ? [[it.itemKey, it.division]] : []))) };
}

/** Births of one mother this close together are one delivery (DESIGN §7 "Births and attempts"). */
export const SAME_DELIVERY_MS = 48 * 3_600_000;

const caseStatus = preparedOnce((db) => db.select({ status: cases.status }).from(cases).where(eq(cases.caseId, sql.placeholder('caseId'))).prepare('case_status'));

/** A case's status alone, or undefined when the read model does not have it. */
export function statusOfCase(db: Db, caseId: string): Promise<CaseView['status'] | undefined> {
  return retryRead(async () => {
    const [row] = await caseStatus(db).execute({ caseId });
    return row && vocabulary(CASE_STATUSES, row.status, 'case status');
  });
}

/** The cases of the same delivery as this one (itself included), oldest attempt first, as `casesOfDelivery` finds them. */
function attemptsOfCaseQuery(db: Db, caseId: ReturnType<typeof sql.placeholder>) {
  const self = alias(cases, 'self');
  const window = sql`${SAME_DELIVERY_MS} * interval '1 millisecond'`;
  return db
    .select({ caseId: cases.caseId })
    .from(self)
    .innerJoin(cases, and(eq(cases.motherHash, self.motherHash), sql`${cases.deliveryBornAt} between ${self.deliveryBornAt} - ${window} and ${self.deliveryBornAt} + ${window}`))
    .where(eq(self.caseId, caseId))
    .orderBy(asc(cases.attempt), asc(cases.submittedAt))
    .limit(100);
}

/** Every case of the mother's delivery around `bornAt` (its earliest birth), oldest attempt first: one index range (cases_delivery_idx). */
export async function casesOfDelivery(db: Db, motherHash: string, bornAt: Date) {
  // As text: a placeholder's value reaches the driver as it is, past the column's own encoding.
  const at = (ms: number) => new Date(ms).toISOString();
  return deliveryCases(db).execute({ motherHash, from: at(bornAt.getTime() - SAME_DELIVERY_MS), to: at(bornAt.getTime() + SAME_DELIVERY_MS) });
}
const deliveryCases = preparedOnce((db) =>
  db
    .select({ caseId: cases.caseId, status: cases.status, attempt: cases.attempt, deliveryBornAt: cases.deliveryBornAt })
    .from(cases)
    .where(and(eq(cases.motherHash, sql.placeholder('motherHash')), between(cases.deliveryBornAt, sql.placeholder('from'), sql.placeholder('to'))))
    .orderBy(asc(cases.attempt), asc(cases.submittedAt))
    .limit(100)
    .prepare('cases_of_delivery'),
);

/** What narrows a supervisor's view: a department, and a division-code prefix (province, city, county). */
export interface Scope {
  department?: string;
  division?: string;
}

/** `like` pattern of a division prefix; the prefix is digits only (checked at the token), so nothing to escape. */
const under = (division: string) => `${division}%`;

/** Items of the scope: of its department, in its division. */
function itemInScope(scope: Scope): SQL | undefined {
  // Only items the case asked for: a case with no part for the department is none of its business.
  const conditions: SQL[] = [ne(caseItems.status, 'not_applied')];
  if (scope.department) conditions.push(eq(caseItems.department, scope.department));
  if (scope.division) conditions.push(like(caseItems.division, under(scope.division)));
  return conditions.length > 1 ? and(...conditions) : undefined;
}

export interface CaseListFilter {
  status?: string;
  region?: string;
  limit: number;
  /** 1-based; skips (page − 1) × limit rows when no cursor is given. */
  page: number;
  /** The sort key of the previous page's last row. */
  after?: CaseCursor;
  scope?: Scope;
}
export type CaseCursor = readonly [submittedAt: Date, caseId: string];

/** Cases with at least one item in the scope, when the caller has one; newest first, a page at a time. */
export function listCases(db: Db, filter: CaseListFilter) {
  return retryRead(() => readCases(db, filter));
}

async function readCases(db: Db, filter: CaseListFilter) {
  if (filter.scope?.division?.length === 6) return readCountyCases(db, filter, filter.scope.division);
  const conditions: SQL[] = [];
  if (filter.status) conditions.push(eq(cases.status, filter.status));
  if (filter.region) conditions.push(eq(cases.region, filter.region));
  const scoped = filter.scope && itemInScope(filter.scope);
  if (scoped) conditions.push(exists(db.select({ one: sql`1` }).from(caseItems).where(and(eq(caseItems.caseId, cases.caseId), scoped))));
  const where = conditions.length ? and(...conditions) : undefined;
  const page = filter.after ? [...conditions, rowAfter([sql`${cases.submittedAt}`, sql`${cases.caseId}`], [sql`${filter.after[0].toISOString()}::timestamptz`, sql`${filter.after[1]}`], 'desc')] : conditions;
  const rows = await db
    .select({ caseId: cases.caseId, region: cases.region, policyVersion: cases.policyVersion, status: cases.status, submittedAt: cases.submittedAt, closedAt: cases.closedAt })
    .from(cases)
    .where(page.length ? and(...page) : undefined)
    .orderBy(desc(cases.submittedAt), desc(cases.caseId))
    .limit(filter.limit + 1)
    .offset(filter.after ? 0 : (filter.page - 1) * filter.limit);
  const more = rows.length > filter.limit;
  const shown = rows.slice(0, filter.limit);
  const last = shown.at(-1);
  return {
    cases: shown.map((r) => ({ ...r, submittedAt: r.submittedAt.toISOString(), closedAt: iso(r.closedAt) })),
    ...(more && last && { nextCursor: encodeCursor([last.submittedAt, last.caseId]) }),
    ...(await caseTotal(db, filter, where, Boolean(scoped))),
  };
}

/**
 * A county supervisor's cases: few among many, so they are found from the county's items
 * (which carry the case's submission time), not by walking every case. A case with several
 * items there shows once.
 */
async function readCountyCases(db: Db, filter: CaseListFilter, division: string) {
  const conditions: SQL[] = [eq(caseItems.division, division), sql`${caseItems.status} <> 'not_applied'`];
  if (filter.scope?.department) conditions.push(eq(caseItems.department, filter.scope.department));
  if (filter.status) conditions.push(eq(cases.status, filter.status));
  if (filter.region) conditions.push(eq(cases.region, filter.region));
  const filtered = Boolean(filter.status || filter.region);
  // In index order, so that counting up to the bound streams through the index; the cases only when they filter.
  const matching = (filtered ? db.selectDistinct({ caseId: caseItems.caseId, submittedAt: caseItems.submittedAt }).from(caseItems).innerJoin(cases, eq(cases.caseId, caseItems.caseId)) : db.selectDistinct({ caseId: caseItems.caseId, submittedAt: caseItems.submittedAt }).from(caseItems))
    .where(and(...conditions))
    .orderBy(desc(caseItems.submittedAt), desc(caseItems.caseId));
  if (filter.after) conditions.push(rowAfter([sql`${caseItems.submittedAt}`, sql`${caseItems.caseId}`], [sql`${filter.after[0].toISOString()}::timestamptz`, sql`${filter.after[1]}`], 'desc'));
  const page = db
    .selectDistinct({ caseId: caseItems.caseId, submittedAt: caseItems.submittedAt })
    .from(caseItems)
    .innerJoin(cases, eq(cases.caseId, caseItems.caseId))
    .where(and(...conditions))
    .orderBy(desc(caseItems.submittedAt), desc(caseItems.caseId))
    .limit(filter.limit + 1)
    .offset(filter.after ? 0 : (filter.page - 1) * filter.limit)
    .as('page');
  const rows = await db
    .select({ caseId: cases.caseId, region: cases.region, policyVersion: cases.policyVersion, status: cases.status, submittedAt: cases.submittedAt, closedAt: cases.closedAt })
    .from(page)
    .innerJoin(cases, eq(cases.caseId, page.caseId))
    .orderBy(desc(cases.submittedAt), desc(cases.caseId));
  const more = rows.length > filter.limit;
  const shown = rows.slice(0, filter.limit);
  const last = shown.at(-1);
  return {
    cases: shown.map((r) => ({ ...r, submittedAt: r.submittedAt.toISOString(), closedAt: iso(r.closedAt) })),
    ...(more && last && { nextCursor: encodeCursor([last.submittedAt, last.caseId]) }),
    ...(await boundedCount(db, matching)),
  };
}

/** Exact from the maintained counts when only status and region filter; else bounded (db/pagination.ts). */
async function caseTotal(db: Db, filter: CaseListFilter, where: SQL | undefined, scoped: boolean) {
  if (!scoped) {
    const conditions: SQL[] = [];
    if (filter.status) conditions.push(eq(caseCounts.status, filter.status));
    if (filter.region) conditions.push(eq(caseCounts.region, filter.region));
    const [{ total }] = await db
      .select({ total: sql<number>`coalesce(sum(${caseCounts.n}), 0)::bigint` })
      .from(caseCounts)
      .where(conditions.length ? and(...conditions) : undefined);
    return { total: Number(total), totalIsEstimate: false };
  }
  return boundedCount(db, db.select({ one: sql`1` }).from(cases).where(where));
}

export interface TaskFilter {
  department: Department;
  institution: string;
  /** `me`: held by this `sub`; `unassigned`: held by nobody; absent: all. */
  assignee?: { me: string } | 'unassigned';
  limit: number;
  /** The sort key of the previous page's last row. */
  after?: TaskCursor;
}
export type TaskCursor = readonly [deadline: Date | null, caseId: string, position: number];

/** No deadline sorts last; the same expression as the inbox indexes (case_items_review_queue_idx, case_items_review_assignee_idx). */
const dueBy = sql`coalesce(${caseItems.deadline}, 'infinity'::timestamptz)`;

/** An institution's inbox: its items waiting for a decision, most urgent first, a page at a time. */
export function listTasks(db: Db, filter: TaskFilter) {
  return retryRead(() => readTasks(db, filter));
}

async function readTasks(db: Db, filter: TaskFilter) {
  // The status as a literal: the partial index's predicate must be provable from the query, also in a generic plan.
  const conditions: SQL[] = [eq(caseItems.institution, filter.institution), eq(caseItems.department, filter.department), sql`${caseItems.status} = 'in_review'`];
  if (filter.assignee === 'unassigned') conditions.push(isNull(caseItems.assignee));
  else if (filter.assignee) conditions.push(eq(caseItems.assignee, filter.assignee.me));
  if (filter.after) {
    const [deadline, caseId, position] = filter.after;
    conditions.push(rowAfter([dueBy, sql`${caseItems.caseId}`, sql`${caseItems.position}`], [deadline ? sql`${deadline.toISOString()}::timestamptz` : sql`'infinity'::timestamptz`, sql`${caseId}`, sql`${position}::int`], 'asc'));
  }
  const rows = await db
    .select({
      caseId: caseItems.caseId,
      key: caseItems.itemKey,
      item: caseItems.item,
      position: caseItems.position,
      department: caseItems.department,
      institution: caseItems.institution,
      status: caseItems.status,
      assignee: caseItems.assignee,
      deadline: caseItems.deadline,
      escalationLevel: caseItems.escalationLevel,
    })
    .from(caseItems)
    .where(and(...conditions))
    .orderBy(asc(dueBy), asc(caseItems.caseId), asc(caseItems.position))
    .limit(filter.limit + 1);
  const shown = rows.slice(0, filter.limit);
  const last = shown.at(-1);
  return {
    tasks: shown.map(({ assignee, position: _p, ...r }) => ({
      ...r,
      institution: r.institution ?? filter.institution,
      ...(assignee && { assignee }),
      deadline: iso(r.deadline) ?? null,
    })),
    ...(rows.length > filter.limit && last && { nextCursor: encodeCursor([last.deadline, last.caseId, last.position]) }),
  };
}
