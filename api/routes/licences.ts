import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { findLicence, issuedBy, reissueLicence } from '../../domain/licences';
import { principal } from '../auth';
import type { ApiDeps } from '../deps';
import { HttpError, errorSchema } from '../errors';
import { Routes, timestamp } from '../route-registry';

const numberParams = z.object({ number: z.string().regex(/^[A-Z]{2,6}\d{14}$/, 'not a licence number') });
const reissueSchema = z.object({
  kind: z.enum(['replacement', 'reissue']),
  comment: z.string().trim().max(500).optional(),
});

const licenceSchema = z.object({
  number: z.string(),
  type: z.string(),
  subjectName: z.string(),
  issuer: z.string(),
  issuerInstitution: z.string().nullable().meta({ description: 'the office that issued it, the only one that may reissue it (null: issued before offices were recorded)' }),
  caseId: z.string().nullable(),
  item: z.string().nullable(),
  status: z.string().meta({ description: 'valid, or void once replaced' }),
  issuedAt: timestamp,
  voidedAt: timestamp.nullable(),
  replacedBy: z.string().nullable(),
  replaces: z.string().nullable().meta({ description: 'the licence this one replaced (换发/补发)' }),
  reissueKind: z.enum(['replacement', 'reissue']).nullable(),
  reissuedBy: z.string().nullable(),
  reissueComment: z.string().nullable(),
});
const reissuedSchema = z.object({
  kind: z.enum(['replacement', 'reissue']),
  voided: z.object({ number: z.string(), voidedAt: timestamp }),
  issued: z.object({ number: z.string(), type: z.string(), issuer: z.string(), institution: z.string().optional(), issuedAt: timestamp }),
});

const tag = { name: 'licences', description: 'The licence store (电子证照库) for the departments that issue licences' };

/** The licence store (电子证照库) for the departments that issue licences. */
export function licencesRouter({ db, logger }: ApiDeps): Routes {
  const routes = new Routes({ tag });

  routes.get('/licences/:number', {
    operationId: 'getLicence',
    summary: 'A licence (a case worker of the issuing institution, or an auditor)',
    roles: ['case_worker', 'auditor'],
    params: numberParams,
    responses: { 200: { description: 'the licence', schema: licenceSchema } },
    errors: { 404: 'no such licence, or another institution issued it (`not_found`)' },
  }, async (req, res, { params }) => {
    const licence = await findLicence(db, params.number);
    const who = principal(req);
    // Another office's licence is not disclosed.
    if (!licence || (who.role === 'case_worker' && !issuedBy(licence, { department: who.department!, institution: who.institution! }))) {
      throw new HttpError(404, 'not_found', 'no such licence');
    }
    res.json({ ...licence, reissueKind: licence.reissueKind as 'replacement' | 'reissue' | null, issuedAt: licence.issuedAt.toISOString(), voidedAt: licence.voidedAt?.toISOString() ?? null });
  });

  // 换发 (replacement) and 补发 (reissue): the old e-licence is voided as the new one is issued.
  routes.post('/licences/:number/reissue', {
    operationId: 'reissueLicence',
    summary: 'Void a licence and issue its successor: 换发 (replacement) or 补发 (reissue), by the issuing institution; the case timeline shows it',
    roles: ['case_worker'],
    params: numberParams,
    body: reissueSchema,
    responses: { 200: { description: 'the voided licence and the one issued in its place', schema: reissuedSchema } },
    errors: {
      404: 'no such licence, or another institution issued it (`not_found`)',
      409: { description: 'the licence is no longer valid (`licence_void`)', schema: errorSchema.extend({ replacedBy: z.string().nullable() }) },
    },
  }, async (req, res, { params, body }) => {
    const { number } = params;
    const { kind, comment } = body();
    const who = principal(req);
    const result = await reissueLicence(db, {
      number,
      // requireRole made sure a case worker's token names both.
      office: { department: who.department!, institution: who.institution! },
      actor: who.sub,
      kind,
      ...(comment && { comment }),
      idempotencyKey: `reissue/${randomUUID()}`,
    });
    switch (result.outcome) {
      case 'not_found':
        throw new HttpError(404, 'not_found', 'no such licence');
      case 'already_void':
        throw new HttpError(409, 'licence_void', 'this licence is no longer valid', { replacedBy: result.replacedBy });
      case 'reissued':
        logger.info({ voided: result.voided.number, issued: result.issued.number, kind, department: who.department, institution: who.institution }, 'licence reissued');
        res.json({ kind, voided: result.voided, issued: result.issued });
    }
  });

  return routes;
}
