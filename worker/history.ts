import { WorkflowNotFoundError, isGrpcServiceError, type Client } from '@temporalio/client';
import { defaultPayloadConverter, type DataConverter, type Payload } from '@temporalio/common';
import { historyFromJSON, historyToJSON, type History } from '@temporalio/common/lib/proto-utils';
import { tsToDate } from '@temporalio/common/lib/time';
import { temporal } from '@temporalio/proto';
import { findArchived } from '../db/archive';
import type { Db } from '../db/client';
import type { CaseEvent, CaseSnapshot } from '../activities/read-model';
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
async function decodeFirst<T>(converter: DataConverter, payloads: Payload[] | null | undefined): Promise<T | undefined> {
  if (!payloads?.length) return undefined;
  let decoded = payloads;
  for (const codec of [...(converter.payloadCodecs ?? [])].reverse()) decoded = await codec.decode(decoded);
  return defaultPayloadConverter.fromPayload<T>(decoded[0]);
}

const CLOSURES: Partial<Record<number, string>> = {
  [EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED]: 'workflow_terminated',
  [EventType.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED]: 'workflow_failed',
  [EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT]: 'workflow_timed_out',
  [EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED]: 'workflow_cancelled',
};

/**
 * The case's account for auditors. The workflow already records every step it takes
 * (submission, eligibility, items started, decisions with the case worker and their
 * comment, licences, deadlines, breaches, escalations, supplements, withdrawal,
 * closure) and hands those records to the `projectCase` activity; the inputs of those
 * activities are written into the history when scheduled, so the history holds the
 * whole account, in the workflow's own words, and decoding them is all it takes. The
 * engine's own closures (terminated, failed, timed out) are added from the history.
 */
export async function buildTimeline(history: History, converter: DataConverter): Promise<TimelineEvent[]> {
  const events: (CaseEvent & { order: number })[] = [];
  let input: CaseInput | undefined;
  for (const event of history.events ?? []) {
    const started = event.workflowExecutionStartedEventAttributes;
    if (started) input = await decodeFirst<CaseInput>(converter, started.input?.payloads);
    const scheduled = event.activityTaskScheduledEventAttributes;
    if (scheduled?.activityType?.name === 'projectCase') {
      const snapshot = await decodeFirst<CaseSnapshot>(converter, scheduled.input?.payloads);
      for (const e of snapshot?.events ?? []) events.push({ ...e, order: e.seq });
    }
    const closure = event.eventType != null ? CLOSURES[event.eventType] : undefined;
    if (closure && event.eventTime) {
      const reason = event.workflowExecutionTerminatedEventAttributes?.reason ?? event.workflowExecutionFailedEventAttributes?.failure?.message ?? undefined;
      events.push({ seq: 0, order: Number.MAX_SAFE_INTEGER, at: tsToDate(event.eventTime).toISOString(), type: closure, actor: event.workflowExecutionTerminatedEventAttributes?.identity ?? undefined, ...(reason && { detail: { reason } }) });
    }
  }
  // A retried projection carries the same records again: one entry per record.
  const unique = new Map(events.map((e) => [e.order === Number.MAX_SAFE_INTEGER ? `closure-${e.type}` : String(e.seq), e]));
  return [...unique.values()]
    .sort((a, b) => a.order - b.order)
    .map(({ at, type, item, actor, detail }) => {
      // Who applied, in the masked form the read model shows: never the ID number itself.
      if (type === 'case_submitted' && input) detail = { ...detail, applicant: input.applicantMasked };
      return { at, type, ...(item && { item }), ...(actor && { actor }), ...(detail && { detail }) };
    });
}
