import { sql } from 'drizzle-orm';
import { index, integer, jsonb, pgSequence, pgTable, primaryKey, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';

// The read model: written only by the workflow's projection activities (and the
// licence store by its own activities), read by the API. The workflow history stays
// the source of truth; every row here can be rebuilt from it.

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

export const cases = pgTable(
  'cases',
  {
    caseId: text('case_id').primaryKey(),
    region: text('region').notNull(),
    policyVersion: text('policy_version').notNull(),
    status: text('status').notNull(),
    submittedAt: ts('submitted_at').notNull(),
    closedAt: ts('closed_at'),
    reasons: jsonb('reasons').$type<{ code: string; message: string }[]>(),
    /** HMAC of the applicant's ID number: ownership checks without storing the number. */
    applicantHash: text('applicant_hash').notNull(),
    applicantMasked: text('applicant_masked').notNull(),
    /** Revision of the workflow state last projected; older projections never overwrite newer. */
    revision: integer('revision').notNull().default(0),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [index('cases_status_idx').on(t.status, t.region), index('cases_applicant_idx').on(t.applicantHash)],
);

export const caseItems = pgTable(
  'case_items',
  {
    caseId: text('case_id')
      .notNull()
      .references(() => cases.caseId, { onDelete: 'cascade' }),
    item: text('item').notNull(),
    position: integer('position').notNull(),
    department: text('department').notNull(),
    status: text('status').notNull(),
    startedAt: ts('started_at'),
    deadline: ts('deadline'),
    escalationLevel: integer('escalation_level').notNull().default(0),
    licenceNumber: text('licence_number'),
    licenceType: text('licence_type'),
    decidedBy: text('decided_by'),
    decidedAt: ts('decided_at'),
    reason: text('reason'),
  },
  (t) => [primaryKey({ columns: [t.caseId, t.item] }), index('case_items_inbox_idx').on(t.department, t.status)],
);

export const caseEvents = pgTable(
  'case_events',
  {
    caseId: text('case_id')
      .notNull()
      .references(() => cases.caseId, { onDelete: 'cascade' }),
    seq: integer('seq').notNull(),
    at: ts('at').notNull(),
    type: text('type').notNull(),
    item: text('item'),
    actor: text('actor'),
    detail: jsonb('detail').$type<Record<string, unknown>>(),
  },
  (t) => [primaryKey({ columns: [t.caseId, t.seq] })],
);

export const slaBreaches = pgTable(
  'sla_breaches',
  {
    caseId: text('case_id')
      .notNull()
      .references(() => cases.caseId, { onDelete: 'cascade' }),
    item: text('item').notNull(),
    /** Several breaches per item are possible: one per review period (a supplement restarts the clock). */
    seq: integer('seq').notNull(),
    department: text('department').notNull(),
    region: text('region').notNull(),
    deadline: ts('deadline').notNull(),
    breachedAt: ts('breached_at').notNull(),
    escalationLevel: integer('escalation_level').notNull(),
    resolvedAt: ts('resolved_at'),
  },
  (t) => [primaryKey({ columns: [t.caseId, t.item, t.seq] }), index('sla_breaches_department_idx').on(t.department, t.breachedAt)],
);

/** The licence store (电子证照库): at most one valid licence per subject and type. */
export const licences = pgTable(
  'licences',
  {
    number: text('number').primaryKey(),
    type: text('type').notNull(),
    /** HMAC identifying the person the licence is about (child or mother); never an ID number. */
    subjectKey: text('subject_key').notNull(),
    subjectName: text('subject_name').notNull(),
    issuer: text('issuer').notNull(),
    caseId: text('case_id'),
    item: text('item'),
    status: text('status').notNull().default('valid'),
    issuedAt: ts('issued_at').notNull().defaultNow(),
    voidedAt: ts('voided_at'),
    replacedBy: text('replaced_by'),
    /** Derived from the workflow and activity IDs: a retried issuance returns the first licence. */
    idempotencyKey: text('idempotency_key').notNull(),
  },
  (t) => [
    uniqueIndex('licences_idempotency_key_idx').on(t.idempotencyKey),
    uniqueIndex('licences_one_valid_per_subject_idx').on(t.subjectKey, t.type).where(sql`status = 'valid'`),
  ],
);

export const licenceNumberSeq = pgSequence('licence_number_seq', { startWith: 1 });
