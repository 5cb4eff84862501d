import type { NextFunction, Request, Response } from 'express';
import { hmac } from '../domain/identity';
import { countRequest, pruneRequestCounts } from '../db/rate-limits';
import type { ApiDeps } from './deps';
import { HttpError } from './errors';

// Fixed-window limits on the routes that cost (eligibility, submission, replay) or
// accept credentials (the codec's login link), per caller and per address, counted in
// PostgreSQL so that every API instance behind a load balancer sees the same count.
// Keys are HMACs: an applicant's subject is an ID number, an address is personal too.

let requestsSincePrune = 0;

/**
 * `bucket` names the route (each has its own counters). Before authentication only
 * the address can be counted (`by: ['address']`); after it, the caller too.
 */
export function rateLimit(deps: Pick<ApiDeps, 'db' | 'config' | 'logger'>, bucket: string, by: ('address' | 'caller')[] = ['address', 'caller']) {
  const { windowSeconds, perCaller, perAddress } = deps.config.rateLimit;
  const { idHashKey } = deps.config;
  return async (req: Request, res: Response, next: NextFunction) => {
    const limits = new Map<string, number>();
    if (perAddress > 0 && by.includes('address')) limits.set(`${bucket}:address:${hmac(idHashKey, 'address', req.ip ?? 'unknown').slice(0, 32)}`, perAddress);
    const who = req.principal;
    if (perCaller > 0 && who && by.includes('caller')) limits.set(`${bucket}:caller:${hmac(idHashKey, 'caller', who.role, who.sub).slice(0, 32)}`, perCaller);
    if (limits.size === 0) return next();
    let counts;
    try {
      counts = await countRequest(deps.db, [...limits.keys()], windowSeconds);
    } catch (err) {
      // The limit guards capacity; an unreadable counter must not take the route down with it.
      deps.logger.warn({ code: (err as { code?: string }).code, bucket }, 'rate limit not counted');
      return next();
    }
    if (++requestsSincePrune >= 1000) {
      requestsSincePrune = 0;
      void pruneRequestCounts(deps.db, Math.max(3600, windowSeconds * 2)).catch(() => undefined);
    }
    const over = counts.filter((c) => c.count > limits.get(c.key)!);
    if (over.length === 0) return next();
    const retryAfter = Math.max(...over.map((c) => c.resetInSeconds));
    res.set('retry-after', String(retryAfter));
    throw new HttpError(429, 'rate_limited', `too many requests; try again in ${retryAfter} s`, { retryAfter });
  };
}
