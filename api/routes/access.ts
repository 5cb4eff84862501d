import { z } from 'zod';
import { ACCESS_KINDS, listAccesses } from '../../db/access-log';
import type { ApiDeps } from '../deps';
import { Routes, timestamp } from '../route-registry';
import { auditTag } from './audit';
import { caseIdSchema } from './params';

const at = z.iso
  .datetime({ offset: true, message: 'must be a date-time with offset, e.g. 2026-11-20T08:30:00+08:00' })
  .transform((v) => new Date(v));
const accessQuery = z
  .object({
    caseId: caseIdSchema.optional(),
    actor: z.string().trim().min(1).max(64).optional().meta({ description: "a token's sub" }),
    from: at.optional().meta({ description: 'inclusive' }),
    to: at.optional().meta({ description: 'exclusive' }),
    limit: z.coerce.number().int().min(1).max(1000).default(500),
  })
  .refine((q) => !q.from || !q.to || q.from < q.to, { path: ['to'], message: 'must be after from' });

const accessesSchema = z.object({
  accesses: z.array(
    z.object({
      at: timestamp,
      actor: z.string(),
      role: z.string(),
      institution: z.string().optional(),
      caseId: z.string().nullable().meta({ description: 'null for a codec decode whose payloads named no case' }),
      itemKey: z.string().optional(),
      kind: z.enum(ACCESS_KINDS).meta({ description: 'an item view, a raw history, or a codec decode' }),
      sections: z.array(z.string()).meta({ description: 'the sections of the application read' }),
    }),
  ),
});

/** Auditors: who read which family's personal data, when, and which of it. */
export function accessRouter({ db }: ApiDeps): Routes {
  const routes = new Routes({ tag: auditTag });
  routes.get('/audit/access', {
    operationId: 'listDataAccesses',
    summary: 'Every read of personal data (item views, raw histories, codec decodes), oldest first',
    roles: ['auditor'],
    query: accessQuery,
    responses: { 200: { description: 'the reads that match', schema: accessesSchema } },
  }, async (_req, res, { query }) => {
    res.json({ accesses: await listAccesses(db, query) });
  });
  return routes;
}
