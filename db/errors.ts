// PostgreSQL errors as they may leave this layer. The driver's message carries the
// query's parameters (a child's name among them): it must reach no failure, history or
// log. What leaves is the SQLSTATE and a message of our own.

const SQLSTATE = /^[0-9A-Z]{5}$/;

/** The SQLSTATE of a database error (drizzle wraps the driver's error in `cause`), if it is one. */
export function sqlStateOf(err: unknown): string | undefined {
  for (let e = err as { code?: unknown; cause?: unknown } | undefined, depth = 0; e && typeof e === 'object' && depth < 5; e = e.cause as typeof e, depth++) {
    if (typeof e.code === 'string' && SQLSTATE.test(e.code)) return e.code;
  }
  return undefined;
}

/**
 * Refused for the data itself: class 22 (data exception: a NUL in text, a value out of
 * range) and 23 (integrity constraint violation). Retrying the same values fails the
 * same way for ever; anything else (connection, lock, resources) may pass next time.
 */
export function isDataError(code: string): boolean {
  return code.startsWith('22') || code.startsWith('23');
}

/** A database error without the driver's words: the code, and what kind of failure it is. */
export class DatabaseError extends Error {
  override readonly name = 'DatabaseError';
  constructor(readonly code: string) {
    super(`the database refused the statement (SQLSTATE ${code})`);
  }

  get dataRefused(): boolean {
    return isDataError(this.code);
  }
}

/** `err` as a DatabaseError when it is a database error (its stack dropped with its message), else unchanged. */
export function scrubDatabaseError(err: unknown): unknown {
  if (err instanceof DatabaseError) return err;
  const code = sqlStateOf(err);
  return code ? new DatabaseError(code) : err;
}
