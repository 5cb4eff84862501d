import { z } from 'zod';
import { listRevocations, revokeToken } from '../../db/revocations';
import { principal, revocationList } from '../auth';
import type { ApiDeps } from '../deps';
import { Routes, timestamp } from '../route-registry';

const revocationSchema = z
  .object({
    jti: z.string().trim().min(1).max(200),
    reason: z.string().trim().max(500).optional(),
  })
  .strict();

const revocationView = z.object({ jti: z.string(), reason: z.string().optional(), revokedBy: z.string(), revokedAt: timestamp });

const view = (r: { jti: string; reason: string | null; revokedBy: string; revokedAt: Date }) => ({
  jti: r.jti,
  ...(r.reason && { reason: r.reason }),
  revokedBy: r.revokedBy,
  revokedAt: r.revokedAt.toISOString(),
});

const tag = { name: 'admin', description: 'Administrators: token revocation and the working-day calendar' };

/** Token revocation: a lost laptop or a leaving employee's token stops working before it expires. */
export function adminRouter(deps: ApiDeps): Routes {
  const { db, config, logger } = deps;
  const routes = new Routes({ tag });

  routes.post('/admin/revocations', {
    operationId: 'revokeToken',
    summary: 'Revoke a token by its jti: every API instance refuses it within REVOCATION_CACHE_SECONDS',
    roles: ['admin'],
    body: revocationSchema,
    responses: {
      201: { description: 'revoked now', schema: revocationView },
      200: { description: 'it was revoked already', schema: revocationView },
    },
  }, async (req, res, { body }) => {
    const { revocation, created } = await revokeToken(db, { ...body(), revokedBy: principal(req).sub });
    // This instance refuses the token at once; the others within REVOCATION_CACHE_SECONDS.
    revocationList(db, config).add(revocation.jti);
    logger.info({ jti: revocation.jti, by: principal(req).sub }, 'token revoked');
    res.status(created ? 201 : 200).json(view(revocation));
  });

  routes.get('/admin/revocations', {
    operationId: 'listRevocations',
    summary: 'Tokens revoked before they expire',
    roles: ['admin'],
    responses: { 200: { description: 'the revocations, newest first', schema: z.object({ revocations: z.array(revocationView) }) } },
  }, async (_req, res) => {
    res.json({ revocations: (await listRevocations(db)).map(view) });
  });

  return routes;
}
