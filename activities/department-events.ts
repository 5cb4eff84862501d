import { ApplicationFailure, ApplicationFailureCategory } from '@temporalio/common';
import { Context } from '@temporalio/activity';
import { z } from 'zod';
import { DEPARTMENT_EVENTS, type Department, type DepartmentEvent, type ItemCode } from '../policy/types';
import { postJson } from './http';

// Items a department decides on the spot (`decidedBy: "department_event"`): Lanzhou's
// vaccination certificate is handed over by the delivering hospital once the child has
// had the first dose. The worker asks the department's system whether that happened,
// rather than the system calling in: no credentials for department systems on the API,
// an event that happened before the case existed is found all the same, the system
// stays the authority (a forged call cannot issue a licence), and a waiting item holds
// no worker slot. A "not yet" is a benign failure retried after `pollMs`: the server
// keeps the retries, so waiting adds nothing to the case's history.

export const DEPARTMENT_EVENT_NOT_YET = 'DepartmentEventNotYet';

export interface AwaitDepartmentEventInput {
  caseId: string;
  /** The item's key in the case. */
  item: string;
  department: Department;
  /** The department system's receipt of the item (submitItem). */
  receiptId: string;
  event: DepartmentEvent;
}

export interface DepartmentEventOccurred {
  event: DepartmentEvent;
  /** When it happened, as the department system recorded it. */
  at: string;
}

const eventsAnswer = z.object({ events: z.array(z.object({ type: z.enum(DEPARTMENT_EVENTS), at: z.iso.datetime({ offset: true }) })) });

export function createDepartmentEventActivities(options: { baseUrl: string; pollMs?: number; requestTimeoutMs?: number }) {
  const pollMs = options.pollMs ?? 15_000;
  const timeoutMs = options.requestTimeoutMs ?? 10_000;
  return {
    /** Resolves once the department system reports the event for the item; until then fails benignly and is retried. */
    async awaitDepartmentEvent(input: AwaitDepartmentEventInput): Promise<DepartmentEventOccurred> {
      const raw = await postJson<unknown>(options.baseUrl, `/departments/${input.department}/applications/${encodeURIComponent(input.receiptId)}/events`, { type: input.event }, {
        peer: 'department',
        timeoutMs,
        signal: Context.current().cancellationSignal,
      });
      const parsed = eventsAnswer.safeParse(raw);
      // An event we do not know is the system's fault: retried like an outage, never read as "not yet".
      if (!parsed.success) throw new Error(`the ${input.department} system answered in an unknown form (${parsed.error.issues.map((i) => i.path.join('.') || 'body').join(', ')})`);
      const found = parsed.data.events.find((e) => e.type === input.event);
      if (found) return { event: found.type, at: found.at };
      throw ApplicationFailure.create({
        type: DEPARTMENT_EVENT_NOT_YET,
        message: `the ${input.department} system reports no ${input.event} for ${input.item} yet`,
        nextRetryDelay: pollMs,
        category: ApplicationFailureCategory.BENIGN,
      });
    },
  };
}
