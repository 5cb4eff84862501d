import { and, asc, between, count, desc, eq, exists, isNull, like, ne, sql, type SQL } from 'drizzle-orm';
import type { CaseView, ItemView } from '../workflows/messages';
import { CASE_STATUSES, DEPARTMENTS, ITEM_CODES, ITEM_STATUSES, type Department } from '../policy/types';
import { retryRead, type Db } from './client';
import { caseItems, cases, licences } from './schema';

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

async function readCase(db: Db, caseId: string): Promise<StoredCase | undefined> {
  const [row] = await db.select().from(cases).where(eq(cases.caseId, caseId));
  if (!row) return undefined;
  const items = await db.select().from(caseItems).where(eq(caseItems.caseId, caseId)).orderBy(asc(caseItems.position));
  // The licence in force comes from the store: a reissue (换发/补发) happens outside the case.
  const inForce = new Map(
    (await db.select({ item: licences.item, number: licences.number }).from(licences).where(and(eq(licences.caseId, caseId), eq(licences.status, 'valid')))).map((l) => [l.item, l.number]),
  );
  const attempts = row.motherHash && row.deliveryBornAt ? (await casesOfDelivery(db, row.motherHash, row.deliveryBornAt)).map((c) => c.caseId) : [];
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

/** Every case of the mother's delivery around `bornAt` (its earliest birth), oldest attempt first: one index range (cases_delivery_idx). */
export async function casesOfDelivery(db: Db, motherHash: string, bornAt: Date) {
  return db
    .select({ caseId: cases.caseId, status: cases.status, attempt: cases.attempt, deliveryBornAt: cases.deliveryBornAt })
    .from(cases)
    .where(and(eq(cases.motherHash, motherHash), between(cases.deliveryBornAt, new Date(bornAt.getTime() - SAME_DELIVERY_MS), new Date(bornAt.getTime() + SAME_DELIVERY_MS))))
    .orderBy(asc(cases.attempt), asc(cases.submittedAt))
    .limit(100);
}

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

/** Cases with at least one item in the scope, when the caller has one. */
export function listCases(db: Db, filter: { status?: string; region?: string; page: number; pageSize: number; scope?: Scope }) {
  return retryRead(() => readCases(db, filter));
}

async function readCases(db: Db, filter: { status?: string; region?: string; page: number; pageSize: number; scope?: Scope }) {
  const conditions: SQL[] = [];
  if (filter.status) conditions.push(eq(cases.status, filter.status));
  if (filter.region) conditions.push(eq(cases.region, filter.region));
  const scoped = filter.scope && itemInScope(filter.scope);
  if (scoped) conditions.push(exists(db.select({ one: sql`1` }).from(caseItems).where(and(eq(caseItems.caseId, cases.caseId), scoped))));
  const where = conditions.length ? and(...conditions) : undefined;
  const [{ total }] = await db.select({ total: count() }).from(cases).where(where);
  const rows = await db
    .select({ caseId: cases.caseId, region: cases.region, policyVersion: cases.policyVersion, status: cases.status, submittedAt: cases.submittedAt, closedAt: cases.closedAt })
    .from(cases)
    .where(where)
    .orderBy(desc(cases.submittedAt), asc(cases.caseId))
    .limit(filter.pageSize)
    .offset((filter.page - 1) * filter.pageSize);
  return {
    cases: rows.map((r) => ({ ...r, submittedAt: r.submittedAt.toISOString(), closedAt: iso(r.closedAt) })),
    total,
  };
}

export interface TaskFilter {
  department: Department;
  institution: string;
  /** `me`: held by this `sub`; `unassigned`: held by nobody; absent: all. */
  assignee?: { me: string } | 'unassigned';
}

/** An institution's inbox: its items waiting for a decision, most urgent first. */
export function listTasks(db: Db, filter: TaskFilter) {
  return retryRead(() => readTasks(db, filter));
}

async function readTasks(db: Db, filter: TaskFilter) {
  const conditions: SQL[] = [eq(caseItems.institution, filter.institution), eq(caseItems.department, filter.department), eq(caseItems.status, 'in_review')];
  if (filter.assignee === 'unassigned') conditions.push(isNull(caseItems.assignee));
  else if (filter.assignee) conditions.push(eq(caseItems.assignee, filter.assignee.me));
  const rows = await db
    .select({
      caseId: caseItems.caseId,
      key: caseItems.itemKey,
      item: caseItems.item,
      department: caseItems.department,
      institution: caseItems.institution,
      status: caseItems.status,
      assignee: caseItems.assignee,
      deadline: caseItems.deadline,
      escalationLevel: caseItems.escalationLevel,
    })
    .from(caseItems)
    .where(and(...conditions))
    .orderBy(sql`${caseItems.deadline} asc nulls last`, asc(caseItems.caseId), asc(caseItems.position));
  return rows.map(({ assignee, ...r }) => ({
    ...r,
    institution: r.institution ?? filter.institution,
    ...(assignee && { assignee }),
    deadline: iso(r.deadline) ?? null,
  }));
}
