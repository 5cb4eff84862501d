import type { NextFunction, Request, Response } from 'express';
import { SignJWT, jwtVerify } from 'jose';
import { z } from 'zod';
import { DEPARTMENTS, type Department } from '../policy/types';
import { HttpError } from './errors';

export const ROLES = ['applicant', 'case_worker', 'supervisor', 'auditor', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export interface Principal {
  sub: string;
  role: Role;
  department?: Department;
}

const claimsSchema = z
  .object({ sub: z.string().min(1), role: z.enum(ROLES), department: z.enum(DEPARTMENTS).optional() })
  .refine((c) => c.role !== 'case_worker' || c.department, { message: 'a case worker token needs a department' });

declare module 'express-serve-static-core' {
  interface Request {
    principal?: Principal;
  }
}

const key = (secret: string) => new TextEncoder().encode(secret);

export async function signToken(secret: string, principal: Principal, expiresIn = '12h'): Promise<string> {
  return new SignJWT({ role: principal.role, ...(principal.department && { department: principal.department }) })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(principal.sub)
    .setIssuedAt()
    .setExpirationTime(expiresIn)
    .sign(key(secret));
}

/** Reads the bearer token when there is one; `requireRole` decides whether it is needed. */
export function authenticate(secret: string) {
  const secretKey = key(secret);
  return async (req: Request, _res: Response, next: NextFunction) => {
    const header = req.header('authorization');
    if (!header) return next();
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match) throw new HttpError(401, 'unauthenticated', 'Authorization must be "Bearer <token>"');
    try {
      const { payload } = await jwtVerify(match[1], secretKey, { algorithms: ['HS256'] });
      const claims = claimsSchema.safeParse(payload);
      if (!claims.success) throw new Error(claims.error.issues[0]?.message ?? 'bad claims');
      req.principal = claims.data;
    } catch (err) {
      throw new HttpError(401, 'unauthenticated', `invalid token: ${(err as Error).message}`);
    }
    next();
  };
}

/** Deny by default: every route names the roles it serves. */
export function requireRole(...roles: Role[]) {
  return (req: Request, _res: Response, next: NextFunction) => {
    if (!req.principal) throw new HttpError(401, 'unauthenticated', 'a bearer token is required');
    if (!roles.includes(req.principal.role)) throw new HttpError(403, 'forbidden', `this action is for ${roles.join(', ')}`);
    next();
  };
}

export function principal(req: Request): Principal {
  if (!req.principal) throw new HttpError(401, 'unauthenticated', 'a bearer token is required');
  return req.principal;
}
