import { sql } from 'drizzle-orm';
import { index, integer, jsonb, pgSequence, pgTable, primaryKey, serial, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';

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

/**
 * Closed cases' full Temporal histories, kept after the engine's retention deletes
 * them. Append-only: each row's digest covers its content and the previous row's
 * digest, so altering or removing any row breaks the chain (GET /api/audit/verify).
 */
export const archivedHistories = pgTable(
  'archived_histories',
  {
    caseId: text('case_id').primaryKey(),
    runId: text('run_id').notNull(),
    status: text('status').notNull(),
    closedAt: ts('closed_at').notNull(),
    archivedAt: ts('archived_at').notNull(),
    /** The history as `historyToJSON` writes it (payloads still encrypted); text, so the digest covers exact bytes. */
    history: text('history').notNull(),
    seq: integer('seq').notNull(),
    digest: text('digest').notNull(),
    prevDigest: text('prev_digest').notNull(),
  },
  (t) => [uniqueIndex('archived_histories_seq_idx').on(t.seq)],
);

/**
 * Working-day calendars loaded by an administrator (PUT /api/admin/calendar/:year):
 * a newly published State Council notice takes effect without a redeploy. A loaded
 * year replaces what the chinese-days package says about that year.
 */
export const calendarYears = pgTable('calendar_years', {
  year: integer('year').primaryKey(),
  holidays: jsonb('holidays').$type<string[]>().notNull(),
  workdays: jsonb('workdays').$type<string[]>().notNull(),
  /** Hash of the lists: part of the calendar version recorded next to each deadline. */
  digest: text('digest').notNull(),
  loadedBy: text('loaded_by').notNull(),
  loadedAt: ts('loaded_at').notNull().defaultNow(),
});

/**
 * Notifications sent to applicants and supervisors, kept so their recipients can
 * read them. No phone number or ID number here: an applicant is known by the HMAC
 * of their ID number, the phone only by its masked form.
 */
export const notifications = pgTable(
  'notifications',
  {
    id: serial('id').primaryKey(),
    /** Derived from the workflow and activity IDs: a retried activity stores and sends once. */
    idempotencyKey: text('idempotency_key').notNull(),
    caseId: text('case_id').notNull(),
    audience: text('audience').notNull(),
    /** applicant: cases.applicant_hash; supervisor: the department. */
    recipientKey: text('recipient_key').notNull(),
    department: text('department'),
    item: text('item'),
    template: text('template').notNull(),
    params: jsonb('params').$type<Record<string, unknown>>().notNull(),
    /** Where the SMS went, masked (applicant) or the gateway's roster alias (supervisors). */
    address: text('address').notNull(),
    createdAt: ts('created_at').notNull().defaultNow(),
    sentAt: ts('sent_at'),
    messageId: text('message_id'),
  },
  (t) => [uniqueIndex('notifications_idempotency_key_idx').on(t.idempotencyKey), index('notifications_recipient_idx').on(t.audience, t.recipientKey, t.createdAt)],
);
