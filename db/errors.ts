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
 * The code of any database error: its SQLSTATE, or the driver's own code for a lost
 * connection (CONNECTION_CLOSED ...), which drizzle's wrapper would otherwise print with
 * the query's parameters. Undefined for errors that are not the database's.
 */
export function databaseCodeOf(err: unknown): string | undefined {
  const state = sqlStateOf(err);
  if (state) return state;
  let fromDatabase = false;
  let code: string | undefined;
  for (let e = err as { name?: unknown; code?: unknown; cause?: unknown } | undefined, depth = 0; e && typeof e === 'object' && depth < 5; e = e.cause as typeof e, depth++) {
    if (e.name === 'DrizzleQueryError' || e.name === 'PostgresError') fromDatabase = true;
    if (typeof e.code === 'string' && /^CONNECT(ION)?_[A-Z_]+$/.test(e.code)) {
      fromDatabase = true;
      code ??= e.code;
    }
    if (typeof e.code === 'string' && /^E[A-Z]+$/.test(e.code)) code ??= e.code;
  }
  return fromDatabase ? (code ?? 'UNKNOWN') : undefined;
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
    super(SQLSTATE.test(code) ? `the database refused the statement (SQLSTATE ${code})` : `the database could not be reached (${code})`);
  }

  get dataRefused(): boolean {
    return isDataError(this.code);
  }
}

/** `err` as a DatabaseError when it is a database error (its stack dropped with its message), else unchanged. */
export function scrubDatabaseError(err: unknown): unknown {
  if (err instanceof DatabaseError) return err;
  const code = databaseCodeOf(err);
  return code ? new DatabaseError(code) : err;
}
