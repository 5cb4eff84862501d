import type { NextFunction, Request, Response } from 'express';
import { z } from 'zod';
import type { Logger } from 'pino';
import { formatZodIssues, type FieldIssue } from '../policy/application';

export type { FieldIssue };

/** Every error answer: `{ error, message, details? }`, plus what a route documents for its own errors. */
export const errorSchema = z
  .object({
    error: z.string().meta({ description: 'a stable code, e.g. invalid_request, not_found, case_closed' }),
    message: z.string(),
    details: z.array(z.object({ path: z.string(), message: z.string() })).optional().meta({ description: 'every failing field (400 invalid_request)' }),
  })
  .meta({ id: 'Error' });

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

export function invalid(details: FieldIssue[]): HttpError {
  return new HttpError(400, 'invalid_request', `${details.length} field${details.length === 1 ? '' : 's'} failed validation`, { details });
}

/** Parses with a zod schema or throws a 400 listing every failing field. */
export function parse<S extends z.ZodType>(schema: S, value: unknown, prefix?: string): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw invalid(formatZodIssues(result.error).map((i) => ({ ...i, path: prefix ? (i.path ? `${prefix}.${i.path}` : prefix) : i.path })));
}

export function notFound(req: Request, _res: Response, next: NextFunction): void {
  next(new HttpError(404, 'not_found', `no route ${req.method} ${req.path}`));
}

/** Last in the chain: known errors become their status, anything else a 500 without internals. */
export function errorHandler(logger: Logger) {
  return (err: unknown, req: Request, res: Response, _next: NextFunction): void => {
    if (err instanceof HttpError) {
      if (typeof err.extra.retryAfter === 'number') res.set('retry-after', String(err.extra.retryAfter));
      res.status(err.status).json({ error: err.code, message: err.message, ...err.extra });
      return;
    }
    const e = err as { type?: string; status?: number; message?: string };
    if (e.type === 'entity.parse.failed') {
      res.status(400).json({ error: 'invalid_json', message: 'the request body is not valid JSON' });
      return;
    }
    if (e.type === 'entity.too.large') {
      res.status(413).json({ error: 'payload_too_large', message: 'the request body is too large' });
      return;
    }
    if (typeof e.status === 'number' && e.status >= 400 && e.status < 500) {
      res.status(e.status).json({ error: 'bad_request', message: 'the request could not be read' });
      return;
    }
    // Logged by path only: bodies can hold personal data.
    // The error's name and code, never its message: a database driver's message carries its query parameters.
    // (Not under `err.name`: the logger redacts every `*.name`, a person's name as much as an error's.)
    logger.error({ errorName: (err as Error)?.name, errorCode: (err as { code?: unknown })?.code, reqId: req.id, method: req.method, path: req.originalUrl.split('?')[0] }, 'unhandled error');
    res.status(500).json({ error: 'internal', message: 'something went wrong; the case is safe, try again' });
  };
}
