import { sql } from 'drizzle-orm';
import { bigint, check, date, doublePrecision, index, integer, jsonb, pgSequence, pgTable, primaryKey, serial, text, timestamp, uniqueIndex, type AnyPgColumn } from 'drizzle-orm/pg-core';
import { BREACH_CAUSES, CASE_STATUSES, DEPARTMENTS, ITEM_STATUSES } from '../policy/types';

// The read model: written only by the workflow's projection activities (and the
// licence store by its own activities), read by the API. The workflow history stays
// the source of truth; every row here can be rebuilt from it.

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

/** A CHECK that a text column holds one of the vocabulary's values: the read model never holds a status the code cannot read. */
const oneOf = (name: string, column: AnyPgColumn, values: readonly string[]) => check(name, sql`${column} in (${sql.raw(values.map((v) => `'${v}'`).join(', '))})`);

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
    // The delivery (DESIGN §7 "Births and attempts"); null in cases submitted before.
    /** HMAC of the mother's ID number (domain/identity motherKey). */
    motherHash: text('mother_hash'),
    /** The earliest birth of the delivery. */
    deliveryBornAt: ts('delivery_born_at'),
    /** 1 for the first case of a delivery, 2 after a withdrawn or ineligible one, … */
    attempt: integer('attempt'),
    previousAttempt: text('previous_attempt'),
    // Figures (DESIGN §7 "Figures"), kept by the projection so a window is one index range.
    /** The end of the pack's registration window: the earliest birth plus the pack's age limit. */
    registrationDeadline: ts('registration_deadline'),
    /** Working days (domain/calendar) from submission to closing; null while open or when the calendar does not cover it. */
    workingDaysToClose: doublePrecision('working_days_to_close'),
    /** Supplements the applicant gave (every `supplement_received`). */
    supplements: integer('supplements').notNull().default(0),
    /** The delivering institution's record at the case's first check: matched, mismatch, not_found. */
    firstDeliveryMatch: text('first_delivery_match'),
  },
  (t) => [
    // Newest first, a page at a time (keyset on submitted_at, case_id), with or without a status and region.
    index('cases_newest_idx').on(t.submittedAt, t.caseId),
    index('cases_status_submitted_idx').on(t.status, t.submittedAt, t.caseId),
    index('cases_region_submitted_idx').on(t.region, t.submittedAt, t.caseId),
    index('cases_region_status_submitted_idx').on(t.region, t.status, t.submittedAt, t.caseId),
    index('cases_applicant_idx').on(t.applicantHash),
    oneOf('cases_status_check', t.status, CASE_STATUSES),
    // The duplicate check: a mother's cases near a birth.
    index('cases_delivery_idx').on(t.motherHash, t.deliveryBornAt),
    // The figures' window.
    index('cases_submitted_idx').on(t.submittedAt, t.region),
  ],
);

export const caseItems = pgTable(
  'case_items',
  {
    caseId: text('case_id')
      .notNull()
      .references(() => cases.caseId, { onDelete: 'cascade' }),
    item: text('item').notNull(),
    /** The item's key in the case: its code, or `<item>.<n>` for the n-th child's item of a delivery with more than one child. */
    itemKey: text('item_key').notNull(),
    /** Which child a child's item is for (1, 2, …), when the delivery has more than one. */
    child: integer('child'),
    /** Whose the item is (`child` or `mother`); null in rows projected before. */
    concerns: text('concerns'),
    /** Working days from the case's submission to the item's completion; null unless completed. */
    workingDaysToDone: doublePrecision('working_days_to_done'),
    position: integer('position').notNull(),
    department: text('department').notNull(),
    /** The office the item is routed to (policy/routing.ts); null in rows projected before routing. */
    institution: text('institution'),
    /** The 6-digit division of that office, for supervisors scoped by province, city or county. */
    division: text('division'),
    status: text('status').notNull(),
    /** The case worker holding the item (a token's `sub`). */
    assignee: text('assignee'),
    startedAt: ts('started_at'),
    deadline: ts('deadline'),
    escalationLevel: integer('escalation_level').notNull().default(0),
    licenceNumber: text('licence_number'),
    licenceType: text('licence_type'),
    decidedBy: text('decided_by'),
    decidedAt: ts('decided_at'),
    reason: text('reason'),
    /** Why the item is `ineligible`: every unmet condition, as the one-time notice words it. */
    reasons: jsonb('reasons').$type<{ code: string; message: string }[]>(),
    /** The case's submission time, copied by a trigger when the row is written (migration 0009): a county's cases, newest first, from one index. */
    submittedAt: ts('submitted_at'),
  },
  (t) => [
    primaryKey({ columns: [t.caseId, t.itemKey] }),
    index('case_items_division_submitted_idx').on(t.division, t.submittedAt, t.caseId, t.department).where(sql`${t.status} <> 'not_applied'`),
    index('case_items_inbox_idx').on(t.department, t.status),
    // An institution's inbox: its items in review, most urgent first (keyset; no deadline
    // last), read in index order so a page costs its length, not the inbox's size.
    index('case_items_review_queue_idx')
      .on(t.institution, t.department, sql`(coalesce(${t.deadline}, 'infinity'::timestamptz))`, t.caseId, t.position)
      .where(sql`${t.status} = 'in_review'`),
    // The same, held by one case worker ...
    index('case_items_review_assignee_idx')
      .on(t.institution, t.department, t.assignee, sql`(coalesce(${t.deadline}, 'infinity'::timestamptz))`, t.caseId, t.position)
      .where(sql`${t.status} = 'in_review'`),
    // ... or by nobody (`assignee IS NULL` does not fix a key column's order as `=` does: its own index).
    index('case_items_review_unassigned_idx')
      .on(t.institution, t.department, sql`(coalesce(${t.deadline}, 'infinity'::timestamptz))`, t.caseId, t.position)
      .where(sql`${t.status} = 'in_review' and ${t.assignee} is null`),
    // The SLA summary's partial days: decisions of a department in a time range.
    index('case_items_decided_idx').on(t.department, t.decidedAt).where(sql`${t.status} in ('completed', 'rejected')`),
    // A supervisor's list of items a store refused (GET /api/attention).
    index('case_items_attention_idx').on(t.department).where(sql`status = 'needs_attention'`),
    oneOf('case_items_status_check', t.status, ITEM_STATUSES),
    oneOf('case_items_department_check', t.department, DEPARTMENTS),
    oneOf('case_items_concerns_check', t.concerns, ['child', 'mother']),
  ],
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
    /**
     * Who held the item at the deadline: the department's `system` (it had not yet
     * acknowledged the hand-off) or its `review`. Null for breaches of cases started
     * before the clock ran from the hand-off.
     */
    cause: text('cause'),
  },
  (t) => [
    primaryKey({ columns: [t.caseId, t.item, t.seq] }),
    // Newest first, a page at a time (keyset on breached_at, case_id, item, seq).
    index('sla_breaches_department_idx').on(t.department, t.breachedAt, t.caseId, t.item, t.seq),
    index('sla_breaches_breached_idx').on(t.breachedAt, t.caseId, t.item, t.seq),
    index('sla_breaches_open_idx').on(t.department, t.breachedAt, t.caseId, t.item, t.seq).where(sql`${t.resolvedAt} is null`),
    oneOf('sla_breaches_department_check', t.department, DEPARTMENTS),
    oneOf('sla_breaches_cause_check', t.cause, BREACH_CAUSES),
  ],
);

/**
 * Cases by region and status, kept by a trigger on `cases` in the projection's own
 * transaction (migration 0009): list totals and metrics without counting the table.
 */
export const caseCounts = pgTable(
  'case_counts',
  {
    region: text('region').notNull(),
    status: text('status').notNull(),
    n: bigint('n', { mode: 'number' }).notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.region, t.status] })],
);

/**
 * The SLA summary's figures per department and Asia/Shanghai day, kept by triggers on
 * `case_items` and `sla_breaches` in the projection's own transaction (migration 0009).
 * `region` and `division` hold '' for the roll-up of all; a division row exists for each
 * prefix a supervisor may name (2, 4 and 6 digits), so every summary sums at most one
 * row per department and day.
 */
export const slaDaily = pgTable(
  'sla_daily',
  {
    department: text('department').notNull(),
    region: text('region').notNull(),
    division: text('division').notNull(),
    day: date('day', { mode: 'string' }).notNull(),
    /** Items whose final decision (approved or rejected) fell on this day. */
    decided: integer('decided').notNull().default(0),
    /** Of those, the ones never breached. */
    onTime: integer('on_time').notNull().default(0),
    /** Breaches recorded on this day. */
    breached: integer('breached').notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.department, t.region, t.division, t.day] })],
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
    /** The office that issued it, the only one that may reissue it; null for licences issued before routing. */
    issuerInstitution: text('issuer_institution'),
    caseId: text('case_id'),
    item: text('item'),
    status: text('status').notNull().default('valid'),
    issuedAt: ts('issued_at').notNull().defaultNow(),
    voidedAt: ts('voided_at'),
    replacedBy: text('replaced_by'),
    /** On a licence issued by 换发/补发: the one it replaces, which kind, who did it and why. */
    replaces: text('replaces'),
    reissueKind: text('reissue_kind'),
    reissuedBy: text('reissued_by'),
    reissueComment: text('reissue_comment'),
    /** Derived from the workflow and activity IDs: a retried issuance returns the first licence. */
    idempotencyKey: text('idempotency_key').notNull(),
  },
  (t) => [
    uniqueIndex('licences_idempotency_key_idx').on(t.idempotencyKey),
    uniqueIndex('licences_one_valid_per_subject_idx').on(t.subjectKey, t.type).where(sql`status = 'valid'`),
    oneOf('licences_status_check', t.status, ['valid', 'void']),
    check('licences_reissue_kind_check', sql`${t.reissueKind} is null or ${t.reissueKind} in ('replacement', 'reissue')`),
    index('licences_case_idx').on(t.caseId),
  ],
);

/**
 * Every read of a family's personal data (an item view, a raw history, a codec
 * decode): who, in which role and office, of which case and item, and which sections
 * of the application. Append-only; listed to auditors by GET /api/audit/access.
 */
export const dataAccesses = pgTable(
  'data_accesses',
  {
    id: serial('id').primaryKey(),
    at: ts('at').notNull().defaultNow(),
    actor: text('actor').notNull(),
    role: text('role').notNull(),
    institution: text('institution'),
    /** Null for a codec decode whose payloads name no case. */
    caseId: text('case_id'),
    itemKey: text('item_key'),
    /** item_view, raw_history or codec_decode. */
    kind: text('kind').notNull(),
    sections: jsonb('sections').$type<string[]>().notNull(),
  },
  (t) => [
    index('data_accesses_case_idx').on(t.caseId, t.at),
    index('data_accesses_actor_idx').on(t.actor, t.at),
    index('data_accesses_at_idx').on(t.at),
    oneOf('data_accesses_kind_check', t.kind, ['item_view', 'raw_history', 'codec_decode']),
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

/**
 * Policy-pack versions published at run time (db/packs.ts), next to the ones shipped as
 * files in policy/packs/: every API instance reads them, and a restart keeps them.
 * A version is never updated: a change of policy is a new row.
 */
export const policyPacks = pgTable(
  'policy_packs',
  {
    region: text('region').notNull(),
    version: text('version').notNull(),
    /** sha256 of the canonical serialisation of `body` (policy/pack-schema.ts), checked when read back. */
    hash: text('hash').notNull(),
    /** The pack document, as a pack file would hold it. */
    body: jsonb('body').$type<Record<string, unknown>>().notNull(),
    publishedAt: ts('published_at').notNull().defaultNow(),
    publishedBy: text('published_by').notNull(),
  },
  (t) => [primaryKey({ columns: [t.region, t.version] }), check('policy_packs_hash_check', sql`${t.hash} ~ '^[0-9a-f]{64}$'`)],
);

/**
 * Who loaded or withdrew which calendar year, when, with what digest. Rows are only
 * ever added: the trail of who changed every deadline's basis.
 */
export const calendarChanges = pgTable(
  'calendar_changes',
  {
    id: serial('id').primaryKey(),
    year: integer('year').notNull(),
    /** `load` or `withdraw`. */
    action: text('action').notNull(),
    /** Digest of the lists loaded, or of those withdrawn. */
    digest: text('digest').notNull(),
    actor: text('actor').notNull(),
    at: ts('at').notNull().defaultNow(),
  },
  (t) => [index('calendar_changes_year_idx').on(t.year, t.at)],
);

/** Tokens an administrator revoked before they expire, by their `jti`. */
export const tokenRevocations = pgTable('token_revocations', {
  jti: text('jti').primaryKey(),
  reason: text('reason'),
  revokedBy: text('revoked_by').notNull(),
  revokedAt: ts('revoked_at').notNull().defaultNow(),
});

/**
 * Fixed-window request counters shared by every API instance: one row per key
 * (a route's bucket and an HMAC of the caller or address) and window.
 */
export const rateLimitCounters = pgTable(
  'rate_limit_counters',
  {
    key: text('key').notNull(),
    windowStart: ts('window_start').notNull(),
    count: integer('count').notNull(),
  },
  (t) => [primaryKey({ columns: [t.key, t.windowStart] }), index('rate_limit_counters_window_idx').on(t.windowStart)],
);

/** Shipment statuses (workflows/messages.ts SHIPMENT_STATUSES), repeated here because db/ imports workflow messages as types only. */
const PARCEL_STATUSES = ['created', 'in_transit', 'delivered', 'returned'] as const;

/**
 * Parcels posted to the family (DESIGN §7 "Delivery of cards"): one per item's paper
 * document, written when the carrier takes it, moved on by the carrier's signed events.
 * No name, phone or address: those went to the carrier only.
 */
export const shipments = pgTable(
  'shipments',
  {
    trackingNumber: text('tracking_number').primaryKey(),
    caseId: text('case_id').notNull(),
    item: text('item').notNull(),
    key: text('key').notNull(),
    department: text('department').notNull(),
    carrier: text('carrier').notNull(),
    document: text('document').notNull(),
    status: text('status').notNull(),
    createdAt: ts('created_at').notNull().defaultNow(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [uniqueIndex('shipments_case_key_idx').on(t.caseId, t.key), oneOf('shipments_status_check', t.status, PARCEL_STATUSES)],
);

/** Every carrier event accepted, once: the same event again finds its row and changes nothing. */
export const shipmentEvents = pgTable(
  'shipment_events',
  {
    trackingNumber: text('tracking_number').notNull(),
    status: text('status').notNull(),
    at: ts('at').notNull(),
    receivedAt: ts('received_at').notNull().defaultNow(),
    /** 1 when the event moved the parcel on, 0 when it came after a later one (kept, not applied). */
    applied: integer('applied').notNull(),
  },
  (t) => [primaryKey({ columns: [t.trackingNumber, t.status, t.at] }), oneOf('shipment_events_status_check', t.status, PARCEL_STATUSES)],
);

/** The one trip left (最多跑一次): the slot the parents booked at the item's institution. */
export const appointments = pgTable(
  'appointments',
  {
    caseId: text('case_id').notNull(),
    key: text('key').notNull(),
    institution: text('institution').notNull(),
    slot: ts('slot').notNull(),
    bookedAt: ts('booked_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.caseId, t.key] })],
);
