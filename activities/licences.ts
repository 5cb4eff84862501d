import { ApplicationFailure } from '@temporalio/activity';
import type { Db } from '../db/client';
import { LicenceAlreadyIssuedError, hasValidLicence, issueLicence, type NewLicence } from '../domain/licences';
import { ACTIVITY_FAILURES } from '../runtime/failures';
import type { Licence } from '../workflows/messages';
import { idempotencyKey } from './departments';

export type IssueLicenceInput = NewLicence;

export function createLicenceActivities({ db, idHashKey }: { db: Db; idHashKey: string }) {
  return {
    /** Issues the item's licence once: a retry of the same activity returns the first one. */
    async issueLicence(input: IssueLicenceInput): Promise<Licence> {
      try {
        return await issueLicence(db, idHashKey, idempotencyKey(), input);
      } catch (err) {
        if (err instanceof LicenceAlreadyIssuedError) throw ApplicationFailure.nonRetryable(err.message, ACTIVITY_FAILURES.licenceAlreadyIssued);
        throw err;
      }
    },

    async hasValidLicence(input: { subjectKey: string; type: string }): Promise<boolean> {
      return hasValidLicence(db, input.subjectKey, input.type);
    },
  };
}
