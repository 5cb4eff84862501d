import type { Request } from 'express';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { WorkflowIdReusePolicy } from '@temporalio/common';
import { z } from 'zod';
import { PAGE_LIMIT } from '../../db/pagination';
import { shipmentsOf } from '../../db/journey';
import { casesOfDelivery, findCase, listCases, statusOfCase, type Scope, type StoredCase } from '../../db/queries';
import { recordSubmission } from '../../domain/cases';
import { caseIdFor, motherKey, personKey } from '../../domain/identity';
import { makeApplicationSchema, normaliseApplication, regionSchema, type ParsedApplication } from '../../policy/application';
import { childCount, keyedItems } from '../../policy/item-keys';
import { concernsOf } from '../../policy/packs';
import { assessItems, describeItems } from '../../policy/eligibility';
import { maskIdNumber } from '../../policy/id-number';
import { selectItems, type PackCatalogue } from '../../policy/packs';
import { routeItem } from '../../policy/routing';
import { freeText } from '../../policy/text';
import { CASE_STATUSES, DEPARTMENTS, ITEM_CODES, ITEM_STATUSES, type Application } from '../../policy/types';
import { WORKFLOW_TYPE, decideItemUpdate, supplyDocumentsUpdate, withdrawCaseUpdate, type CaseInput, type CaseView } from '../../workflows/messages';
import { caseRegionKey, caseStatusKey, policyVersionKey } from '../../workflows/search-attributes';
import { principal, type Principal } from '../auth';
import { acceptedUpdate, actorOf, isTemporalUnavailable, sendUpdated, temporalUnavailable, updateCase } from '../case-updates';
import type { ApiDeps } from '../deps';
import { HttpError, errorSchema, invalid } from '../errors';
import { cursorField, limitField, nextCursorField } from '../pagination';
import { Routes, timestamp } from '../route-registry';
import { journeyCaseFields, journeyItemFields, withJourney } from './journey';
import { caseParams, itemKeySchema, itemParams } from './params';

const decisionSchema = z.object({
  decision: z.enum(['approve', 'reject', 'request_supplement']),
  comment: freeText(1000, { multiline: true }).optional(),
});
const supplementSchema = (now: () => Date) =>
  z.object({
    item: itemKeySchema,
    documents: z.array(z.object({ name: freeText(200), reference: freeText(500) })).min(1).max(50),
    corrections: z
      .object({
        bornAt: z.iso
          .datetime({ offset: true, message: 'must be an ISO-8601 date-time with a UTC offset, e.g. 2026-11-20T08:30:00+08:00' })
          .refine((v) => Date.parse(v) <= now().getTime(), 'must not be in the future')
          .optional(),
      })
      .optional()
      .meta({ description: "corrections to the application, while the birth certificate waits on the delivering institution's record (DELIVERY_RECORD_MISMATCH, DELIVERY_RECORD_NOT_FOUND)" }),
  });
const withdrawSchema = z.object({ reason: freeText(500, { multiline: true }).optional() }).default({});
// A region is one of the packs loaded when the request arrives; the description shows the code's form.
const listSchema = (regions?: readonly string[]) =>
  z.object({
    status: z.enum(CASE_STATUSES).optional(),
    region: regionSchema(regions).optional(),
    page: z.coerce.number().int().min(1).max(100_000).default(1).meta({ description: 'skips (page − 1) × limit cases; `cursor` reads the next page without skipping' }),
    limit: limitField.optional(),
    pageSize: limitField.optional().meta({ description: 'the same as `limit` (the first edition named it so)' }),
    cursor: cursorField(['instant', 'text'] as const).optional(),
  });
export { caseIdSchema, caseParams } from './params';

const reasonSchema = z.object({ code: z.string(), message: z.string() });

/** DESIGN §6 "Case view", as the read model and the workflow's updates answer it. */
export const caseViewSchema = z
  .object({
    caseId: z.string(),
    region: z.string(),
    policyVersion: z.string(),
    status: z.enum(CASE_STATUSES),
    submittedAt: timestamp,
    closedAt: timestamp.optional(),
    reasons: z.array(reasonSchema).optional(),
    items: z.array(
      z.object({
        key: z.string().optional().meta({ description: "unique in the case: the item code, or `<item>.<n>` for the n-th child's item when the delivery has more than one child" }),
        item: z.enum(ITEM_CODES),
        child: z.number().int().optional().meta({ description: "which child (1, 2, …, in the order of `children`) a child's item is for, when the delivery has more than one" }),
        department: z.enum(DEPARTMENTS),
        institution: z.string().optional().meta({ description: "the office the item is routed to: the delivering hospital's code, or <department>:<division code>" }),
        status: z.enum(ITEM_STATUSES),
        assignee: z.string().optional().meta({ description: 'the case worker who holds the item' }),
        startedAt: timestamp.optional(),
        deadline: timestamp.optional(),
        escalationLevel: z.number().int(),
        licence: z.object({ number: z.string(), type: z.string() }).optional(),
        decidedBy: z.string().optional(),
        decidedAt: timestamp.optional(),
        reason: z.string().optional(),
        reasons: z.array(reasonSchema).optional().meta({ description: 'why an `ineligible` item is: every unmet condition' }),
        ...journeyItemFields,
      }),
    ),
    attempts: z.array(z.string()).optional().meta({ description: 'every case of the same delivery, oldest attempt first, this one included (a new attempt follows a withdrawn or ineligible case)' }),
    ...journeyCaseFields,
  })
  .meta({ id: 'CaseView' });
const caseView = { description: 'the case as it stands now', schema: caseViewSchema };

const noticeSchema = z.object({
  eligible: z.boolean().meta({ description: 'true when at least one requested item is eligible' }),
  reasons: z.array(reasonSchema).meta({ description: "the union of the items' reasons (by code)" }),
  items: z.array(
    z.object({
      item: z.enum(ITEM_CODES),
      eligible: z.boolean(),
      reasons: z.array(reasonSchema),
      title: z.string(),
      department: z.enum(DEPARTMENTS),
      prerequisites: z.array(z.enum(ITEM_CODES)),
      materials: z
        .array(z.object({ name: z.string(), replacedByLicence: z.string().optional(), note: z.string().optional() }))
        .meta({ description: "what this family brings, or has replaced by an e-licence; `note` says why an e-licence cannot replace a document for them" }),
    }),
  ),
});
const submittedSchema = z.object({ caseId: z.string(), status: z.literal('in_progress') });
const caseListSchema = z.object({
  cases: z.array(z.object({ caseId: z.string(), region: z.string(), policyVersion: z.string(), status: z.string(), submittedAt: timestamp, closedAt: timestamp.optional() })),
  total: z.number().int(),
  totalIsEstimate: z.boolean().meta({ description: "true when `total` is the planner's estimate (more than 1,000 cases match a supervisor's scope): the table is not counted for a page" }),
  page: z.number().int(),
  pageSize: z.number().int(),
  nextCursor: nextCursorField,
});

const tag = { name: 'cases', description: 'Applications and the cases they start: the one-time notice, submission, decisions, supplements, withdrawal' };

/**
 * The applicant's form, checked in the order an applicant can act on: the fields
 * (400), whose application it is (403), the items asked for (400), then the
 * eligibility rules (reported all at once).
 */
function readApplication(deps: ApiDeps, req: Request, parsed: ParsedApplication, packs: PackCatalogue) {
  const application: Application = normaliseApplication(parsed);
  const who = principal(req);
  if (who.sub.toUpperCase() !== application.applicant.idNumber.toUpperCase()) {
    throw new HttpError(403, 'forbidden', 'an applicant can only apply with their own ID number');
  }
  const pack = packs.current(application.region);
  const selection = selectItems(pack, application.items);
  if (selection.errors) throw invalid(selection.errors);
  const items = selection.items.map((d) => d.item);
  // A document travels with its item: one for an item not applied for would go nowhere.
  const strays = (application.documents ?? []).flatMap((d, i) => (items.includes(d.item) ? [] : [{ path: `documents.${i}.item`, message: `'${d.item}' is not among the items applied for` }]));
  if (strays.length > 0) throw invalid(strays);
  // Claims only: the API reaches no registry. The workflow re-checks with verified facts.
  const eligibility = assessItems(application, pack, items, now(deps));
  const notice = () => {
    const described = new Map(describeItems(pack, items).map((d) => [d.item, d]));
    return eligibility.items.map((v) => {
      const { title, department, prerequisites } = described.get(v.item)!;
      return { item: v.item, eligible: v.eligible, reasons: v.reasons, title, department, prerequisites, materials: v.materials };
    });
  };
  return { application, pack, items, eligibility, notice };
}

/** A delivery with a case in one of these has its case: a new application for it is a duplicate. */
const OPEN_OR_DONE: ReadonlySet<string> = new Set(['in_progress', 'completed', 'partially_completed']);
/** Attempts at one delivery: beyond this many the family is asked to call, not to apply again. */
const MAX_ATTEMPTS = 20;

const now = (deps: ApiDeps) => (deps.now ? deps.now() : new Date());

/** A supervisor's scope from their token: a department, a division prefix, or both. */
export function scopeOf(who: Principal): Scope | undefined {
  if (who.role !== 'supervisor' || (!who.department && !who.division)) return undefined;
  return { ...(who.department && { department: who.department }), ...(who.division && { division: who.division }) };
}

/** Whether a case worker or a scoped supervisor has anything to do with the case: else it is not disclosed. */
function concerns(who: Principal, found: StoredCase): boolean {
  if (who.role === 'case_worker') return found.view.items.some((it) => it.department === who.department && it.institution === who.institution && it.status !== 'not_applied');
  const scope = scopeOf(who);
  if (!scope) return true;
  return found.view.items.some((it) => (!scope.department || it.department === scope.department) && (!scope.division || (found.divisions[it.item] ?? '').startsWith(scope.division)));
}

export function casesRouter(deps: ApiDeps): Routes {
  const { client, db, config } = deps;
  const routes = new Routes({ tag });
  // "Not in the future" is judged by the API's clock, which tests may pin; the region by the packs loaded now.
  const applicationSchema = makeApplicationSchema(() => now(deps)).meta({ id: 'Application', description: 'the one form (一表申请) of DESIGN §6' });
  const catalogues = new WeakMap<Request, PackCatalogue>();
  // One schema per set of regions (a publication may add one): built once, not per request.
  const schemas = new Map<string, ReturnType<typeof makeApplicationSchema>>();
  const application = {
    body: async (req: Request) => {
      const catalogue = await deps.packs.catalogue();
      catalogues.set(req, catalogue);
      const regions = catalogue.regions();
      let schema = schemas.get(regions.join());
      if (!schema) schemas.set(regions.join(), (schema = makeApplicationSchema(() => now(deps), regions)));
      return schema;
    },
  };

  /**
   * The delivery the application is for and the attempt it would be (DESIGN §7 "Births
   * and attempts"): 409 naming the case while one for the delivery is in progress or
   * done. A delivery's first case keeps the ID it always had; attempt n after a withdrawn
   * or ineligible case derives its ID from the first case's birth and n, so the engine
   * refuses a second submission of the same attempt.
   */
  async function deliveryOf(application: Application, ageLimitMonths: number) {
    const motherHash = motherKey(config.idHashKey, application.mother.idNumber);
    const bornAt = new Date(application.delivery.bornAt);
    const earlier = await casesOfDelivery(db, motherHash, bornAt);
    const duplicate = (caseId: string) => new HttpError(409, 'duplicate', 'a case for this delivery already exists', { caseId });
    const open = earlier.find((c) => OPEN_OR_DONE.has(c.status));
    if (open) throw duplicate(open.caseId);
    const anchor = earlier[0]?.deliveryBornAt ?? bornAt;
    let attempt = earlier.reduce((n, c) => Math.max(n, c.attempt ?? 1), 0) + 1;
    let previousAttempt = earlier.at(-1)?.caseId;
    // Cases from before deliveries were recorded are found by their ID alone (the engine forgets them, the read model does not).
    for (;;) {
      const caseId = caseIdFor(config.idHashKey, application.mother.idNumber, anchor.toISOString(), attempt);
      const status = await statusOfCase(db, caseId);
      if (!status) {
        const registrationDeadline = new Date(bornAt);
        registrationDeadline.setUTCMonth(registrationDeadline.getUTCMonth() + ageLimitMonths);
        return { caseId, record: { motherHash, bornAt: bornAt.toISOString(), attempt, ...(previousAttempt && { previousAttempt }), registrationDeadline: registrationDeadline.toISOString() } };
      }
      if (OPEN_OR_DONE.has(status) || attempt >= MAX_ATTEMPTS) throw duplicate(caseId);
      previousAttempt = caseId;
      attempt++;
    }
  }

  /** The case as the read model holds it, after checking the caller may see it. */
  async function visibleCase(req: Request, caseId: string): Promise<CaseView> {
    const found = await findCase(db, caseId);
    if (!found) throw new HttpError(404, 'not_found', 'no such case');
    const who = principal(req);
    if (who.role === 'applicant' && found.applicantHash !== personKey(config.idHashKey, who.sub)) {
      throw new HttpError(403, 'forbidden', 'this case belongs to another applicant');
    }
    if (!concerns(who, found)) throw new HttpError(404, 'not_found', 'no such case');
    return found.view;
  }

  routes.post('/eligibility', {
    operationId: 'checkEligibility',
    summary: 'The one-time notice (一次告知) for an application; nothing is started',
    roles: ['applicant'],
    body: applicationSchema,
    atRequest: application,
    responses: { 200: { description: 'whether the application is eligible, every reason if not, and what each item asks for', schema: noticeSchema } },
  }, (req, res, { body }) => {
    const { eligibility, notice } = readApplication(deps, req, body(), catalogues.get(req)!);
    res.json({ eligible: eligibility.eligible, reasons: eligibility.reasons, items: notice() });
  });

  routes.post('/cases', {
    operationId: 'submitCase',
    summary: 'Submit an application: one case per delivery (any number of children), going on with the items that are eligible',
    roles: ['applicant'],
    body: applicationSchema,
    atRequest: application,
    responses: {
      201: { description: 'the case started', schema: submittedSchema, headers: z.object({ location: z.string().meta({ description: 'the case, /api/cases/{caseId}' }) }) },
    },
    errors: {
      409: { description: 'a case for this delivery is in progress or done (`duplicate`, naming it); after a withdrawn or ineligible case a new attempt is accepted', schema: errorSchema.extend({ caseId: z.string() }) },
      422: { description: 'no requested item meets its conditions (`ineligible`), with every reason', schema: errorSchema.extend({ reasons: z.array(reasonSchema) }) },
      503: 'the case engine cannot be reached within START_WAIT_SECONDS (`unavailable`, with `Retry-After`); nothing was started',
    },
  }, async (req, res, { body }) => {
    const { application, pack, items, eligibility } = readApplication(deps, req, body(), catalogues.get(req)!);
    if (!eligibility.eligible) {
      throw new HttpError(422, 'ineligible', 'no requested item meets the conditions of the joint service', { reasons: eligibility.reasons });
    }
    const delivery = await deliveryOf(application, pack.ageLimitMonths);
    const { caseId } = delivery;
    const submittedAt = now(deps).toISOString();
    const input: CaseInput = {
      caseId,
      application,
      pack,
      items,
      submittedAt,
      applicantHash: personKey(config.idHashKey, application.applicant.idNumber),
      applicantMasked: maskIdNumber(application.applicant.idNumber),
      delivery: delivery.record,
    };
    try {
      // Bounded: with Temporal away the client would retry for ~20 s while the caller waits.
      await client.withDeadline(Date.now() + config.startWaitMs, () => client.workflow.start(WORKFLOW_TYPE, {
        workflowId: caseId,
        taskQueue: config.taskQueue,
        args: [input],
        // One workflow per attempt at a delivery, ever: two parallel submissions of the same attempt cannot both start.
        workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
        typedSearchAttributes: [
          { key: caseRegionKey, value: pack.region },
          { key: caseStatusKey, value: 'in_progress' },
          { key: policyVersionKey, value: pack.version },
        ],
      }));
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError) throw new HttpError(409, 'duplicate', 'a case for this delivery already exists', { caseId });
      if (isTemporalUnavailable(err)) throw temporalUnavailable();
      throw err;
    }
    // Visible at once, before the workflow's first projection lands; never overwrites it.
    // Only a convenience: the case has started, and the workflow projects it anyway.
    // Items the claims already rule out show so from the start; the workflow's verified verdict follows.
    const verdicts = new Map(eligibility.items.map((v) => [v.item, v]));
    const early = (item: (typeof pack.items)[number]['item']): Pick<CaseView['items'][number], 'status' | 'reason' | 'reasons'> => {
      const v = verdicts.get(item);
      if (!v) return { status: 'not_applied' };
      if (v.eligible) return { status: 'pending' };
      return v.reasons.some((r) => r.code !== 'PREREQUISITE_INELIGIBLE') ? { status: 'ineligible', reasons: v.reasons } : { status: 'cancelled', reason: 'PREREQUISITE_INELIGIBLE' };
    };
    const routes = new Map(pack.items.map((d) => [d.item, routeItem(d, application)]));
    const keyed = keyedItems(pack.items, childCount(application));
    await recordSubmission(db, {
      view: {
        caseId,
        region: pack.region,
        policyVersion: pack.version,
        status: 'in_progress',
        submittedAt,
        items: keyed.map(({ key, definition: d, child }) => ({ key, item: d.item, ...(child !== undefined && { child }), department: d.department, institution: routes.get(d.item)!.institution, escalationLevel: 0, ...early(d.item) })),
      },
      applicantHash: input.applicantHash,
      applicantMasked: input.applicantMasked,
      divisions: Object.fromEntries(keyed.map(({ key, definition }) => [key, routes.get(definition.item)!.division])),
      concerns: Object.fromEntries(keyed.map(({ key, definition }) => [key, concernsOf(definition)])),
      delivery: delivery.record,
    }).catch((err: { code?: string }) => deps.logger.warn({ caseId, code: err.code }, 'early record of the case failed; the workflow will project it'));
    deps.logger.info({ caseId, region: pack.region, policyVersion: pack.version, items: items.length }, 'case submitted');
    res.status(201).location(`/api/cases/${caseId}`).json({ caseId, status: 'in_progress' });
  });

  routes.get('/cases', {
    operationId: 'listCases',
    summary: 'Cases, newest first, a page at a time (a supervisor whose token names a department or division sees the cases with an item in it)',
    roles: ['supervisor', 'auditor'],
    query: listSchema(),
    atRequest: { query: async () => listSchema((await deps.packs.catalogue()).regions()) },
    responses: { 200: { description: 'one page of cases and how many match', schema: caseListSchema } },
  }, async (req, res, { query }) => {
    const limit = query.limit ?? query.pageSize ?? PAGE_LIMIT.default;
    const list = await listCases(db, { status: query.status, region: query.region, page: query.page, limit, after: query.cursor, scope: scopeOf(principal(req)) });
    res.json({ ...list, page: query.page, pageSize: limit });
  });

  routes.get('/cases/:caseId', {
    operationId: 'getCase',
    summary: 'A case as it stands (an applicant sees their own only; a case worker, a case with an item routed to their institution)',
    roles: ['applicant', 'case_worker', 'supervisor', 'auditor'],
    params: caseParams,
    responses: { 200: caseView },
    errors: { 404: "no such case, or none of its items is routed to the case worker's institution or in the supervisor's scope (`not_found`)" },
  }, async (req, res, { params }) => {
    // The parcels and the pack catalogue are read alongside the case (one wait, not three); the
    // parcels are shown only if the case is the caller's to see.
    const parcels = shipmentsOf(db, params.caseId);
    const catalogue = deps.packs.catalogue();
    // A refusal below leaves them unread; their failure must not go unhandled.
    parcels.catch(() => undefined);
    catalogue.catch(() => undefined);
    res.json(await withJourney(deps, await visibleCase(req, params.caseId), { parcels, catalogue }));
  });

  routes.post('/cases/:caseId/items/:itemKey/decision', {
    operationId: 'decideItem',
    summary: "Approve, reject or ask for a supplement: a case worker of the item's institution (deciding an unclaimed item claims it)",
    roles: ['case_worker'],
    params: itemParams,
    body: decisionSchema,
    responses: { 200: caseView, 202: acceptedUpdate },
    errors: {
      403: "the caller's role may not decide (`forbidden`), or the item belongs to another department (`wrong_department`)",
      404: "no such case, or the item is routed to another institution (`not_found`)",
      409: {
        description: 'the item is not in review (`item_not_in_review`), the case is closed, or another case worker holds the item (`claimed`, with `assignee`)',
        schema: errorSchema.extend({ assignee: z.string().nullable().optional() }),
      },
    },
  }, async (req, res, { params, body }) => {
    const { caseId, itemKey } = params;
    const decision = body();
    const who = principal(req);
    // The key is checked by the case itself: one it does not have is refused like an item not in review.
    const outcome = await updateCase(client, db, caseId, decideItemUpdate, { item: itemKey, ...decision, actor: actorOf(who) }, ['item_not_in_review', 'the case is closed'], config.updateWaitMs);
    deps.logger.info({ caseId, item: itemKey, decision: decision.decision, department: who.department, institution: who.institution, answered: outcome.done }, 'item decided');
    sendUpdated(res, caseId, outcome);
  });

  routes.post('/cases/:caseId/supplement', {
    operationId: 'supplyDocuments',
    summary: 'Supply the documents a case worker asked for (the applicant of the case)',
    roles: ['applicant'],
    params: caseParams,
    body: supplementSchema(() => now(deps)),
    responses: { 200: caseView, 202: acceptedUpdate },
    errors: { 404: 'no such case (`not_found`)', 409: 'no item of the case awaits a supplement (`nothing_awaiting_supplement`), or the case is closed' },
  }, async (req, res, { params, body }) => {
    await visibleCase(req, params.caseId);
    sendUpdated(res, params.caseId, await updateCase(client, db, params.caseId, supplyDocumentsUpdate, body(), ['nothing_awaiting_supplement', 'the case is closed'], config.updateWaitMs));
  });

  routes.post('/cases/:caseId/withdraw', {
    operationId: 'withdrawCase',
    summary: 'Withdraw a case (the applicant of the case)',
    roles: ['applicant'],
    params: caseParams,
    body: withdrawSchema,
    responses: { 200: caseView, 202: acceptedUpdate },
    errors: { 404: 'no such case (`not_found`)', 409: 'the case is already closed (`case_closed`)' },
  }, async (req, res, { params, body }) => {
    await visibleCase(req, params.caseId);
    const outcome = await updateCase(client, db, params.caseId, withdrawCaseUpdate, body(), ['case_closed', 'the case is already closed'], config.updateWaitMs);
    deps.logger.info({ caseId: params.caseId, answered: outcome.done }, 'case withdrawn');
    sendUpdated(res, params.caseId, outcome);
  });

  return routes;
}
