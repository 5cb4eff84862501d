import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  allHandlersFinished,
  condition,
  isCancellation,
  log,
  patched,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { CaseActivities } from '../activities';
import type { NotificationInput } from '../activities/notifications';
import type { Breach, CaseEvent } from '../activities/read-model';
import type { CaseStatus, ItemCode, ItemDefinition, Reason } from '../policy/types';
import {
  UPDATE_ERRORS,
  caseViewQuery,
  decideItemUpdate,
  supplyDocumentsUpdate,
  withdrawCaseUpdate,
  type CaseInput,
  type CaseView,
  type DecideItemInput,
  type Document,
  type ItemView,
  type WithdrawInput,
} from './messages';
import { caseStatusKey, overdueItemsKey } from './search-attributes';

// Department systems and our own stores may be down for hours: keep retrying, slower
// and slower, rather than lose the case. Only a definite "no" stops the retries.
const retry = { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '5m', nonRetryableErrorTypes: ['DepartmentRefused', 'LicenceAlreadyIssued', 'CalendarNotCovered'] };
const { submitItem, supplyItem } = proxyActivities<CaseActivities>({ startToCloseTimeout: '30s', retry });
const { issueLicence, verifyEligibility, computeDeadline, projectCase } = proxyActivities<CaseActivities>({ startToCloseTimeout: '30s', retry });
// A notification is worth a few hours of retries, not a case that never closes.
const { notify: sendNotification } = proxyActivities<CaseActivities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '5m', maximumAttempts: 50, nonRetryableErrorTypes: ['SmsRefused'] },
});

/** Cases started before notifications existed replay without them. */
export const NOTIFICATIONS_PATCH = 'notifications-v1';
/** A supplement is answered once its item is back in review (no second supplement in between). */
export const SUPPLEMENT_ANSWERED_IN_REVIEW_PATCH = 'supplement-answered-in-review-v1';

/** Items of the pack that must not hold a licence twice per mother, rather than per child. */
const MOTHER_ITEMS: ReadonlySet<ItemCode> = new Set(['maternity_medical_certificate', 'family_planning_review', 'maternity_insurance_benefit', 'maternity_expense_reimbursement']);
const TERMINAL = new Set(['completed', 'rejected', 'cancelled', 'not_applied']);
/** A definite "no" from a department or the licence store ends the item, not the case. */
const REFUSALS: Record<string, string> = { DepartmentRefused: 'DEPARTMENT_REFUSED', LicenceAlreadyIssued: 'LICENCE_ALREADY_ISSUED' };

function refusalOf(err: unknown): string | undefined {
  if (!(err instanceof ActivityFailure) || !(err.cause instanceof ApplicationFailure) || !err.cause.type) return undefined;
  return REFUSALS[err.cause.type];
}

interface ItemState extends ItemView {
  definition: ItemDefinition;
  receiptId?: string;
  /** A case worker's decision, set by the update handler and consumed by the item's own flow. */
  decision?: DecideItemInput;
  supplement?: Document[];
}

/**
 * One newborn case (新生儿出生一件事): the parents apply once, then each department
 * works on its items as soon as the items they depend on have issued their licences.
 */
export async function newbornCaseWorkflow(input: CaseInput): Promise<CaseView> {
  const { pack, application } = input;
  const applied = new Set(input.items);
  const items = new Map<ItemCode, ItemState>(
    pack.items.map((definition) => [
      definition.item,
      { item: definition.item, department: definition.department, status: applied.has(definition.item) ? 'pending' : 'not_applied', escalationLevel: 0, definition },
    ]),
  );
  let status: CaseStatus = 'in_progress';
  let reasons: Reason[] | undefined;
  let closedAt: string | undefined;
  let withdrawal: WithdrawInput | undefined;
  /** Licences being issued right now: a withdrawal waits for them rather than hide a licence that exists. */
  let issuing = 0;

  // --- the case's own record, projected to the read model in order ---------------
  let revision = 0;
  let projected = 0;
  let projectorDone = false;
  let eventSeq = 0;
  let unprojectedEvents: CaseEvent[] = [];
  const breaches: Breach[] = [];
  const now = () => new Date().toISOString();

  function record(type: string, fields: Omit<CaseEvent, 'seq' | 'at' | 'type'> = {}): void {
    unprojectedEvents.push({ seq: ++eventSeq, at: now(), type, ...fields });
    revision++;
  }

  function view(): CaseView {
    return {
      caseId: input.caseId,
      region: pack.region,
      policyVersion: pack.version,
      status,
      submittedAt: input.submittedAt,
      ...(closedAt && { closedAt }),
      ...(reasons && { reasons }),
      items: [...items.values()].map(({ definition: _d, receiptId: _r, decision: _x, supplement: _s, ...item }) => item),
    };
  }

  /** Resolves once the read model shows everything done so far (read-your-writes for the API). */
  async function projectedUpToNow(): Promise<void> {
    const target = revision;
    await condition(() => projected >= target || projectorDone);
  }

  async function projector(): Promise<void> {
    for (;;) {
      await condition(() => revision > projected || closedAt !== undefined);
      if (revision === projected) {
        projectorDone = true;
        return;
      }
      const target = revision;
      const events = unprojectedEvents;
      unprojectedEvents = [];
      await projectCase({ revision: target, view: view(), applicantHash: input.applicantHash, applicantMasked: input.applicantMasked, events, breaches });
      projected = target;
    }
  }

  // --- notifications: sent alongside the case, never holding it up ---------------
  const sending: Promise<void>[] = [];

  function notify(notification: Omit<NotificationInput, 'caseId'>): void {
    if (!patched(NOTIFICATIONS_PATCH)) return;
    // Not cancellable: the parents still hear of a licence issued while they withdraw.
    const sent = CancellationScope.nonCancellable(() => sendNotification({ caseId: input.caseId, ...notification })).then(
      () => undefined,
      (err: unknown) => log.warn('notification not delivered', { caseId: input.caseId, template: notification.template, error: (err as Error).message }),
    );
    sending.push(sent);
  }

  function notifyApplicant(it: ItemState, template: NotificationInput['template'], params: NotificationInput['params'] = {}): void {
    notify({ audience: 'applicant', recipientKey: input.applicantHash, to: application.applicant.phone, department: it.department, item: it.item, template, params: { caseId: input.caseId, item: it.item, ...params } });
  }

  /** `role` is a rung of the pack's escalation ladder; the gateway resolves `role@department` to the people on duty. */
  function notifySupervisor(it: ItemState, role: string, template: NotificationInput['template'], params: NotificationInput['params'] = {}): void {
    notify({ audience: 'supervisor', recipientKey: it.department, to: `${role}@${it.department}`, department: it.department, item: it.item, template, params: { caseId: input.caseId, item: it.item, department: it.department, ...params } });
  }

  function refuse(type: string, message: string): never {
    throw ApplicationFailure.create({ type, message, nonRetryable: true });
  }

  function appliedItem(code: ItemCode): ItemState {
    const it = items.get(code);
    if (!it || it.status === 'not_applied') refuse(UPDATE_ERRORS.unknownItem, `item ${code} is not part of this case`);
    return it;
  }

  // --- what the outside world may say to the case ----------------------------------
  setHandler(caseViewQuery, view);

  setHandler(
    decideItemUpdate,
    async (decision) => {
      const it = items.get(decision.item)!;
      it.decision = decision;
      await condition(() => it.decision === undefined || status !== 'in_progress');
      await projectedUpToNow();
      return view();
    },
    {
      validator: (decision) => {
        const it = appliedItem(decision.item);
        if (decision.actor.role !== 'case_worker' || decision.actor.department !== it.department) {
          refuse(UPDATE_ERRORS.wrongDepartment, `item ${decision.item} is decided by the ${it.department} department`);
        }
        if (withdrawal) refuse(UPDATE_ERRORS.caseClosed, 'the applicant is withdrawing the case');
        if (it.status !== 'in_review' || it.decision) refuse(UPDATE_ERRORS.notInReview, `item ${decision.item} is ${it.status}, not in review`);
        if (!['approve', 'reject', 'request_supplement'].includes(decision.decision)) refuse('InvalidDecision', `unknown decision ${decision.decision}`);
      },
    },
  );

  setHandler(
    supplyDocumentsUpdate,
    async ({ item, documents }) => {
      const it = items.get(item)!;
      it.supplement = documents;
      await condition(() => it.supplement === undefined || status !== 'in_progress');
      await projectedUpToNow();
      return view();
    },
    {
      validator: ({ item }) => {
        const it = appliedItem(item);
        if (withdrawal) refuse(UPDATE_ERRORS.caseClosed, 'the applicant is withdrawing the case');
        if (it.status !== 'awaiting_supplement' || it.supplement) refuse(UPDATE_ERRORS.nothingAwaitingSupplement, `item ${item} is not awaiting a supplement`);
      },
    },
  );

  setHandler(
    withdrawCaseUpdate,
    async (request) => {
      withdrawal = request;
      await condition(() => status !== 'in_progress');
      await projectedUpToNow();
      return view();
    },
    {
      validator: (_request) => {
        if (status !== 'in_progress' || withdrawal) refuse(UPDATE_ERRORS.caseClosed, `the case is already ${status}`);
      },
    },
  );

  // --- one item, from waiting on its prerequisites to its licence ------------------
  async function runItem(it: ItemState): Promise<void> {
    const prerequisites = it.definition.prerequisites.map((code) => items.get(code)!).filter((p) => p.status !== 'not_applied');
    await condition(() => prerequisites.every((p) => TERMINAL.has(p.status)));
    if (!prerequisites.every((p) => p.status === 'completed')) {
      it.status = 'cancelled';
      it.reason = 'PREREQUISITE_REJECTED';
      record('item_cancelled', { item: it.item, detail: { reason: it.reason } });
      return;
    }
    if (withdrawal) return;
    const proofs = prerequisites.map((p) => p.licence!);
    const receipt = await submitItem({ caseId: input.caseId, region: pack.region, item: it.item, department: it.department, proofs });
    it.receiptId = receipt.receiptId;
    it.startedAt = now();
    record('item_started', { item: it.item, detail: { department: it.department, proofs: proofs.map((p) => p.number) } });
    notifyApplicant(it, 'item_started');

    for (;;) {
      let decision: DecideItemInput;
      if (it.definition.reviewRequired) {
        await startReview(it);
        // Only now may another supplement be accepted: the item is back in review.
        it.supplement = undefined;
        decision = await awaitDecision(it);
        // A withdrawal that arrived with the decision wins; the main flow cancels the item.
        if (withdrawal) return;
      } else {
        // The pack lets this item through on the licences it was handed: no case worker, no SLA.
        decision = { item: it.item, decision: 'approve', actor: { sub: 'system', role: 'system' } };
      }
      it.decidedBy = decision.actor.sub;
      it.decidedAt = now();
      record('item_decided', { item: it.item, actor: decision.actor.sub, detail: { decision: decision.decision, ...(decision.comment && { comment: decision.comment }) } });
      resolveBreach(it);

      if (decision.decision === 'approve') {
        // Once a case worker approved, the licence is issued even if the parents withdraw meanwhile.
        issuing++;
        try {
          it.licence = await CancellationScope.nonCancellable(() =>
            issueLicence({
              caseId: input.caseId,
              item: it.item,
              type: it.definition.licenceType,
              issuer: it.department,
              subject: MOTHER_ITEMS.has(it.item) ? 'mother' : 'child',
              motherIdNumber: application.mother.idNumber,
              bornAt: application.delivery.bornAt,
              subjectName: MOTHER_ITEMS.has(it.item) ? application.mother.name : application.child.name,
            }),
            );
        } finally {
          issuing--;
        }
        it.status = 'completed';
        record('licence_issued', { item: it.item, detail: { number: it.licence.number, type: it.licence.type } });
        notifyApplicant(it, 'item_approved', { licenceNumber: it.licence.number });
        it.decision = undefined;
        return;
      }
      if (decision.decision === 'reject') {
        it.status = 'rejected';
        it.reason = decision.comment ?? 'REJECTED';
        it.decision = undefined;
        // Codes only: a case worker's comment may carry personal data, and SMS is not encrypted.
        notifyApplicant(it, 'item_rejected', { reason: 'REJECTED' });
        return;
      }
      // Request for supplement (补正): the clock stops until the applicant supplies.
      it.status = 'awaiting_supplement';
      it.deadline = undefined;
      it.reason = decision.comment;
      it.decision = undefined;
      notifyApplicant(it, 'supplement_needed');
      await condition(() => it.supplement !== undefined);
      const documents = it.supplement!;
      await supplyItem({ caseId: input.caseId, item: it.item, department: it.department, receiptId: it.receiptId!, documents });
      record('supplement_received', { item: it.item, actor: 'applicant', detail: { documents: documents.map((d) => d.name) } });
      it.reason = undefined;
      // Cases from before this fix answered the applicant before the item was back in review.
      if (!patched(SUPPLEMENT_ANSWERED_IN_REVIEW_PATCH)) it.supplement = undefined;
    }
  }

  async function startReview(it: ItemState): Promise<void> {
    it.escalationLevel = 0;
    try {
      const { deadline, calendarVersion } = await computeDeadline({ from: now(), workingDays: pack.slaWorkingDays });
      it.deadline = deadline;
      record('deadline_set', { item: it.item, detail: { deadline, calendarVersion } });
    } catch (err) {
      if (isCancellation(err)) throw err;
      // No guessing: the item waits without a deadline and the gap is on record.
      it.deadline = undefined;
      record('deadline_unavailable', { item: it.item, detail: { error: (err as Error).message } });
      log.warn('no deadline for item', { caseId: input.caseId, item: it.item });
      notifySupervisor(it, pack.escalationLadder[0] ?? 'department_supervisor', 'calendar_missing', { error: 'CalendarNotCovered' });
    }
    it.status = 'in_review';
  }

  /** Waits for the case worker; past the deadline, escalates one level per working day. */
  async function awaitDecision(it: ItemState): Promise<DecideItemInput> {
    let due = it.deadline;
    const ladder = pack.escalationLadder;
    while (due !== undefined && it.escalationLevel < ladder.length) {
      const remaining = Date.parse(due) - Date.now();
      if (remaining > 0 && (await condition(() => it.decision !== undefined, remaining))) break;
      if (it.decision) break;
      escalate(it, due, ladder[it.escalationLevel]);
      try {
        due = (await computeDeadline({ from: due, workingDays: 1 })).deadline;
      } catch (err) {
        if (isCancellation(err)) throw err;
        // The next rung falls in a year the calendar does not cover: stay at this level
        // rather than guess (or fail the case), and say so.
        due = undefined;
        record('deadline_unavailable', { item: it.item, detail: { error: (err as Error).message, escalationLevel: it.escalationLevel } });
        notifySupervisor(it, ladder[it.escalationLevel - 1], 'calendar_missing', { error: 'CalendarNotCovered', level: it.escalationLevel });
      }
    }
    await condition(() => it.decision !== undefined);
    return it.decision!;
  }

  function escalate(it: ItemState, due: string, notify: string): void {
    it.escalationLevel++;
    if (it.escalationLevel === 1) {
      breaches.push({ item: it.item, seq: breaches.filter((b) => b.item === it.item).length + 1, department: it.department, deadline: due, breachedAt: now(), escalationLevel: 1 });
      record('sla_breached', { item: it.item, detail: { deadline: due, department: it.department } });
    } else {
      openBreach(it)!.escalationLevel = it.escalationLevel;
    }
    record('escalated', { item: it.item, detail: { level: it.escalationLevel, notify } });
    updateOverdue();
    notifySupervisor(it, notify, 'sla_escalated', { level: it.escalationLevel, deadline: due });
  }

  function openBreach(it: ItemState): Breach | undefined {
    return breaches.find((b) => b.item === it.item && b.resolvedAt === undefined);
  }

  function resolveBreach(it: ItemState): void {
    const breach = openBreach(it);
    if (!breach) return;
    breach.resolvedAt = now();
    updateOverdue();
  }

  function updateOverdue(): void {
    const overdue = breaches.filter((b) => b.resolvedAt === undefined).map((b) => `${b.department}:${b.item}`);
    upsertSearchAttributes([{ key: overdueItemsKey, value: overdue }]);
  }

  function close(final: CaseStatus): void {
    status = final;
    closedAt = now();
    upsertSearchAttributes([{ key: caseStatusKey, value: final }]);
    record('case_closed', { detail: { status: final } });
  }

  // --- the case -------------------------------------------------------------------
  record('case_submitted', { actor: 'applicant', detail: { region: pack.region, policyVersion: pack.version, items: input.items } });
  const projecting = projector();

  const eligibility = await verifyEligibility({ application, pack, submittedAt: input.submittedAt });
  record('eligibility_checked', { detail: { eligible: eligibility.eligible, reasons: eligibility.reasons.map((r) => r.code) } });
  if (!eligibility.eligible) {
    reasons = eligibility.reasons;
    for (const it of items.values()) if (it.status === 'pending') Object.assign(it, { status: 'cancelled', reason: 'INELIGIBLE' });
    close('ineligible');
  } else {
    const scope = new CancellationScope();
    const working = scope.run(() =>
      Promise.all(
        [...items.values()]
          .filter((it) => it.status === 'pending')
          .map((it) =>
            runItem(it).catch((err) => {
              if (isCancellation(err)) return;
              const refusal = refusalOf(err);
              if (!refusal) throw err;
              Object.assign(it, { status: 'rejected', reason: refusal, deadline: undefined, decision: undefined, supplement: undefined });
              resolveBreach(it);
              record('item_refused', { item: it.item, detail: { reason: refusal } });
            }),
          ),
      ),
    );
    const done = await Promise.race([working.then(() => true), condition(() => withdrawal !== undefined).then(() => false)]);
    if (!done) {
      await condition(() => issuing === 0);
      scope.cancel();
      for (const it of items.values()) {
        if (TERMINAL.has(it.status)) continue;
        resolveBreach(it);
        Object.assign(it, { status: 'cancelled', reason: 'WITHDRAWN', deadline: undefined, decision: undefined, supplement: undefined });
      }
      record('case_withdrawn', { actor: 'applicant', detail: withdrawal?.reason ? { reason: withdrawal.reason } : {} });
      close('withdrawn');
    } else {
      const appliedItems = [...items.values()].filter((it) => it.status !== 'not_applied');
      close(appliedItems.every((it) => it.status === 'completed') ? 'completed' : 'partially_completed');
    }
  }

  await projecting;
  await Promise.all(sending);
  await condition(allHandlersFinished);
  return view();
}
