import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { personKey } from '../domain/identity';
import type { ApiDeps } from './deps';

declare module 'express-serve-static-core' {
  interface Request {
    id?: string;
  }
}

const PROBES = new Set(['/healthz', '/readyz', '/metrics']);
/** A request id a proxy may hand us; anything else is replaced by our own. */
const SAFE_ID = /^[A-Za-z0-9._-]{8,64}$/;

/**
 * One line per request once it is answered: the full path (never the query string or
 * body, which may carry personal data), the status, the time taken, a request id (also
 * sent back as `x-request-id`, so a person reporting a problem can quote it) and who
 * called. An applicant's subject is an ID number: logged as a keyed pseudonym instead.
 */
export function requestLog({ logger, config }: Pick<ApiDeps, 'logger' | 'config'>) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const started = process.hrtime.bigint();
    const incoming = req.header('x-request-id');
    req.id = incoming && SAFE_ID.test(incoming) ? incoming : randomUUID();
    res.setHeader('x-request-id', req.id);
    res.on('finish', () => {
      const path = req.originalUrl.split('?')[0];
      const who = req.principal;
      const caller = who && { role: who.role, sub: who.role === 'applicant' ? `applicant:${personKey(config.idHashKey, who.sub).slice(0, 12)}` : who.sub, ...(who.department && { department: who.department }) };
      const line = { reqId: req.id, method: req.method, path, status: res.statusCode, ms: Math.round(Number(process.hrtime.bigint() - started) / 1e6), ...(caller && { caller }) };
      // Health probes come every few seconds from load balancers: worth a line only when debugging.
      if (PROBES.has(path)) logger.debug(line, 'request');
      else logger.info(line, 'request');
    });
    next();
  };
}
