import { and, eq, getTableColumns, lt, sql } from 'drizzle-orm';
import type { PgTable } from 'drizzle-orm/pg-core';
import { log } from '@temporalio/activity';
import type { Db } from '../db/client';
import { caseEvents, caseItems, cases, slaBreaches } from '../db/schema';
import type { BreachCause, CaseStatus, ItemConcerns, Reason } from '../policy/types';
import { currentCalendar, workingMsBetween } from '../domain/calendar';
import type { CaseEventRecord } from '../workflows/case-events';
import { parseCurrentRecord, type RecordedEvent } from '../workflows/case-events-reader';
import type { CaseDelivery, CaseView, ItemView } from '../workflows/messages';

export interface Breach {
  item: string;
  seq: number;
  department: string;
  deadline: string;
  breachedAt: string;
  escalationLevel: number;
  resolvedAt?: string;
  /** Absent in cases started before the clock ran from the hand-off. */
  cause?: BreachCause;
}

/** What may change about a case itself. */
export interface CaseState {
  status: CaseStatus;
  closedAt?: string;
  reasons?: Reason[];
}

/** The whole case row: what the first projection of a case writes. */
export interface CaseRow extends CaseState {
  region: string;
  policyVersion: string;
  submittedAt: string;
  applicantHash: string;
  applicantMasked: string;
  /** The delivery and attempt (absent in cases submitted before). */
  delivery?: CaseDelivery;
}

export interface ItemRow extends ItemView {
  /** Whose the item is (absent in rows of projections scheduled before). */
  concerns?: ItemConcerns;
  /** Place of the item in its pack, for listing in pack order. */
  position: number;
  /** The 6-digit division of the item's institution (supervisors' scope). */
  division?: string;
}

/** What changed since the previous projection, each row whole so a retry writes the same. */
export interface CaseChanges {
  /** Of the workflow state projected: an older projection (a retry arriving late) changes nothing. */
  revision: number;
  /** The whole row when the projection may be the case's first, else its state when it changed. */
  case?: CaseRow | CaseState;
  items: ItemRow[];
  breaches: Breach[];
}

/** The input of cases started before CASE_EVENTS_PATCH: the whole case each time. */
export interface CaseSnapshot {
  revision: number;
  view: CaseView;
  applicantHash: string;
  applicantMasked: string;
  /** Events since the previous projection (the table keeps them all). */
  events: RecordedEvent[];
  breaches: Breach[];
  /** Each item's division (absent in snapshots scheduled before routing). */
  divisions?: Record<string, string>;
}

const date = (iso?: string) => (iso ? new Date(iso) : null);
const DAY_MS = 86_400_000;

/** What the events of one projection add to the case's figures: supplements given, the first delivery-record check. */
function figuresOf(events: RecordedEvent[]) {
  const supplements = events.filter((e) => e.type === 'supplement_received').length;
  const check = events.find((e) => e.type === 'delivery_checked');
  const match = (check?.detail as { match?: unknown } | undefined)?.match;
  return { supplements, firstMatch: typeof match === 'string' ? match : undefined };
}

const deliveryColumns = (d?: CaseDelivery) =>
  d ? { motherHash: d.motherHash, deliveryBornAt: new Date(d.bornAt), attempt: d.attempt, previousAttempt: d.previousAttempt ?? null, registrationDeadline: date(d.registrationDeadline) } : {};
const stateColumns = (s: CaseState) => ({ status: s.status, closedAt: date(s.closedAt), reasons: s.reasons ?? null });

/** `set` for an upsert: every column but the key takes the value of the row offered. */
function excluded(table: PgTable, key: string[]) {
  return Object.fromEntries(
    Object.entries(getTableColumns(table))
      .filter(([name]) => !key.includes(name))
      .map(([name, column]) => [name, sql`excluded.${sql.identifier(column.name)}`]),
  );
}

/** One statement per table, in one transaction; nothing at all when a newer revision is there already. */
async function project(db: Db, caseId: string, changes: CaseChanges, events: RecordedEvent[]): Promise<void> {
  const { revision } = changes;
  // Read before the transaction, never inside it on `db`: a transaction waiting on a second
  // connection from its own pool deadlocks the pool once every connection holds such a
  // transaction (the 200-case chaos run wedged its worker that way).
  const ended = changes.items.some((it) => it.status === 'completed' && it.decidedAt) || changes.case?.closedAt !== undefined;
  const calendar = ended ? await currentCalendar(db) : undefined;
  await db.transaction(async (tx) => {
    const { case: row } = changes;
    // Counted in the statement guarded by the revision: a retried projection adds nothing twice.
    const { supplements, firstMatch } = figuresOf(events);
    const figures = {
      ...(supplements > 0 && { supplements: sql`${cases.supplements} + ${supplements}` }),
      ...(firstMatch && { firstDeliveryMatch: sql`coalesce(${cases.firstDeliveryMatch}, ${firstMatch})` }),
    };
    let written: { caseId: string; submittedAt: Date }[];
    if (row && 'region' in row) {
      const values = { caseId, region: row.region, policyVersion: row.policyVersion, submittedAt: new Date(row.submittedAt), applicantHash: row.applicantHash, applicantMasked: row.applicantMasked, ...stateColumns(row), ...deliveryColumns(row.delivery), revision, updatedAt: new Date() };
      written = await tx
        .insert(cases)
        .values({ ...values, supplements, firstDeliveryMatch: firstMatch ?? null })
        .onConflictDoUpdate({ target: cases.caseId, set: { ...values, ...figures, caseId: undefined }, setWhere: sql`${cases.revision} < ${revision}` })
        .returning({ caseId: cases.caseId, submittedAt: cases.submittedAt });
    } else {
      written = await tx
        .update(cases)
        .set({ ...(row && stateColumns(row)), ...figures, revision, updatedAt: new Date() })
        .where(and(eq(cases.caseId, caseId), lt(cases.revision, revision)))
        .returning({ caseId: cases.caseId, submittedAt: cases.submittedAt });
    }
    if (written.length === 0) {
      // Changes need the row the case's first projection wrote; without it they would go nowhere.
      const [existing] = await tx.select({ revision: cases.revision }).from(cases).where(eq(cases.caseId, caseId));
      if (!existing) log.warn('case missing from the read model: projection skipped', { caseId, revision });
      return;
    }

    // Working days from submission (domain/calendar), for what just ended: the figures read them as columns.
    const submittedAt = written[0].submittedAt;
    const workingDaysSince = (iso?: string) => (calendar && iso ? workingMsBetween(submittedAt, new Date(iso), calendar) / DAY_MS : null);
    if (row?.closedAt) {
      await tx.update(cases).set({ workingDaysToClose: workingDaysSince(row.closedAt) }).where(eq(cases.caseId, caseId));
    }
    if (changes.items.length > 0) {
      const rows = changes.items.map((it) => ({
        caseId,
        item: it.item,
        itemKey: it.key ?? it.item,
        child: it.child ?? null,
        concerns: it.concerns ?? null,
        workingDaysToDone: it.status === 'completed' ? workingDaysSince(it.decidedAt) : null,
        position: it.position,
        department: it.department,
        institution: it.institution ?? null,
        division: it.division ?? null,
        status: it.status,
        assignee: it.assignee ?? null,
        startedAt: date(it.startedAt),
        deadline: date(it.deadline),
        escalationLevel: it.escalationLevel,
        licenceNumber: it.licence?.number ?? null,
        licenceType: it.licence?.type ?? null,
        decidedBy: it.decidedBy ?? null,
        decidedAt: date(it.decidedAt),
        reason: it.reason ?? null,
        reasons: it.reasons ?? null,
      }));
      await tx.insert(caseItems).values(rows).onConflictDoUpdate({ target: [caseItems.caseId, caseItems.itemKey], set: excluded(caseItems, ['caseId', 'itemKey']) });
    }
    if (events.length > 0) {
      await tx
        .insert(caseEvents)
        .values(events.map((e) => ({ caseId, seq: e.seq, at: new Date(e.at), type: e.type, item: e.item ?? null, actor: e.actor ?? null, detail: e.detail ?? null })))
        .onConflictDoNothing();
    }
    if (changes.breaches.length > 0) {
      const region = sql`(select ${cases.region} from ${cases} where ${cases.caseId} = ${caseId})`;
      const rows = changes.breaches.map((b) => ({
        caseId,
        item: b.item,
        seq: b.seq,
        department: b.department,
        region,
        deadline: new Date(b.deadline),
        breachedAt: new Date(b.breachedAt),
        escalationLevel: b.escalationLevel,
        resolvedAt: date(b.resolvedAt),
        cause: b.cause ?? null,
      }));
      await tx
        .insert(slaBreaches)
        .values(rows)
        .onConflictDoUpdate({ target: [slaBreaches.caseId, slaBreaches.item, slaBreaches.seq], set: { escalationLevel: sql`excluded.escalation_level`, resolvedAt: sql`excluded.resolved_at` } });
    }
  });
}

export function createReadModelActivities({ db }: { db: Db }) {
  return {
    /**
     * Writes the case's events, as the workflow recorded them, and the rows they
     * changed. Idempotent and ordered: a projection older than the stored revision (a
     * retry arriving late) changes nothing.
     */
    async projectCaseChanges(record: CaseEventRecord, changes: CaseChanges): Promise<void> {
      const { caseId, events } = parseCurrentRecord(record);
      await project(db, caseId, changes, events);
    },

    /** The whole case as the workflow saw it: cases started before the case had its own record project so. */
    async projectCase(snapshot: CaseSnapshot): Promise<void> {
      const { view, revision, applicantHash, applicantMasked } = snapshot;
      const { caseId, region, policyVersion, submittedAt, status, closedAt, reasons } = view;
      await project(
        db,
        caseId,
        {
          revision,
          case: { region, policyVersion, submittedAt, status, closedAt, reasons, applicantHash, applicantMasked },
          items: view.items.map((it, position) => ({ ...it, position, division: snapshot.divisions?.[it.item] })),
          breaches: snapshot.breaches,
        },
        snapshot.events,
      );
    },
  };
}
