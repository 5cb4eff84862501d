import { and, asc, eq, gte, lt, type SQL } from 'drizzle-orm';
import type { Db } from './client';
import { dataAccesses } from './schema';

// The log of reads of a family's personal data (DESIGN §7 "What a case worker reads").
// A read is recorded before its answer is sent: a read that cannot be recorded is not served.

export const ACCESS_KINDS = ['item_view', 'raw_history', 'codec_decode'] as const;
export type AccessKind = (typeof ACCESS_KINDS)[number];

export interface Access {
  actor: string;
  role: string;
  institution?: string;
  /** Null when the read names no case (a codec decode of payloads that carry none). */
  caseId: string | null;
  itemKey?: string;
  kind: AccessKind;
  sections: readonly string[];
}

export async function recordAccesses(db: Db, accesses: readonly Access[]): Promise<void> {
  if (accesses.length === 0) return;
  await db.insert(dataAccesses).values(
    accesses.map((a) => ({ actor: a.actor, role: a.role, institution: a.institution ?? null, caseId: a.caseId, itemKey: a.itemKey ?? null, kind: a.kind, sections: [...a.sections] })),
  );
}

export interface AccessFilter {
  caseId?: string;
  actor?: string;
  from?: Date;
  to?: Date;
  limit: number;
}

/** Oldest first, as an account is read. */
export async function listAccesses(db: Db, filter: AccessFilter) {
  const conditions: SQL[] = [];
  if (filter.caseId) conditions.push(eq(dataAccesses.caseId, filter.caseId));
  if (filter.actor) conditions.push(eq(dataAccesses.actor, filter.actor));
  if (filter.from) conditions.push(gte(dataAccesses.at, filter.from));
  if (filter.to) conditions.push(lt(dataAccesses.at, filter.to));
  const rows = await db
    .select()
    .from(dataAccesses)
    .where(conditions.length ? and(...conditions) : undefined)
    .orderBy(asc(dataAccesses.at), asc(dataAccesses.id))
    .limit(filter.limit);
  return rows.map((r) => ({
    at: r.at.toISOString(),
    actor: r.actor,
    role: r.role,
    ...(r.institution && { institution: r.institution }),
    caseId: r.caseId,
    ...(r.itemKey && { itemKey: r.itemKey }),
    kind: r.kind as AccessKind,
    sections: r.sections,
  }));
}
