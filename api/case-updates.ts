import { WorkflowNotFoundError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { UpdateDefinition } from '@temporalio/common';
import type { Db } from '../db/client';
import { findCase } from '../db/queries';
import { UPDATE_ERRORS, type CaseView } from '../workflows/messages';
import { HttpError } from './errors';

const STATUS_OF: Record<string, [number, string]> = {
  // An item the case does not have is, for the caller, an item not in review.
  [UPDATE_ERRORS.unknownItem]: [409, 'item_not_in_review'],
  [UPDATE_ERRORS.notInReview]: [409, 'item_not_in_review'],
  [UPDATE_ERRORS.wrongDepartment]: [403, 'wrong_department'],
  [UPDATE_ERRORS.nothingAwaitingSupplement]: [409, 'nothing_awaiting_supplement'],
  [UPDATE_ERRORS.caseClosed]: [409, 'case_closed'],
};

/**
 * Sends an update to a case and returns the case view it answers with. The
 * workflow's validators refuse wrong requests before anything reaches its history;
 * their refusals become 4xx here. A case whose workflow has closed answers 409.
 */
export async function updateCase<Arg>(
  client: Client,
  db: Db,
  caseId: string,
  update: UpdateDefinition<CaseView, [Arg]>,
  arg: Arg,
  closedError: [string, string],
): Promise<CaseView> {
  try {
    return await client.workflow.getHandle(caseId).executeUpdate(update, { args: [arg] });
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure && err.cause.type && STATUS_OF[err.cause.type]) {
      const [status, code] = STATUS_OF[err.cause.type];
      throw new HttpError(status, code, err.cause.message);
    }
    // The workflow ended (or failed) while the update was in flight: the case is closed to it.
    if (err instanceof WorkflowNotFoundError || err instanceof WorkflowUpdateFailedError || isCompletedError(err)) {
      if (await findCase(db, caseId)) throw new HttpError(409, closedError[0], closedError[1]);
      throw new HttpError(404, 'not_found', 'no such case');
    }
    throw err;
  }
}

function isCompletedError(err: unknown): boolean {
  return err instanceof Error && /already completed|workflow execution already completed/i.test(err.message);
}
