import { ApplicationFailure } from '@temporalio/activity';
import { scrubDatabaseError, DatabaseError } from '../db/errors';
import { ACTIVITY_FAILURES } from '../runtime/failures';

// Every activity's failure passes here on its way to the engine (issue 12 §1, §2): a
// database error leaves as its SQLSTATE only, never the driver's message with the
// query's parameters; one the database refused for the data itself is not retried (it
// would fail the same way for ever), the workflow puts the item before a supervisor.

export function activityFailure(err: unknown): unknown {
  const scrubbed = scrubDatabaseError(err);
  if (!(scrubbed instanceof DatabaseError)) return err;
  const failure = scrubbed.dataRefused
    ? ApplicationFailure.nonRetryable(scrubbed.message, ACTIVITY_FAILURES.dataRefused, scrubbed.code)
    : ApplicationFailure.retryable(scrubbed.message, ACTIVITY_FAILURES.databaseError, scrubbed.code);
  // The stack of our wrapper, not the driver's (whose message it would repeat).
  failure.stack = `${failure.name}: ${failure.message}`;
  return failure;
}

/** The same activities, each failing through `activityFailure`. */
export function guardActivities<T extends Record<string, (...args: never[]) => Promise<unknown>>>(activities: T): T {
  return Object.fromEntries(
    Object.entries(activities).map(([name, fn]) => [
      name,
      async (...args: never[]) => {
        try {
          return await fn(...args);
        } catch (err) {
          throw activityFailure(err);
        }
      },
    ]),
  ) as T;
}
