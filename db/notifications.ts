import { and, desc, eq, type SQL } from 'drizzle-orm';
import type { Db } from './client';
import { notifications } from './schema';

export async function listNotifications(db: Db, filter: { audience: 'applicant' | 'supervisor'; recipientKey?: string; caseId?: string; limit: number }) {
  const conditions: SQL[] = [eq(notifications.audience, filter.audience)];
  if (filter.recipientKey) conditions.push(eq(notifications.recipientKey, filter.recipientKey));
  if (filter.caseId) conditions.push(eq(notifications.caseId, filter.caseId));
  const rows = await db
    .select()
    .from(notifications)
    .where(and(...conditions))
    .orderBy(desc(notifications.createdAt), desc(notifications.id))
    .limit(filter.limit);
  return rows.map((n) => ({
    id: n.id,
    caseId: n.caseId,
    audience: n.audience,
    department: n.department,
    item: n.item,
    template: n.template,
    params: n.params,
    address: n.address,
    createdAt: n.createdAt.toISOString(),
    sentAt: n.sentAt ? n.sentAt.toISOString() : null,
  }));
}
