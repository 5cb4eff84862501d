import { WorkflowNotFoundError, isGrpcServiceError, type Client } from '@temporalio/client';
import { defaultPayloadConverter, type DataConverter, type Payload } from '@temporalio/common';
import { historyFromJSON, historyToJSON, type History } from '@temporalio/common/lib/proto-utils';
import { temporal } from '@temporalio/proto';
import { findArchived } from '../db/archive';
import type { Db } from '../db/client';
import { LEGACY_PROJECTION_ACTIVITY, readCaseEventRecord, readLegacySnapshot, type RecordedEvent } from '../workflows/case-events-reader';
import type { CaseInput } from '../workflows/messages';

// A case's durable history, wherever it lives now: the archive once the case closed
// and was archived (the engine may have deleted it since), else the engine itself.

const EventType = temporal.api.enums.v1.EventType;
const GRPC_NOT_FOUND = 5;

export interface CaseHistory {
  caseId: string;
  source: 'archive' | 'temporal';
  /** The history JSON as `historyToJSON` writes it and the CLI and replayer read it. */
  json: string;
  history: History;
}

export async function loadCaseHistory(client: Client, db: Db, caseId: string): Promise<CaseHistory | undefined> {
  const archived = await findArchived(db, caseId);
  if (archived) return { caseId, source: 'archive', json: archived.history, history: historyFromJSON(JSON.parse(archived.history)) };
  try {
    const history = await client.workflow.getHandle(caseId).fetchHistory();
    return { caseId, source: 'temporal', json: historyToJSON(history), history };
  } catch (err) {
    // fetchHistory passes the engine's gRPC NOT_FOUND through as it is.
    if (err instanceof WorkflowNotFoundError || (isGrpcServiceError(err) && err.code === GRPC_NOT_FOUND)) return undefined;
    throw err;
  }
}

export interface TimelineEvent {
  at: string;
  type: string;
  item?: string;
  actor?: string;
  detail?: Record<string, unknown>;
}

/** Decrypts payloads with the configured codecs (the newest last, as the SDK applies them) and converts them. */
export async function decodeAll(converter: DataConverter, payloads: Payload[] | null | undefined): Promise<unknown[]> {
  if (!payloads?.length) return [];
  let decoded = payloads;
  for (const codec of [...(converter.payloadCodecs ?? [])].reverse()) decoded = await codec.decode(decoded);
  return decoded.map((p) => defaultPayloadConverter.fromPayload(p));
}

/** Seconds are a Long from the engine and a number from JSON (the SDK's `tsToDate` takes only the former). */
function isoTime(ts: { seconds?: { toString(): string } | number | null; nanos?: number | null } | null | undefined): string | undefined {
  if (!ts) return undefined;
  return new Date(Number(String(ts.seconds ?? 0)) * 1000 + Math.floor((ts.nanos ?? 0) / 1e6)).toISOString();
}

const CLOSURES: Partial<Record<number, string>> = {
  [EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED]: 'workflow_terminated',
  [EventType.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED]: 'workflow_failed',
  [EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT]: 'workflow_timed_out',
  [EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED]: 'workflow_cancelled',
};

/**
 * The case's account for auditors, in the workflow's own words. The workflow records
 * every step it takes (submission, eligibility, items started, decisions with the case
 * worker and their comment, licences, deadlines, breaches, escalations, supplements,
 * withdrawal, closure) in a versioned record (workflows/case-events.ts) that it hands to
 * an activity, so the record is in the history, written when the activity was
 * scheduled. It is found by what it says it is, in any activity's input, and read by
 * the reader of its version; cases from before the record had an envelope are read
 * from their `projectCase` snapshots. A record no reader understands shows as
 * `record_unreadable`, never as a silent gap. The engine's own closures (terminated,
 * failed, timed out) are added from the history.
 */
export async function buildTimeline(history: History, converter: DataConverter): Promise<TimelineEvent[]> {
  const found: (RecordedEvent & { key: string; order: number })[] = [];
  let input: CaseInput | undefined;
  let lastSeq = 0;
  for (const event of history.events ?? []) {
    const at = isoTime(event.eventTime);
    const started = event.workflowExecutionStartedEventAttributes;
    if (started) input = (await decodeAll(converter, started.input?.payloads))[0] as CaseInput | undefined;
    const scheduled = event.activityTaskScheduledEventAttributes;
    const unreadable = (version: unknown, error: string) =>
      found.push({ key: `unreadable-${found.length}`, order: lastSeq + 0.5, seq: 0, at: at ?? '', type: 'record_unreadable', detail: { version, error } });
    for (const value of scheduled ? await decodeAll(converter, scheduled.input?.payloads) : []) {
      const reading = readCaseEventRecord(value) ?? (scheduled?.activityType?.name === LEGACY_PROJECTION_ACTIVITY ? readLegacySnapshot(value) : undefined);
      if (!reading) continue;
      if (!reading.readable) unreadable(reading.version, reading.error);
      else if (input && reading.caseId !== input.caseId) unreadable(reading.version, 'a record of another case');
      else {
        // A record seen twice (the same events projected again) is one entry per event.
        for (const e of reading.events) found.push({ ...e, key: String(e.seq), order: e.seq });
        lastSeq = Math.max(lastSeq, ...reading.events.map((e) => e.seq));
      }
    }
    const closure = event.eventType != null ? CLOSURES[event.eventType] : undefined;
    if (closure && at) {
      const reason = event.workflowExecutionTerminatedEventAttributes?.reason ?? event.workflowExecutionFailedEventAttributes?.failure?.message ?? undefined;
      found.push({ key: `closure-${closure}`, seq: 0, order: Number.MAX_SAFE_INTEGER, at, type: closure, actor: event.workflowExecutionTerminatedEventAttributes?.identity ?? undefined, ...(reason && { detail: { reason } }) });
    }
  }
  const unique = new Map(found.map((e) => [e.key, e]));
  return [...unique.values()]
    .sort((a, b) => a.order - b.order)
    .map(({ at, type, item, actor, detail }) => {
      // Who applied, in the masked form the read model shows, never the ID number itself:
      // records from before the envelope did not carry it, the case's input does.
      if (type === 'case_submitted' && input && detail?.applicant === undefined) detail = { ...detail, applicant: input.applicantMasked };
      return { at, type, ...(item && { item }), ...(actor && { actor }), ...(detail && { detail }) };
    });
}
