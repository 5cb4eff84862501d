import { Router, type Request } from 'express';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { WorkflowIdReusePolicy } from '@temporalio/common';
import { z } from 'zod';
import { CASE_ID_PATTERN, caseIdFor, personKey } from '../../activities/identity';
import { createReadModelActivities } from '../../activities/read-model';
import { findCase, listCases } from '../../db/queries';
import { makeApplicationSchema } from '../../policy/application';
import { checkEligibility, describeItems } from '../../policy/eligibility';
import { maskIdNumber } from '../../policy/id-number';
import { createPackRegistry, selectItems } from '../../policy/packs';
import { CASE_STATUSES, ITEM_CODES, REGIONS, type Application, type ItemCode } from '../../policy/types';
import { WORKFLOW_TYPE, decideItemUpdate, supplyDocumentsUpdate, withdrawCaseUpdate, type CaseInput, type CaseView } from '../../workflows/messages';
import { caseRegionKey, caseStatusKey, policyVersionKey } from '../../workflows/search-attributes';
import { principal, requireRole } from '../auth';
import { updateCase } from '../case-updates';
import type { ApiDeps } from '../deps';
import { HttpError, invalid, parse } from '../errors';

const decisionSchema = z.object({
  decision: z.enum(['approve', 'reject', 'request_supplement']),
  comment: z.string().trim().max(1000).optional(),
});
const supplementSchema = z.object({
  item: z.enum(ITEM_CODES),
  documents: z.array(z.object({ name: z.string().trim().min(1).max(200), reference: z.string().trim().min(1).max(500) })).min(1).max(50),
});
const withdrawSchema = z.object({ reason: z.string().trim().max(500).optional() }).default({});
const listSchema = z.object({
  status: z.enum(CASE_STATUSES).optional(),
  region: z.enum(REGIONS).optional(),
  page: z.coerce.number().int().min(1).default(1),
  pageSize: z.coerce.number().int().min(1).max(200).default(50),
});
export const caseIdSchema = z.string().regex(CASE_ID_PATTERN, 'not a case ID');

/**
 * The applicant's form, checked in the order an applicant can act on: the fields
 * (400), whose application it is (403), the items asked for (400), then the
 * eligibility rules (reported all at once).
 */
export function readApplication(deps: ApiDeps, req: Request) {
  const application = parse(makeApplicationSchema(() => now(deps)), req.body) as Application;
  const who = principal(req);
  if (who.sub.toUpperCase() !== application.applicant.idNumber.toUpperCase()) {
    throw new HttpError(403, 'forbidden', 'an applicant can only apply with their own ID number');
  }
  const pack = (deps.packs ?? shippedPacks).current(application.region);
  const selection = selectItems(pack, application.items);
  if (selection.errors) throw invalid(selection.errors);
  const items = selection.items.map((d) => d.item);
  return { application, pack, items, eligibility: checkEligibility(application, pack, now(deps)), describe: () => describeItems(pack, items) };
}

const shippedPacks = createPackRegistry();
const now = (deps: ApiDeps) => (deps.now ? deps.now() : new Date());

export function casesRouter(deps: ApiDeps): Router {
  const { client, db, config } = deps;
  const router = Router();
  const { projectCase } = createReadModelActivities({ db });

  function caseIdParam(req: Request): string {
    return parse(caseIdSchema, req.params.caseId, 'caseId');
  }

  /** The case as the read model holds it, after checking the caller may see it. */
  async function visibleCase(req: Request): Promise<CaseView> {
    const found = await findCase(db, caseIdParam(req));
    if (!found) throw new HttpError(404, 'not_found', 'no such case');
    const who = principal(req);
    if (who.role === 'applicant' && found.applicantHash !== personKey(config.idHashKey, who.sub)) {
      throw new HttpError(403, 'forbidden', 'this case belongs to another applicant');
    }
    return found.view;
  }

  router.post('/cases', requireRole('applicant'), async (req, res) => {
    const { application, pack, items, eligibility } = readApplication(deps, req);
    if (!eligibility.eligible) {
      throw new HttpError(422, 'ineligible', 'the application does not meet the conditions of the joint service', { reasons: eligibility.reasons });
    }
    const caseId = caseIdFor(config.idHashKey, application.mother.idNumber, application.delivery.bornAt);
    // The engine refuses duplicates while it keeps the case; the read model remembers beyond its retention.
    if (await findCase(db, caseId)) throw new HttpError(409, 'duplicate', 'a case for this child already exists', { caseId });
    const submittedAt = now(deps).toISOString();
    const input: CaseInput = {
      caseId,
      application,
      pack,
      items,
      submittedAt,
      applicantHash: personKey(config.idHashKey, application.applicant.idNumber),
      applicantMasked: maskIdNumber(application.applicant.idNumber),
    };
    try {
      await client.workflow.start(WORKFLOW_TYPE, {
        workflowId: caseId,
        taskQueue: config.taskQueue,
        args: [input],
        // One case per child, ever: the engine itself refuses a second one.
        workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
        typedSearchAttributes: [
          { key: caseRegionKey, value: pack.region },
          { key: caseStatusKey, value: 'in_progress' },
          { key: policyVersionKey, value: pack.version },
        ],
      });
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError) throw new HttpError(409, 'duplicate', 'a case for this child already exists', { caseId });
      throw err;
    }
    // Visible at once, before the workflow's first projection lands; never overwrites it.
    // Only a convenience: the case has started, and the workflow projects it anyway.
    const applied = new Set(items);
    await projectCase({
      revision: 0,
      view: {
        caseId,
        region: pack.region,
        policyVersion: pack.version,
        status: 'in_progress',
        submittedAt,
        items: pack.items.map((d) => ({ item: d.item, department: d.department, status: applied.has(d.item) ? 'pending' : 'not_applied', escalationLevel: 0 })),
      },
      applicantHash: input.applicantHash,
      applicantMasked: input.applicantMasked,
      events: [],
      breaches: [],
    }).catch((err: Error) => deps.logger.warn({ caseId, err: err.message }, 'early projection failed; the workflow will project the case'));
    deps.logger.info({ caseId, region: pack.region, policyVersion: pack.version, items: items.length }, 'case submitted');
    res.status(201).location(`/api/cases/${caseId}`).json({ caseId, status: 'in_progress' });
  });

  router.get('/cases', requireRole('supervisor', 'auditor'), async (req, res) => {
    const filter = parse(listSchema, req.query);
    const { cases, total } = await listCases(db, filter);
    res.json({ cases, total, page: filter.page, pageSize: filter.pageSize });
  });

  router.get('/cases/:caseId', requireRole('applicant', 'case_worker', 'supervisor', 'auditor'), async (req, res) => {
    res.json(await visibleCase(req));
  });

  router.post('/cases/:caseId/items/:item/decision', requireRole('case_worker'), async (req, res) => {
    const caseId = caseIdParam(req);
    const item = parse(z.enum(ITEM_CODES), req.params.item, 'item') as ItemCode;
    const body = parse(decisionSchema, req.body ?? {});
    const who = principal(req);
    const view = await updateCase(client, db, caseId, decideItemUpdate, { item, ...body, actor: { sub: who.sub, role: who.role, department: who.department } }, ['item_not_in_review', 'the case is closed']);
    deps.logger.info({ caseId, item, decision: body.decision, department: who.department }, 'item decided');
    res.json(view);
  });

  router.post('/cases/:caseId/supplement', requireRole('applicant'), async (req, res) => {
    await visibleCase(req);
    const body = parse(supplementSchema, req.body ?? {});
    const view = await updateCase(client, db, caseIdParam(req), supplyDocumentsUpdate, body as { item: ItemCode; documents: { name: string; reference: string }[] }, ['nothing_awaiting_supplement', 'the case is closed']);
    res.json(view);
  });

  router.post('/cases/:caseId/withdraw', requireRole('applicant'), async (req, res) => {
    await visibleCase(req);
    const body = parse(withdrawSchema, req.body ?? {});
    const view = await updateCase(client, db, caseIdParam(req), withdrawCaseUpdate, body, ['case_closed', 'the case is already closed']);
    deps.logger.info({ caseId: view.caseId }, 'case withdrawn');
    res.json(view);
  });

  return router;
}

export function eligibilityRouter(deps: ApiDeps): Router {
  const router = Router();
  router.post('/eligibility', requireRole('applicant'), (req, res) => {
    const { eligibility, describe } = readApplication(deps, req);
    res.json({ eligible: eligibility.eligible, reasons: eligibility.reasons, items: describe() });
  });
  return router;
}
