import { randomUUID } from 'node:crypto';
import { Router } from 'express';
import { z } from 'zod';
import { findLicence, reissueLicence } from '../../activities/licences';
import { principal, requireRole } from '../auth';
import type { ApiDeps } from '../deps';
import { HttpError, parse } from '../errors';

const numberSchema = z.string().regex(/^[A-Z]{2,6}\d{14}$/, 'not a licence number');
const reissueSchema = z.object({
  kind: z.enum(['replacement', 'reissue']),
  comment: z.string().trim().max(500).optional(),
});

/** The licence store (电子证照库) for the departments that issue licences. */
export function licencesRouter({ db, logger }: ApiDeps): Router {
  const router = Router();

  router.get('/licences/:number', requireRole('case_worker', 'auditor'), async (req, res) => {
    const licence = await findLicence(db, parse(numberSchema, req.params.number, 'number'));
    if (!licence) throw new HttpError(404, 'not_found', 'no such licence');
    const who = principal(req);
    if (who.role === 'case_worker' && who.department !== licence.issuer) throw new HttpError(403, 'forbidden', `this licence was issued by the ${licence.issuer} department`);
    res.json(licence);
  });

  // 换发 (replacement) and 补发 (reissue): the old e-licence is voided as the new one is issued.
  router.post('/licences/:number/reissue', requireRole('case_worker'), async (req, res) => {
    const number = parse(numberSchema, req.params.number, 'number');
    const body = parse(reissueSchema, req.body ?? {});
    const who = principal(req);
    const result = await reissueLicence(db, { number, issuer: who.department!, kind: body.kind, idempotencyKey: `reissue/${randomUUID()}` });
    switch (result.outcome) {
      case 'not_found':
        throw new HttpError(404, 'not_found', 'no such licence');
      case 'wrong_issuer':
        throw new HttpError(403, 'wrong_department', `this licence was issued by the ${result.issuer} department`);
      case 'already_void':
        throw new HttpError(409, 'licence_void', 'this licence is no longer valid', { replacedBy: result.replacedBy });
      case 'reissued':
        logger.info({ voided: result.voided.number, issued: result.issued.number, kind: body.kind, department: who.department }, 'licence reissued');
        res.json({ kind: body.kind, voided: result.voided, issued: result.issued });
    }
  });

  return router;
}
