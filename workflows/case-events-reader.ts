// Readers for every shape in which a case's events were ever written to a history,
// for code outside the workflow (the timeline, the read-model projection). Never
// imported by the workflow itself: it keeps zod out of the workflow bundle.
import { z } from 'zod';
import { CASE_EVENTS_SCHEMA, CASE_EVENTS_VERSION, type CaseEvent, type CaseEventRecord } from './case-events';

/** An event as a reader of any version sees it; the timeline shows it as it is. */
export interface RecordedEvent {
  seq: number;
  at: string;
  type: string;
  item?: string;
  actor?: string;
  detail?: Record<string, unknown>;
}

const base = { seq: z.number().int().positive(), at: z.iso.datetime({ offset: true }), item: z.string().optional(), actor: z.string().optional() };
// Loose details: a field added without a version bump still reaches the auditor.
const event = <T extends string, D extends z.ZodRawShape>(type: T, detail: D) => z.object({ ...base, type: z.literal(type), detail: z.looseObject(detail) });

const eventV1 = z.discriminatedUnion('type', [
  event('case_submitted', { region: z.string(), policyVersion: z.string(), items: z.array(z.string()), applicant: z.string().optional() }),
  event('eligibility_checked', {
    eligible: z.boolean(),
    reasons: z.array(z.string()),
    items: z.array(z.object({ item: z.string(), eligible: z.boolean(), reasons: z.array(z.string()) })).optional(),
  }),
  event('item_started', { department: z.string(), proofs: z.array(z.string()), institution: z.string().optional(), sections: z.array(z.string()).optional(), documents: z.array(z.string()).optional() }),
  event('item_received', { department: z.string() }),
  event('item_ineligible', { reasons: z.array(z.string()) }),
  event('delivery_checked', { match: z.string() }),
  event('application_corrected', { fields: z.array(z.string()) }),
  event('item_claimed', { assignee: z.string(), previous: z.string().optional() }),
  event('item_released', { assignee: z.string() }),
  event('item_cancelled', { reason: z.string() }),
  event('item_refused', { reason: z.string() }),
  event('deadline_set', { deadline: z.string(), calendarVersion: z.string() }),
  event('deadline_unavailable', { error: z.string(), escalationLevel: z.number().int().optional() }),
  event('sla_breached', { deadline: z.string(), department: z.string(), cause: z.string().optional() }),
  event('escalated', { level: z.number().int().positive(), notify: z.string() }),
  event('item_decided', { decision: z.string(), comment: z.string().optional(), event: z.string().optional(), occurredAt: z.string().optional() }),
  event('supplement_received', { documents: z.array(z.string()) }),
  event('licence_issued', { number: z.string(), type: z.string() }),
  event('case_withdrawn', { reason: z.string().optional() }),
  event('item_awaiting_applicant', { amountFen: z.number().int() }),
  event('payment_verified', { reference: z.string(), paidAt: z.string() }),
  event('payment_refused', { reason: z.string() }),
  event('shipment_created', { carrier: z.string(), trackingNumber: z.string(), document: z.string() }),
  event('shipment_settled', { trackingNumber: z.string(), status: z.string() }),
  event('supplement_limit_set', { deadline: z.string(), requests: z.number().int() }),
  event('supplement_reminded', { deadline: z.string() }),
  event('case_closed', { status: z.string() }),
]);

const recordV1 = z.object({ schema: z.literal(CASE_EVENTS_SCHEMA), version: z.literal(1), caseId: z.string().min(1), events: z.array(eventV1) });

// What the workflow writes is what this reader accepts, and what it reads is what the workflow wrote.
const _written: (e: CaseEvent) => z.input<typeof eventV1> = (e) => e;
const _read: (e: z.output<typeof eventV1>) => CaseEvent = (e) => e;
void _written;
void _read;

/** One reader per version ever written; a new version adds a reader and keeps the old ones. */
const READERS: Record<number, z.ZodType<{ caseId: string; events: RecordedEvent[] }>> = {
  1: recordV1,
};

export type RecordReading =
  | { readable: true; version: number; caseId: string; events: RecordedEvent[] }
  | { readable: false; version: unknown; error: string };

/**
 * Reads a value found in a history: `undefined` when it is no case-event record at
 * all; a record of an unknown version or a malformed one is reported as unreadable
 * rather than skipped, so an auditor never sees a shorter account without knowing.
 */
export function readCaseEventRecord(value: unknown): RecordReading | undefined {
  if (!value || typeof value !== 'object' || (value as { schema?: unknown }).schema !== CASE_EVENTS_SCHEMA) return undefined;
  const version = (value as { version?: unknown }).version;
  const reader = typeof version === 'number' ? READERS[version] : undefined;
  if (!reader) return { readable: false, version, error: `no reader for version ${String(version)} of ${CASE_EVENTS_SCHEMA}` };
  const parsed = reader.safeParse(value);
  if (!parsed.success) return { readable: false, version, error: z.prettifyError(parsed.error) };
  return { readable: true, version: version as number, caseId: parsed.data.caseId, events: parsed.data.events };
}

/** The version this code writes, for its own projection: anything else is refused. */
export function parseCurrentRecord(value: unknown): CaseEventRecord {
  // Bumping CASE_EVENTS_VERSION without a schema for it fails to compile here.
  return recordV1.parse(value) satisfies { version: typeof CASE_EVENTS_VERSION };
}

// Before the record had its own envelope (cases started before CASE_EVENTS_PATCH), the
// events travelled inside the input of the `projectCase` activity, next to a snapshot
// of the whole case. Those histories are immutable, and so is the activity name in them.
export const LEGACY_PROJECTION_ACTIVITY = 'projectCase';

const legacySnapshot = z.object({
  revision: z.number().int(),
  view: z.looseObject({ caseId: z.string() }),
  events: z.array(z.object({ ...base, type: z.string(), detail: z.record(z.string(), z.unknown()).optional() })),
});

/** Reads the input of a legacy `projectCase` activity (version 0 of the record, so to say). */
export function readLegacySnapshot(value: unknown): RecordReading {
  const parsed = legacySnapshot.safeParse(value);
  if (!parsed.success) return { readable: false, version: 0, error: z.prettifyError(parsed.error) };
  return { readable: true, version: 0, caseId: parsed.data.view.caseId, events: parsed.data.events };
}
