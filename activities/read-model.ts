import { sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import { caseEvents, caseItems, cases, slaBreaches } from '../db/schema';
import type { CaseView } from '../workflows/messages';

export interface CaseEvent {
  seq: number;
  at: string;
  type: string;
  item?: string;
  actor?: string;
  detail?: Record<string, unknown>;
}

export interface Breach {
  item: string;
  seq: number;
  department: string;
  deadline: string;
  breachedAt: string;
  escalationLevel: number;
  resolvedAt?: string;
}

export interface CaseSnapshot {
  revision: number;
  view: CaseView;
  applicantHash: string;
  applicantMasked: string;
  /** Events since the previous projection (the table keeps them all). */
  events: CaseEvent[];
  breaches: Breach[];
}

const date = (iso?: string) => (iso ? new Date(iso) : null);

export function createReadModelActivities({ db }: { db: Db }) {
  return {
    /**
     * Writes the case as the workflow sees it. Idempotent and ordered: a snapshot
     * older than the stored revision (a retry arriving late) changes nothing.
     */
    async projectCase(snapshot: CaseSnapshot): Promise<void> {
      const { view } = snapshot;
      await db.transaction(async (tx) => {
        const caseRow = {
          caseId: view.caseId,
          region: view.region,
          policyVersion: view.policyVersion,
          status: view.status,
          submittedAt: new Date(view.submittedAt),
          closedAt: date(view.closedAt),
          reasons: view.reasons ?? null,
          applicantHash: snapshot.applicantHash,
          applicantMasked: snapshot.applicantMasked,
          revision: snapshot.revision,
          updatedAt: new Date(),
        };
        const written = await tx
          .insert(cases)
          .values(caseRow)
          .onConflictDoUpdate({
            target: cases.caseId,
            set: { ...caseRow, caseId: undefined },
            setWhere: sql`${cases.revision} < ${snapshot.revision}`,
          })
          .returning({ caseId: cases.caseId });
        if (written.length === 0) return;

        const items = view.items.map((it, position) => ({
          caseId: view.caseId,
          item: it.item,
          position,
          department: it.department,
          status: it.status,
          startedAt: date(it.startedAt),
          deadline: date(it.deadline),
          escalationLevel: it.escalationLevel,
          licenceNumber: it.licence?.number ?? null,
          licenceType: it.licence?.type ?? null,
          decidedBy: it.decidedBy ?? null,
          decidedAt: date(it.decidedAt),
          reason: it.reason ?? null,
        }));
        for (const row of items) {
          await tx.insert(caseItems).values(row).onConflictDoUpdate({ target: [caseItems.caseId, caseItems.item], set: { ...row, caseId: undefined, item: undefined } });
        }
        if (snapshot.events.length > 0) {
          await tx
            .insert(caseEvents)
            .values(snapshot.events.map((e) => ({ caseId: view.caseId, seq: e.seq, at: new Date(e.at), type: e.type, item: e.item ?? null, actor: e.actor ?? null, detail: e.detail ?? null })))
            .onConflictDoNothing();
        }
        for (const b of snapshot.breaches) {
          const row = {
            caseId: view.caseId,
            item: b.item,
            seq: b.seq,
            department: b.department,
            region: view.region,
            deadline: new Date(b.deadline),
            breachedAt: new Date(b.breachedAt),
            escalationLevel: b.escalationLevel,
            resolvedAt: date(b.resolvedAt),
          };
          await tx.insert(slaBreaches).values(row).onConflictDoUpdate({ target: [slaBreaches.caseId, slaBreaches.item, slaBreaches.seq], set: { escalationLevel: row.escalationLevel, resolvedAt: row.resolvedAt } });
        }
      });
    },
  };
}
