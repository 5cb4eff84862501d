import { WorkflowNotFoundError, WorkflowUpdateFailedError, type Client, type WorkflowHandle } from '@temporalio/client';
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

/**
 * Sends an update to a case and returns the case view it answers with. The
 * workflow's validators refuse wrong requests before anything reaches its history;
 * their refusals become 4xx here. A case whose workflow has closed answers 409.
 */
export async function updateCase<Arg, Ret = CaseView>(
  client: Client,
  db: Db,
  caseId: string,
  update: UpdateDefinition<Ret, [Arg]>,
  arg: Arg,
  closedError: [string, string],
): Promise<Ret> {
  const handle = client.workflow.getHandle(caseId);
  try {
    return await handle.executeUpdate(update, { args: [arg] });
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure && err.cause.type && STATUS_OF[err.cause.type]) {
      const [status, code] = STATUS_OF[err.cause.type];
      if (err.cause.type === UPDATE_REFUSALS.claimed) {
        const [assignee] = err.cause.details ?? [];
        throw new HttpError(status, code, err.cause.message, { assignee: typeof assignee === 'string' ? assignee : null });
      }
      if (err.cause.type === UPDATE_REFUSALS.wrongInstitution) throw new HttpError(status, code, 'no such item');
      throw new HttpError(status, code, err.cause.message);
    }
    // Anything else: ask the engine whether the case is still open rather than read the error's words.
    if (!(await isRunning(handle))) {
      if (await findCase(db, caseId)) throw new HttpError(409, closedError[0], closedError[1]);
      throw new HttpError(404, 'not_found', 'no such case');
    }
    throw err;
  }
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
