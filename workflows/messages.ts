// Everything the outside world can say to a case, or ask it: imported by the
// workflow, the API and the tests alike.
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type {
  Application,
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
}

export interface Licence {
  number: string;
  type: string;
}

export interface ItemView {
  item: ItemCode;
  department: Department;
  status: ItemStatus;
  startedAt?: string;
  deadline?: string;
  escalationLevel: number;
  licence?: Licence;
  decidedBy?: string;
  decidedAt?: string;
  reason?: string;
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
}

export interface Actor {
  /** Token subject: a case worker's staff ID, or the applicant's ID number, never stored in history for applicants. */
  sub: string;
  role: string;
  department?: Department;
}

export type Decision = 'approve' | 'reject' | 'request_supplement';

export interface DecideItemInput {
  item: ItemCode;
  decision: Decision;
  comment?: string;
  actor: Actor;
}

export interface Document {
  name: string;
  reference: string;
}

export interface SupplyDocumentsInput {
  item: ItemCode;
  documents: Document[];
}

export interface WithdrawInput {
  reason?: string;
}

/** Error types raised by update validators; the API maps them to HTTP codes. */
export const UPDATE_ERRORS = {
  unknownItem: 'UnknownItem', // 404
  notInReview: 'ItemNotInReview', // 409
  wrongDepartment: 'WrongDepartment', // 403
  nothingAwaitingSupplement: 'NothingAwaitingSupplement', // 409
  caseClosed: 'CaseClosed', // 409
} as const;

export const caseViewQuery = defineQuery<CaseView>('caseView');
export const decideItemUpdate = defineUpdate<CaseView, [DecideItemInput]>('decideItem');
export const supplyDocumentsUpdate = defineUpdate<CaseView, [SupplyDocumentsInput]>('supplyDocuments');
export const withdrawCaseUpdate = defineUpdate<CaseView, [WithdrawInput]>('withdrawCase');
