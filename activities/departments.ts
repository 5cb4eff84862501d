import { Context } from '@temporalio/activity';
import type { Department, ItemCode } from '../policy/types';
import type { Document, Licence } from '../workflows/messages';
import { postJson } from './http';

// Adapter to the department systems (hospital, police, hrss, medical insurance,
// health), reached over HTTP as a real deployment would reach each bureau's gateway.
// Every call carries an idempotency key derived from the workflow and activity IDs,
// so a retried activity never causes a second effect at the department.

export interface SubmitItemInput {
  caseId: string;
  region: string;
  item: ItemCode;
  department: Department;
  /** Licences of the prerequisite items, handed on as proof. */
  proofs: Licence[];
}

export interface Receipt {
  receiptId: string;
  receivedAt: string;
}

export interface SupplyItemInput {
  caseId: string;
  item: ItemCode;
  department: Department;
  receiptId: string;
  documents: Document[];
}

export function idempotencyKey(): string {
  const { workflowExecution, activityId } = Context.current().info;
  return `${workflowExecution?.workflowId}/${workflowExecution?.runId}/${activityId}`;
}

export function createDepartmentActivities(options: { baseUrl: string; requestTimeoutMs?: number }) {
  const timeoutMs = options.requestTimeoutMs ?? 10_000;

  const call = <T>(path: string, body: unknown) =>
    postJson<T>(options.baseUrl, path, body, {
      peer: 'department',
      timeoutMs,
      idempotencyKey: idempotencyKey(),
      signal: Context.current().cancellationSignal,
      refusalType: 'DepartmentRefused',
    });

  return {
    /** Hands an item to its department; the SLA clock starts when this returns. */
    async submitItem(input: SubmitItemInput): Promise<Receipt> {
      return call<Receipt>(`/departments/${input.department}/applications`, {
        caseRef: input.caseId,
        region: input.region,
        item: input.item,
        proofs: input.proofs,
      });
    },

    /** Forwards the applicant's supplementary documents (补正材料) to the department. */
    async supplyItem(input: SupplyItemInput): Promise<Receipt> {
      return call<Receipt>(`/departments/${input.department}/applications/${encodeURIComponent(input.receiptId)}/supplements`, {
        item: input.item,
        documents: input.documents,
      });
    },
  };
}

/** Look-ups in the civil-affairs and police registries: what the workflow verifies claims against. */
export function createRegistryLookups(options: { baseUrl: string; requestTimeoutMs?: number }) {
  const timeoutMs = options.requestTimeoutMs ?? 10_000;
  // Reads: every failure is retried by the calling activity.
  const lookUp = <T>(path: string, body: unknown) => postJson<T>(options.baseUrl, path, body, { peer: 'registry', timeoutMs });
  return {
    async marriageStatus(idNumbers: string[]): Promise<string | undefined> {
      const answer = await lookUp<{ found: boolean; status?: string }>('/registries/marriage/lookup', { idNumbers });
      return answer.found ? answer.status : undefined;
    },
    async hukouOf(idNumber: string): Promise<HukouLookup> {
      return lookUp<HukouLookup>('/registries/hukou/lookup', { idNumber });
    },
  };
}

export interface HukouLookup {
  found: boolean;
  hukou?: { divisionCode: string; householdType: 'family' | 'collective' } | null;
}
