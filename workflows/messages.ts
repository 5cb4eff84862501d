// Everything the outside world can say to a case, or ask it: imported by the
// workflow, the API and the tests alike.
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import { UPDATE_REFUSALS } from '../runtime/failures';
import type {
  Application,
  ApplicationSection,
  CaseStatus,
  Department,
  ItemCode,
  ItemStatus,
  PolicyPack,
  Reason,
} from '../policy/types';

export const TASK_QUEUE = 'newborn-cases';
export const WORKFLOW_TYPE = 'newbornCaseWorkflow';

export interface CaseInput {
  caseId: string;
  application: Application;
  /** The pack as published when the case was submitted: the case keeps it to the end. */
  pack: PolicyPack;
  /** Items the applicant applied for, in pack order. */
  items: ItemCode[];
  submittedAt: string;
  /** HMAC of the applicant's ID number and its masked form (for the read model). */
  applicantHash: string;
  applicantMasked: string;
  /**
   * The delivery the case is for (CHILDREN): an HMAC of the mother's ID number, the
   * earliest birth, and which attempt for that delivery this case is. Absent in cases
   * submitted before; the projection writes them for the duplicate check and the figures.
   */
  delivery?: CaseDelivery;
}

export interface CaseDelivery {
  motherHash: string;
  /** The earliest `bornAt` of the delivery's children. */
  bornAt: string;
  attempt: number;
  /** The case of the attempt before, when this one follows a withdrawn or ineligible case. */
  previousAttempt?: string;
  /** The end of the pack's registration window for this delivery (the figures' timeliness). */
  registrationDeadline?: string;
}

export interface Licence {
  number: string;
  type: string;
}

export interface ItemView {
  /**
   * Unique in the case: the item code, or `<item>.<n>` for the n-th child's item of a
   * delivery with more than one child. Every view the service answers has it; a view
   * built by hand without it means the item code.
   */
  key?: string;
  item: ItemCode;
  /** Which child (1, 2, …, in the order of `children`) a child's item is for, when the delivery has more than one. */
  child?: number;
  department: Department;
  /** The office the item is routed to (policy/routing.ts); absent in rows projected before routing existed. */
  institution?: string;
  status: ItemStatus;
  /** The case worker (token `sub`) who holds the item; at most one at a time. */
  assignee?: string;
  startedAt?: string;
  deadline?: string;
  escalationLevel: number;
  licence?: Licence;
  decidedBy?: string;
  decidedAt?: string;
  reason?: string;
  /** Why an `ineligible` item is: every unmet condition (packs with conditions per item). */
  reasons?: Reason[];
}

export interface CaseView {
  caseId: string;
  region: string;
  policyVersion: string;
  status: CaseStatus;
  submittedAt: string;
  closedAt?: string;
  reasons?: Reason[];
  items: ItemView[];
  /** Every case for the same delivery, oldest first, this one included (absent before attempts were recorded). */
  attempts?: string[];
}

export interface Actor {
  /** Token subject: a case worker's staff ID, or the applicant's ID number, never stored in history for applicants. */
  sub: string;
  role: string;
  department?: Department;
  /** A case worker's office (`police:620102`, a hospital's code). */
  institution?: string;
  /** A supervisor's scope: a division-code prefix (province, city or county). */
  division?: string;
}

export type Decision = 'approve' | 'reject' | 'request_supplement';

export interface DecideItemInput {
  /** The item's key in the case. */
  item: string;
  decision: Decision;
  comment?: string;
  actor: Actor;
}

export interface Document {
  name: string;
  reference: string;
}

export interface SupplyDocumentsInput {
  /** The item's key in the case. */
  item: string;
  documents: Document[];
  /**
   * Corrections to the application, accepted while the item waits on the delivering
   * institution's record (DELIVERY_RECORD_MISMATCH, DELIVERY_RECORD_NOT_FOUND): a birth
   * time typed wrong is corrected in this case rather than in a second one.
   */
  corrections?: { bornAt?: string };
}

export interface WithdrawInput {
  reason?: string;
}

/** A case worker claims an item for themself (`assignee` is their `sub`); a supervisor of its department assigns it. */
export interface ClaimItemInput {
  /** The item's key in the case. */
  item: string;
  actor: Actor;
  assignee: string;
  /** A supervisor moving an item someone else holds; without it, a held item is refused. */
  reassign?: boolean;
}

export interface ReleaseItemInput {
  /** The item's key in the case. */
  item: string;
  actor: Actor;
}

export interface ItemClaim {
  /** The item's key in the case. */
  item: string;
  assignee?: string;
}

/** What the case worker of the item's institution works from: the granted sections, the licences handed on, the documents. */
export interface ItemFile {
  /** The item's key in the case. */
  item: string;
  institution: string;
  sections: ApplicationSection[];
  /** The granted sections of the application, as the applicant filled them in. */
  data: Partial<Pick<Application, ApplicationSection>>;
  proofs: Licence[];
  /** Attached at submission, then every supplement, in order. */
  documents: Document[];
}

/** The applicant names the payment they made at the gateway for an item that awaits them (APPLICANT_STEPS). */
export interface SubmitPaymentInput {
  /** The item's key in the case. */
  item: string;
  reference: string;
}

/** The carrier's last word on a parcel (SHIPMENTS): the API relays it once it is applied. */
export interface ShipmentSettledInput {
  trackingNumber: string;
  status: 'delivered' | 'returned';
}

/** The parcel statuses of DESIGN §7 "Delivery of cards", in the order a parcel goes through them. */
export const SHIPMENT_STATUSES = ['created', 'in_transit', 'delivered', 'returned'] as const;
export type ShipmentStatus = (typeof SHIPMENT_STATUSES)[number];

/** Error types raised by update validators; the API maps them to HTTP codes (api/case-updates.ts). */
export const UPDATE_ERRORS = UPDATE_REFUSALS;

export const caseViewQuery = defineQuery<CaseView>('caseView');
export const decideItemUpdate = defineUpdate<CaseView, [DecideItemInput]>('decideItem');
export const supplyDocumentsUpdate = defineUpdate<CaseView, [SupplyDocumentsInput]>('supplyDocuments');
export const withdrawCaseUpdate = defineUpdate<CaseView, [WithdrawInput]>('withdrawCase');
export const claimItemUpdate = defineUpdate<ItemClaim, [ClaimItemInput]>('claimItem');
export const releaseItemUpdate = defineUpdate<ItemClaim, [ReleaseItemInput]>('releaseItem');
/** The file of one item by its key (today its item code); undefined when the case has no such item. */
export const submitPaymentUpdate = defineUpdate<CaseView, [SubmitPaymentInput]>('submitPayment');
export const shipmentSettledSignal = defineSignal<[ShipmentSettledInput]>('shipmentSettled');
export const itemFileQuery = defineQuery<ItemFile | undefined, [string]>('itemFile');
