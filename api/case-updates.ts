import { WorkflowNotFoundError, WorkflowUpdateFailedError, WorkflowUpdateRPCTimeoutOrCancelledError, WorkflowUpdateStage, isGrpcServiceError, type Client, type WorkflowHandle } from '@temporalio/client';
import type { Response } from 'express';
import { z } from 'zod';
import { ApplicationFailure } from '@temporalio/common';
import type { UpdateDefinition } from '@temporalio/common';
import type { Db } from '../db/client';
import { findCase } from '../db/queries';
import { UPDATE_REFUSALS } from '../runtime/failures';
import type { Actor, CaseView } from '../workflows/messages';
import type { Principal } from './auth';
import { HttpError } from './errors';

const STATUS_OF: Record<string, [number, string]> = {
  // An item the case does not have is, for the caller, an item not in review.
  [UPDATE_REFUSALS.unknownItem]: [409, 'item_not_in_review'],
  [UPDATE_REFUSALS.notInReview]: [409, 'item_not_in_review'],
  [UPDATE_REFUSALS.wrongDepartment]: [403, 'wrong_department'],
  // Not disclosed: for a stranger to its institution, the item does not exist.
  [UPDATE_REFUSALS.wrongInstitution]: [404, 'not_found'],
  [UPDATE_REFUSALS.claimed]: [409, 'claimed'],
  [UPDATE_REFUSALS.nothingAwaitingSupplement]: [409, 'nothing_awaiting_supplement'],
  [UPDATE_REFUSALS.caseClosed]: [409, 'case_closed'],
  [UPDATE_REFUSALS.invalidDecision]: [400, 'invalid_request'],
  [UPDATE_REFUSALS.notAwaitingApplicant]: [409, 'not_awaiting_applicant'],
  [UPDATE_REFUSALS.paymentNotVerified]: [422, 'payment_not_verified'],
  [UPDATE_REFUSALS.invalidInput]: [400, 'invalid_request'],
};

/** 202: the request is with the case, which had not answered it within the bound. */
export const acceptedUpdate = {
  description: 'the case had not answered within UPDATE_WAIT_SECONDS; the request stays with it, and `Location` names the case where its outcome will show',
  schema: z.object({ caseId: z.string(), status: z.literal('accepted'), message: z.string() }),
  headers: z.object({ location: z.string().meta({ description: 'the case, /api/cases/{caseId}' }) }),
};

/** The update completed (its answer), or the case had not answered it within the bound. */
export type UpdateOutcome<Ret> = { done: true; value: Ret } | { done: false };

/** A rejection that says Temporal itself cannot be reached, not that the case said no. */
export function isTemporalUnavailable(err: unknown): boolean {
  // gRPC UNAVAILABLE (14) and DEADLINE_EXCEEDED (4).
  if (isGrpcServiceError(err)) return err.code === 14 || err.code === 4;
  const e = err as { name?: string; cause?: unknown } | undefined;
  if (e?.name === 'TransportError') return true;
  return e?.cause !== undefined && e.cause !== err && isTemporalUnavailable(e.cause);
}

/** Temporal cannot be reached: try again shortly (503 with Retry-After). */
export function temporalUnavailable(retryAfterSeconds = 5): HttpError {
  return new HttpError(503, 'unavailable', 'the case engine cannot be reached; nothing was changed, try again shortly', { retryAfter: retryAfterSeconds });
}

let abandoned = 0;

/** Update calls given up on that have not settled yet (a connection closed under them would throw in a timer). */
export const abandonedUpdates = (): number => abandoned;

/** Resolves to `undefined` after `ms` (the timer does not hold the process open). */
function timeout(ms: number): Promise<undefined> {
  return new Promise((resolve) => setTimeout(() => resolve(undefined), ms).unref());
}

/**
 * Sends an update to a case and returns the case view it answers with, waiting at most
 * `waitMs`: a case whose worker is away (a restart, a wedged activity) must not hold the
 * caller's connection open. Past the bound the update stays with the engine, admitted,
 * and the outcome is `{ done: false }` (the API answers 202 with the case's location).
 * The workflow's validators refuse wrong requests before anything reaches its history;
 * their refusals become 4xx here. A case whose workflow has closed answers 409.
 */
export async function updateCase<Arg, Ret = CaseView>(
  client: Client,
  db: Db,
  caseId: string,
  update: UpdateDefinition<Ret, [Arg]>,
  arg: Arg,
  closedError: [string, string],
  waitMs: number,
): Promise<UpdateOutcome<Ret>> {
  const handle = client.workflow.getHandle(caseId);
  // Past the bound the calls are abandoned (not the update: the engine keeps it), so
  // that no retry of theirs outlives the request.
  const abandon = new AbortController();
  const work = client.withAbortSignal(abandon.signal, async (): Promise<UpdateOutcome<Ret>> => {
    try {
      const started = await handle.startUpdate(update, { args: [arg], waitForStage: WorkflowUpdateStage.ACCEPTED });
      return { done: true, value: await started.result() };
    } catch (err) {
      if (abandon.signal.aborted) return { done: false };
      // The engine's own wait for the update ran out (a busy or restarting worker): the
      // outcome is unknown, so the caller looks at the case, as past our own bound.
      if (err instanceof WorkflowUpdateRPCTimeoutOrCancelledError) return { done: false };
      throw await refusal(err, handle, db, closedError);
    }
  });
  const outcome = await Promise.race([work, timeout(waitMs)]);
  if (outcome) return outcome;
  abandon.abort();
  // A call the engine asked to retry later (too many updates in flight) retries once more
  // after the abort; counted until it settles, so that a shutdown can wait for it.
  abandoned++;
  work.catch(() => undefined).finally(() => abandoned--);
  return { done: false };
}

/** The HTTP error for a failed update (or the error itself when it is none of the case's refusals). */
async function refusal(err: unknown, handle: WorkflowHandle, db: Db, closedError: [string, string]): Promise<unknown> {
  if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure && err.cause.type && STATUS_OF[err.cause.type]) {
    const [status, code] = STATUS_OF[err.cause.type];
    if (err.cause.type === UPDATE_REFUSALS.claimed) {
      const [assignee] = err.cause.details ?? [];
      return new HttpError(status, code, err.cause.message, { assignee: typeof assignee === 'string' ? assignee : null });
    }
    if (err.cause.type === UPDATE_REFUSALS.wrongInstitution) return new HttpError(status, code, 'no such item');
    return new HttpError(status, code, err.cause.message);
  }
  if (isTemporalUnavailable(err)) return temporalUnavailable();
  // Anything else: ask the engine whether the case is still open rather than read the error's words.
  let running: boolean;
  try {
    running = await isRunning(handle);
  } catch (asked) {
    if (isTemporalUnavailable(asked)) return temporalUnavailable();
    throw asked;
  }
  if (!running) {
    if (await findCase(db, handle.workflowId)) return new HttpError(409, closedError[0], closedError[1]);
    return new HttpError(404, 'not_found', 'no such case');
  }
  return err;
}

/**
 * Answers an update request: 200 with what the case answered, or 202 with the case's
 * location when it had not answered within the bound (look there for the outcome).
 */
export function sendUpdated<Ret>(res: Response, caseId: string, outcome: UpdateOutcome<Ret>): void {
  if (outcome.done) {
    res.json(outcome.value);
    return;
  }
  res
    .status(202)
    .location(`/api/cases/${caseId}`)
    .json({ caseId, status: 'accepted', message: 'the case has not answered yet; the outcome will show at the location given' });
}

/** Whether the case's workflow runs; false when it closed or the engine does not know it (any more). */
async function isRunning(handle: WorkflowHandle): Promise<boolean> {
  try {
    return (await handle.describe()).status.name === 'RUNNING';
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return false;
    throw err;
  }
}

/** Who acts, as the workflow's validators judge it. */
export const actorOf = (who: Principal): Actor => ({
  sub: who.sub,
  role: who.role,
  ...(who.department && { department: who.department }),
  ...(who.institution && { institution: who.institution }),
  ...(who.division && { division: who.division }),
});
