// The case's own account of what happened, written by the workflow where it happens.
// It travels through the history as a self-describing payload (an envelope naming its
// schema and version), so that an auditor's reader finds it without knowing which
// activity carried it, and reads every version ever written. Pure types and
// constants: the workflow imports this module; the reader is in ./case-events-reader.

export const CASE_EVENTS_SCHEMA = 'newborn.case-events';
/** Bump when a change would mislead a reader of the current version; keep the old reader. */
export const CASE_EVENTS_VERSION = 1;

interface EventBase {
  /** Order of the event in its case, from 1, never reused. */
  seq: number;
  at: string;
  item?: string;
  /** A case worker's staff ID, `applicant` or `system`: never an applicant's ID number. */
  actor?: string;
}

/** Every event of version 1 and what it says. */
export interface CaseEventDetails {
  /** `applicant` is the masked ID number (as the read model shows it). */
  case_submitted: { region: string; policyVersion: string; items: string[]; applicant?: string };
  /** `items`: the verdict per item (cases started with eligibility per item). */
  eligibility_checked: { eligible: boolean; reasons: string[]; items?: { item: string; eligible: boolean; reasons: string[] }[] };
  /** Handed to the department: its clock runs from here (cases started with the clock at hand-off), or it reached it (before). */
  item_started: { department: string; proofs: string[]; institution?: string; sections?: string[]; documents?: string[] };
  /** The department's system acknowledged the item (or a supplement to it). */
  item_received: { department: string };
  /** The workflow's own verification found a condition of the item unmet: the codes of every reason. */
  item_ineligible: { reasons: string[] };
  /** The delivering institution's records, checked before a birth certificate reaches it. */
  delivery_checked: { match: string };
  /** The applicant corrected the application in a supplement (the fields, never their values). */
  application_corrected: { fields: string[] };
  /** `actor` claimed the item for `assignee` (themself, or a supervisor for a case worker). */
  item_claimed: { assignee: string; previous?: string };
  item_released: { assignee: string };
  item_cancelled: { reason: string };
  item_refused: { reason: string };
  deadline_set: { deadline: string; calendarVersion: string };
  deadline_unavailable: { error: string; escalationLevel?: number };
  /** `cause`: whether the department's system or its review held the item at the deadline. */
  sla_breached: { deadline: string; department: string; cause?: string };
  escalated: { level: number; notify: string };
  /** `event`: the department system's event that decided the item (`decidedBy: "department_event"`), and when it happened. */
  item_decided: { decision: string; comment?: string; event?: string; occurredAt?: string };
  supplement_received: { documents: string[] };
  licence_issued: { number: string; type: string };
  case_withdrawn: { reason?: string };
  /** The item is the parents' to do (a payment of `amountFen` through the gateway). */
  item_awaiting_applicant: { amountFen: number };
  /** The gateway confirmed the payment the parents named (its reference, never who paid). */
  payment_verified: { reference: string; paidAt: string };
  /** The reference the parents named was refused: `reason` a code (PAYMENT_NOT_FOUND, ...). */
  payment_refused: { reason: string };
  /** The item's paper document was handed to the carrier. */
  shipment_created: { carrier: string; trackingNumber: string; document: string };
  /** The carrier delivered or returned the parcel. */
  shipment_settled: { trackingNumber: string; status: string };
  /** A request for supplement has a time limit (the pack's `supplementWorkingDays`). */
  supplement_limit_set: { deadline: string; requests: number };
  supplement_reminded: { deadline: string };
  case_closed: { status: string };
}

export type CaseEventType = keyof CaseEventDetails;

export type CaseEvent = { [T in CaseEventType]: EventBase & { type: T; detail: CaseEventDetails[T] } }[CaseEventType];

/** The envelope: one per projection, holding the events recorded since the previous one. */
export interface CaseEventRecord {
  schema: typeof CASE_EVENTS_SCHEMA;
  version: typeof CASE_EVENTS_VERSION;
  caseId: string;
  events: CaseEvent[];
}

export function caseEventRecord(caseId: string, events: CaseEvent[]): CaseEventRecord {
  return { schema: CASE_EVENTS_SCHEMA, version: CASE_EVENTS_VERSION, caseId, events };
}
