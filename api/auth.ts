import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { SignJWT, jwtVerify } from 'jose';
import { z } from 'zod';
import type { Db } from '../db/client';
import { recentRevocations } from '../db/revocations';
import { DIVISION_PREFIX, institutionFitsDepartment } from '../policy/routing';
import { DEPARTMENTS, type Department } from '../policy/types';
import type { Config } from '../runtime/config';
import { HttpError } from './errors';

export const ROLES = ['applicant', 'case_worker', 'supervisor', 'auditor', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export interface Principal {
  sub: string;
  role: Role;
  department?: Department;
  /** A case worker's office (DESIGN §7): `police:620102`, or a hospital's code such as `H620102001`. */
  institution?: string;
  /** A supervisor's scope: a division-code prefix of 2, 4 or 6 digits (province, city, county). */
  division?: string;
}

/** What signing and checking a token need from the configuration. */
export type TokenSettings = Pick<Config, 'authSecret' | 'tokenIssuer' | 'tokenAudience' | 'tokenMaxLifetimeSeconds' | 'tokenClockToleranceSeconds'>;

const claimsSchema = z
  .object({
    sub: z.string().min(1),
    role: z.enum(ROLES),
    department: z.enum(DEPARTMENTS).optional(),
    institution: z.string().min(1).max(64).optional(),
    division: z.string().regex(DIVISION_PREFIX, 'division must be a 2-, 4- or 6-digit division-code prefix').optional(),
    jti: z.string().min(1).max(200),
  })
  .refine((c) => c.role !== 'case_worker' || c.department, { message: 'a case worker token needs a department' });

declare module 'express-serve-static-core' {
  interface Request {
    principal?: Principal;
    /** The `jti` of the token the request came with. */
    tokenId?: string;
  }
}

const key = (secret: string) => new TextEncoder().encode(secret);

/**
 * Signs a token for `principal`, living `lifetimeSeconds` (default: 12 hours, or the
 * configured maximum when that is shorter), with a fresh `jti` to revoke it by.
 */
export async function signToken(settings: Omit<TokenSettings, 'tokenClockToleranceSeconds'>, principal: Principal, lifetimeSeconds?: number): Promise<string> {
  const lifetime = lifetimeSeconds ?? Math.min(12 * 3600, settings.tokenMaxLifetimeSeconds);
  if (!(lifetime > 0) || lifetime > settings.tokenMaxLifetimeSeconds) {
    throw new Error(`a token may live at most ${settings.tokenMaxLifetimeSeconds} s (TOKEN_MAX_LIFETIME)`);
  }
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({
    role: principal.role,
    ...(principal.department && { department: principal.department }),
    ...(principal.institution && { institution: principal.institution }),
    ...(principal.division && { division: principal.division }),
  })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(principal.sub)
    .setIssuer(settings.tokenIssuer)
    .setAudience(settings.tokenAudience)
    .setJti(randomUUID())
    .setIssuedAt(now)
    .setExpirationTime(now + lifetime)
    .sign(key(settings.authSecret));
}

/**
 * The revoked `jti`s, as one API instance sees them: reloaded from PostgreSQL when
 * older than `REVOCATION_CACHE_SECONDS`, so a revocation made through another
 * instance takes effect here within that time (at once through this one).
 */
class RevocationList {
  private jtis = new Set<string>();
  private loadedAt = -Infinity;
  private loading?: Promise<void>;

  constructor(
    private readonly db: Db,
    private readonly config: TokenSettings & Pick<Config, 'revocationCacheSeconds'>,
  ) {}

  async has(jti: string): Promise<boolean> {
    if (Date.now() - this.loadedAt > this.config.revocationCacheSeconds * 1000) {
      this.loading ??= this.reload().finally(() => (this.loading = undefined));
      await this.loading;
    }
    return this.jtis.has(jti);
  }

  add(jti: string): void {
    this.jtis.add(jti);
  }

  private async reload(): Promise<void> {
    const started = Date.now();
    // A token lives at most the maximum lifetime: older revocations can no longer match a valid one.
    const jtis = await recentRevocations(this.db, this.config.tokenMaxLifetimeSeconds + this.config.tokenClockToleranceSeconds);
    this.jtis = new Set(jtis);
    this.loadedAt = started;
  }
}

const revocationLists = new WeakMap<Db, RevocationList>();

/** One revocation list per database handle: every app built on it (tests build many) shares it. */
export function revocationList(db: Db, config: TokenSettings & Pick<Config, 'revocationCacheSeconds'>): RevocationList {
  let list = revocationLists.get(db);
  if (!list) revocationLists.set(db, (list = new RevocationList(db, config)));
  return list;
}

/** Reads the bearer token when there is one; `requireRole` decides whether it is needed. */
export function authenticate({ db, config }: { db: Db; config: TokenSettings & Pick<Config, 'revocationCacheSeconds'> }) {
  const secretKey = key(config.authSecret);
  const revoked = revocationList(db, config);
  return async (req: Request, res: Response, next: NextFunction) => {
    const header = req.header('authorization');
    if (!header) return next();
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match) throw new HttpError(401, 'unauthenticated', 'Authorization must be "Bearer <token>"');
    let claims: z.infer<typeof claimsSchema>;
    try {
      const { payload } = await jwtVerify(match[1], secretKey, {
        algorithms: ['HS256'],
        issuer: config.tokenIssuer,
        audience: config.tokenAudience,
        clockTolerance: config.tokenClockToleranceSeconds,
        // Also refuses an `iat` in the future (beyond the tolerance).
        maxTokenAge: config.tokenMaxLifetimeSeconds,
        requiredClaims: ['exp', 'iat', 'jti', 'sub'],
      });
      // A token signed to live longer than allowed is refused outright, not only once it is old.
      if (payload.exp! - payload.iat! > config.tokenMaxLifetimeSeconds) throw new Error(`the token lives longer than ${config.tokenMaxLifetimeSeconds} s`);
      const parsed = claimsSchema.safeParse(payload);
      if (!parsed.success) throw new Error(parsed.error.issues[0]?.message ?? 'bad claims');
      claims = parsed.data;
    } catch (err) {
      throw new HttpError(401, 'unauthenticated', `invalid token: ${(err as Error).message}`);
    }
    // Unchecked is unauthenticated: without the list, no token is let through.
    const isRevoked = await revoked.has(claims.jti).catch(() => {
      res.set('retry-after', '5');
      throw new HttpError(503, 'unavailable', 'tokens cannot be checked right now; try again shortly');
    });
    if (isRevoked) throw new HttpError(401, 'unauthenticated', 'invalid token: revoked');
    req.principal = {
      sub: claims.sub,
      role: claims.role,
      ...(claims.department && { department: claims.department }),
      ...(claims.institution && { institution: claims.institution }),
      ...(claims.division && { division: claims.division }),
    };
    req.tokenId = claims.jti;
    next();
  };
}

/** Deny by default: every route names the roles it serves. */
export function requireRole(...roles: Role[]) {
  return (req: Request, _res: Response, next: NextFunction) => {
    if (!req.principal) throw new HttpError(401, 'unauthenticated', 'a bearer token is required');
    if (!roles.includes(req.principal.role)) throw new HttpError(403, 'forbidden', `this action is for ${roles.join(', ')}`);
    const { role, department, institution } = req.principal;
    // A case worker acts for one office: a token that names none, or one of another department, acts for none.
    if (role === 'case_worker' && !institution) throw new HttpError(403, 'forbidden', 'a case worker token needs an institution');
    if (role === 'case_worker' && department && institution && !institutionFitsDepartment(department, institution)) {
      throw new HttpError(403, 'forbidden', `the institution of a ${department} case worker must be ${department === 'hospital' ? "a hospital's code" : `${department}:<6-digit division code>`}`);
    }
    next();
  };
}

export function principal(req: Request): Principal {
  if (!req.principal) throw new HttpError(401, 'unauthenticated', 'a bearer token is required');
  return req.principal;
}
