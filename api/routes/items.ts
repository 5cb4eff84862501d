import { z } from 'zod';
import { recordAccesses } from '../../db/access-log';
import { findCase } from '../../db/queries';
import { itemFile } from '../../domain/item-file';
import { dataConverter } from '../../runtime/temporal';
import { APPLICATION_SECTIONS, DEPARTMENTS, ITEM_CODES, ITEM_STATUSES } from '../../policy/types';
import { claimItemUpdate, releaseItemUpdate } from '../../workflows/messages';
import { principal } from '../auth';
import { acceptedUpdate, actorOf, sendUpdated, updateCase } from '../case-updates';
import type { ApiDeps } from '../deps';
import { HttpError, errorSchema, invalid } from '../errors';
import { Routes, timestamp } from '../route-registry';
import { itemParams } from './params';

// One item as the people who work on it see it (DESIGN §7 "Claiming work", "What a
// case worker reads"): its file, and who holds it.



const licence = z.object({ number: z.string(), type: z.string() });
const documentSchema = z.object({ name: z.string(), reference: z.string() });
const itemViewSchema = z
  .object({
    key: z.string(),
    item: z.enum(ITEM_CODES),
    child: z.number().int().optional().meta({ description: "which child of the delivery (1, 2, …) a child's item is for, when it has more than one" }),
    department: z.enum(DEPARTMENTS),
    institution: z.string(),
    status: z.enum(ITEM_STATUSES),
    deadline: timestamp.optional(),
    assignee: z.string().optional(),
    escalationLevel: z.number().int(),
    sections: z.array(z.enum(APPLICATION_SECTIONS)).meta({ description: 'the sections of the application the pack grants the department' }),
    data: z.record(z.string(), z.unknown()).meta({ description: 'the granted sections the applicant filled in, in clear' }),
    proofs: z.array(licence).meta({ description: 'the licences of earlier steps handed on with the item' }),
    documents: z.array(documentSchema).meta({ description: 'attached at submission, then every supplement' }),
  })
  .meta({ id: 'ItemView' });

const claimBody = z
  .object({
    assignee: z.string().trim().min(1).max(64).optional().meta({ description: "a supervisor names the case worker (their token's sub); a case worker claims for themself" }),
    reassign: z.boolean().optional().meta({ description: 'a supervisor moves an item someone else holds' }),
  })
  .default({});
const claimSchema = z.object({ assignee: z.string().nullable() });
const claimedError = { description: 'another case worker holds the item (`claimed`)', schema: errorSchema.extend({ assignee: z.string().nullable() }) };

const tag = { name: 'items', description: "One item of a case: its file for the case worker of the item's institution, and who holds it" };


export function itemsRouter(deps: ApiDeps): Routes {
  const { client, db } = deps;
  const routes = new Routes({ tag });
  const converter = dataConverter(deps.config);

  routes.get('/cases/:caseId/items/:itemKey', {
    operationId: 'getItem',
    summary: "An item's file: the sections of the application its department is granted, the licences handed on, the documents (read recorded)",
    description: "For the case workers of the item's institution and for auditors, whatever the item's status. Every answer is recorded in the access log (GET /api/audit/access) before it is sent.",
    roles: ['case_worker', 'auditor'],
    params: itemParams,
    responses: { 200: { description: 'the item and its file', schema: itemViewSchema } },
    errors: { 404: 'no such case or item, or the item is routed to another institution (`not_found`)' },
  }, async (req, res, { params }) => {
    const { caseId, itemKey } = params;
    const who = principal(req);
    const found = await findCase(db, caseId);
    const item = found?.view.items.find((it) => (it.key ?? it.item) === itemKey);
    // A stranger to the item's institution learns nothing, not even that the case exists.
    if (!found || !item || item.status === 'not_applied' || (who.role === 'case_worker' && (item.institution !== who.institution || item.department !== who.department))) {
      throw new HttpError(404, 'not_found', 'no such item');
    }
    const file = await itemFile(client, db, converter, found.view, itemKey);
    if (!file) throw new HttpError(404, 'not_found', 'no such item');
    await recordAccesses(db, [{ actor: who.sub, role: who.role, institution: who.institution, caseId, itemKey, kind: 'item_view', sections: Object.keys(file.data) }]);
    res.json({
      key: itemKey,
      item: item.item,
      ...(item.child !== undefined && { child: item.child }),
      department: item.department,
      institution: item.institution ?? file.institution,
      status: item.status,
      ...(item.deadline && { deadline: item.deadline }),
      ...(item.assignee && { assignee: item.assignee }),
      escalationLevel: item.escalationLevel,
      sections: file.sections,
      data: file.data,
      proofs: file.proofs,
      documents: file.documents,
    });
  });

  routes.post('/cases/:caseId/items/:itemKey/claim', {
    operationId: 'claimItem',
    summary: "Claim an item in review: a case worker of its institution for themself, a supervisor of its department for a case worker",
    roles: ['case_worker', 'supervisor'],
    params: itemParams,
    body: claimBody,
    responses: { 200: { description: 'who holds the item now', schema: claimSchema }, 202: acceptedUpdate },
    errors: {
      403: 'a supervisor of another department (`wrong_department`), or a case worker naming someone else (`forbidden`)',
      404: 'no such case, or the item is routed to another institution (`not_found`)',
      409: claimedError,
    },
  }, async (req, res, { params, body }) => {
    const who = principal(req);
    const { assignee, reassign } = body();
    // The key is checked by the case itself: one it does not have is refused like an item not in review.
    if (who.role === 'case_worker' && assignee !== undefined && assignee !== who.sub) throw new HttpError(403, 'forbidden', 'a case worker claims an item for themself; a supervisor assigns it to others');
    if (who.role === 'supervisor' && assignee === undefined) throw invalid([{ path: 'assignee', message: 'a supervisor names the case worker to assign' }]);
    const outcome = await updateCase(client, db, params.caseId, claimItemUpdate, { item: params.itemKey, actor: actorOf(who), assignee: assignee ?? who.sub, ...(reassign && { reassign }) }, [
      'item_not_in_review',
      'the case is closed',
    ], deps.config.updateWaitMs);
    deps.logger.info({ caseId: params.caseId, item: params.itemKey, by: who.sub, answered: outcome.done }, 'item claimed');
    sendUpdated(res, params.caseId, outcome.done ? { done: true, value: { assignee: outcome.value.assignee ?? null } } : outcome);
  });

  routes.delete('/cases/:caseId/items/:itemKey/claim', {
    operationId: 'releaseItem',
    summary: 'Release an item: the case worker who holds it, or a supervisor of its department',
    roles: ['case_worker', 'supervisor'],
    params: itemParams,
    responses: { 200: { description: 'nobody holds the item now', schema: claimSchema }, 202: acceptedUpdate },
    errors: {
      403: 'a supervisor of another department (`wrong_department`)',
      404: 'no such case, or the item is routed to another institution (`not_found`)',
      409: claimedError,
    },
  }, async (req, res, { params }) => {
    const who = principal(req);
    const outcome = await updateCase(client, db, params.caseId, releaseItemUpdate, { item: params.itemKey, actor: actorOf(who) }, ['case_closed', 'the case is closed'], deps.config.updateWaitMs);
    deps.logger.info({ caseId: params.caseId, item: params.itemKey, by: who.sub, answered: outcome.done }, 'item released');
    sendUpdated(res, params.caseId, outcome.done ? { done: true, value: { assignee: null } } : outcome);
  });

  return routes;
}
