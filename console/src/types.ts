// What the API answers, as far as the console reads it; fields of later API versions are optional.

export interface Reason {
  code: string;
  message: string;
}

export interface CaseItem {
  item: string;
  key?: string;
  department: string;
  institution?: string;
  status: string;
  startedAt?: string;
  deadline?: string | null;
  escalationLevel: number;
  licence?: { number: string; type: string };
  decidedBy?: string;
  decidedAt?: string;
  reason?: string;
  reasons?: Reason[];
  assignee?: string | null;
  /** The parents pay this item themselves (status awaiting_applicant until the gateway confirms it). */
  payment?: { amountFen: number; paid: boolean };
  /** The one trip left (最多跑一次), once the item is completed. */
  visit?: { institution: string; purpose: string; appointment?: { slot: string } };
}

export interface Shipment {
  item: string;
  key?: string;
  carrier: string;
  trackingNumber: string;
  status: string;
}

export interface CaseView {
  caseId: string;
  region: string;
  policyVersion: string;
  status: string;
  submittedAt: string;
  closedAt?: string;
  reasons?: Reason[];
  items: CaseItem[];
  shipments?: Shipment[];
}

export interface Task {
  caseId: string;
  item: string;
  key?: string;
  department: string;
  institution?: string;
  status: string;
  deadline: string | null;
  escalationLevel: number;
  assignee?: string | null;
}

export interface Breach {
  caseId: string;
  item: string;
  key?: string;
  department: string;
  region: string;
  deadline: string;
  breachedAt: string;
  escalationLevel: number;
  resolvedAt: string | null;
}

export interface TimelineEvent {
  at: string;
  type: string;
  item?: string;
  actor?: string;
  detail?: Record<string, unknown>;
}
