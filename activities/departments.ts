import { ApplicationFailure, Context } from '@temporalio/activity';
import type { Department, ItemCode } from '../policy/types';
import type { Document, Licence } from '../workflows/messages';

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

function refusalCode(body: string): string {
  try {
    const code = (JSON.parse(body) as { error?: unknown }).error;
    return typeof code === 'string' && /^[A-Za-z0-9_.-]{1,64}$/.test(code) ? ` (${code})` : '';
  } catch {
    return '';
  }
}

export function idempotencyKey(): string {
  const { workflowExecution, activityId } = Context.current().info;
  return `${workflowExecution?.workflowId}/${workflowExecution?.runId}/${activityId}`;
}

export function createDepartmentActivities(options: { baseUrl: string; requestTimeoutMs?: number }) {
  const timeoutMs = options.requestTimeoutMs ?? 10_000;

  async function call<T>(method: string, path: string, body: unknown): Promise<T> {
    const ctx = Context.current();
    const signal = AbortSignal.any([ctx.cancellationSignal, AbortSignal.timeout(timeoutMs)]);
    const url = `${options.baseUrl}${path}`;
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers: { 'content-type': 'application/json', 'idempotency-key': idempotencyKey() },
        body: JSON.stringify(body),
        signal,
      });
    } catch (err) {
      // Network errors and time-outs are worth retrying.
      throw new Error(`${method} ${path}: ${(err as Error).name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : (err as Error).message}`);
    }
    const text = await response.text();
    if (response.status >= 500 || response.status === 429) {
      throw new Error(`${method} ${path}: department answered ${response.status}`);
    }
    if (!response.ok) {
      // Failure messages are stored in clear in the case history: the department's error
      // code only, never its answer, which may echo the applicant's personal data.
      throw ApplicationFailure.nonRetryable(`${method} ${path}: department refused with ${response.status}${refusalCode(text)}`, 'DepartmentRefused');
    }
    return JSON.parse(text) as T;
  }

  return {
    /** Hands an item to its department; the SLA clock starts when this returns. */
    async submitItem(input: SubmitItemInput): Promise<Receipt> {
      return call<Receipt>('POST', `/departments/${input.department}/applications`, {
        caseRef: input.caseId,
        region: input.region,
        item: input.item,
        proofs: input.proofs,
      });
    },

    /** Forwards the applicant's supplementary documents (补正材料) to the department. */
    async supplyItem(input: SupplyItemInput): Promise<Receipt> {
      return call<Receipt>('POST', `/departments/${input.department}/applications/${encodeURIComponent(input.receiptId)}/supplements`, {
        item: input.item,
        documents: input.documents,
      });
    },
  };
}

/** Look-ups in the civil-affairs and police registries: what the workflow verifies claims against. */
export function createRegistryLookups(options: { baseUrl: string; requestTimeoutMs?: number }) {
  const timeoutMs = options.requestTimeoutMs ?? 10_000;
  async function lookUp<T>(path: string, body: unknown): Promise<T> {
    const response = await fetch(`${options.baseUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    // Any failure is retried by the calling activity; the message names no person.
    if (!response.ok) throw new Error(`${path}: registry answered ${response.status}`);
    return (await response.json()) as T;
  }
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
