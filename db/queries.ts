import { and, asc, count, desc, eq, type SQL } from 'drizzle-orm';
import type { CaseView, ItemView } from '../workflows/messages';
import type { CaseStatus, Department, ItemCode, ItemStatus } from '../policy/types';
import type { Db } from './client';
import { caseItems, cases, licences } from './schema';

const iso = (d: Date | null) => (d ? d.toISOString() : undefined);

export interface StoredCase {
  view: CaseView;
  applicantHash: string;
}

export async function findCase(db: Db, caseId: string): Promise<StoredCase | undefined> {
  const [row] = await db.select().from(cases).where(eq(cases.caseId, caseId));
  if (!row) return undefined;
  const items = await db.select().from(caseItems).where(eq(caseItems.caseId, caseId)).orderBy(asc(caseItems.position));
  // The licence in force comes from the store: a reissue (换发/补发) happens outside the case.
  const inForce = new Map(
    (await db.select({ item: licences.item, number: licences.number }).from(licences).where(and(eq(licences.caseId, caseId), eq(licences.status, 'valid')))).map((l) => [l.item, l.number]),
  );
  const view: CaseView = {
    caseId: row.caseId,
    region: row.region,
    policyVersion: row.policyVersion,
    status: row.status as CaseStatus,
    submittedAt: row.submittedAt.toISOString(),
    ...(row.closedAt && { closedAt: row.closedAt.toISOString() }),
    ...(row.reasons && { reasons: row.reasons }),
    items: items.map((it): ItemView => {
      const item: ItemView = { item: it.item as ItemCode, department: it.department as Department, status: it.status as ItemStatus, escalationLevel: it.escalationLevel };
      if (it.startedAt) item.startedAt = iso(it.startedAt);
      if (it.deadline) item.deadline = iso(it.deadline);
      if (it.licenceNumber) item.licence = { number: inForce.get(it.item) ?? it.licenceNumber, type: it.licenceType ?? '' };
      if (it.decidedBy) item.decidedBy = it.decidedBy;
      if (it.decidedAt) item.decidedAt = iso(it.decidedAt);
      if (it.reason) item.reason = it.reason;
      return item;
    }),
  };
  return { view, applicantHash: row.applicantHash };
}

export async function listCases(db: Db, filter: { status?: string; region?: string; page: number; pageSize: number }) {
  const conditions: SQL[] = [];
  if (filter.status) conditions.push(eq(cases.status, filter.status));
  if (filter.region) conditions.push(eq(cases.region, filter.region));
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

/** A department's inbox: its items waiting for a decision, most urgent first. */
export async function listTasks(db: Db, department: Department) {
  const rows = await db
    .select({ caseId: caseItems.caseId, item: caseItems.item, department: caseItems.department, status: caseItems.status, deadline: caseItems.deadline, escalationLevel: caseItems.escalationLevel })
    .from(caseItems)
    .where(and(eq(caseItems.department, department), eq(caseItems.status, 'in_review')))
    .orderBy(asc(caseItems.deadline), asc(caseItems.caseId));
  return rows.map((r) => ({ ...r, deadline: iso(r.deadline) ?? null }));
}
