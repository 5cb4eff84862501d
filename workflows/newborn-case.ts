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
import type { Breach, CaseChanges, ItemRow } from '../activities/read-model';
import { DELIVERY_RECORD_REASONS } from '../policy/delivery';
import { concernsOf, decidedByOf, sectionsOf, slaWorkingDaysOf } from '../policy/packs';
import { applicationForChild, childCount, correctBirth, keyedItems, type KeyedItem } from '../policy/item-keys';
import { attachedDocuments, itemData, routeItem } from '../policy/routing';
import type { BreachCause, CaseStatus, ItemCode, ItemDefinition, ItemsEligibility, Reason, VerifiedFacts } from '../policy/types';
import { ACTIVITY_FAILURES, CASE_FAILURES } from '../runtime/failures';
import {
  UPDATE_ERRORS,
  caseViewQuery,
  claimItemUpdate,
  decideItemUpdate,
  itemFileQuery,
  releaseItemUpdate,
  shipmentSettledSignal,
  submitPaymentUpdate,
  supplyDocumentsUpdate,
  withdrawCaseUpdate,
  type Actor,
  type CaseInput,
  type CaseView,
  type DecideItemInput,
  type Decision,
  type Document,
  type ItemView,
  type Licence,
  type ShipmentStatus,
  type SubmitPaymentInput,
  type SupplyDocumentsInput,
  type WithdrawInput,
} from './messages';
import { caseEventRecord, type CaseEvent, type CaseEventDetails, type CaseEventType } from './case-events';
import { caseStatusKey, overdueItemsKey } from './search-attributes';
import { APPLICANT_STEPS_PATCH, SHIPMENTS_PATCH, SHIPMENT_WATCH, SUPPLEMENT_LIMITS_PATCH, msUntil, postedDocument, supplementLimitOf } from './journey';

// Department systems and our own stores may be down for hours: keep retrying, slower
// and slower, rather than lose the case. Only a definite "no" stops the retries.
// Capped at 30 s (issue 12 §7): a case resumes within a minute of its department's recovery.
const retry = {
  initialInterval: '1s',
  backoffCoefficient: 2,
  maximumInterval: '30s',
  nonRetryableErrorTypes: [ACTIVITY_FAILURES.departmentRefused, ACTIVITY_FAILURES.licenceAlreadyIssued, ACTIVITY_FAILURES.calendarNotCovered],
};
const { submitItem, supplyItem, issueLicence, verifyEligibility, verifyItemEligibility, checkDeliveryRecord, computeDeadline, projectCase, projectCaseChanges } = proxyActivities<CaseActivities>({
  startToCloseTimeout: '30s',
  retry,
});
// Asks the department's system until it reports the event; the activity sets the pace of
// its own retries (a benign "not yet"), so waiting days adds nothing to the history.
const { awaitDepartmentEvent } = proxyActivities<CaseActivities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '5m' },
});
// Registry look-ups of the eligibility check, one activity each (ELIGIBILITY_LOOKUPS): never
// given up on, but polled at most 30 s apart, so a case resumes within a minute of a
// registry's recovery instead of after a back-off grown to minutes.
const { lookUpBirthCertificate, lookUpMarriage, lookUpHukou, assessItemEligibility } = proxyActivities<CaseActivities>({
  startToCloseTimeout: '30s',
  retry: { ...retry, maximumInterval: '30s' },
});
// The applicant waits on the answer (an update): a gateway that does not answer within a
// few tries is a refusal to try again later, never a request left hanging.
const { verifyPayment } = proxyActivities<CaseActivities>({
  startToCloseTimeout: '5s',
  retry: { initialInterval: '500ms', backoffCoefficient: 2, maximumAttempts: 3 },
});
// The parcel is the family's: keep trying the carrier rather than lose it.
const { createShipment } = proxyActivities<CaseActivities>({ startToCloseTimeout: '30s', retry });
// A notification is worth a few hours of retries, not a case that never closes.
const { notify: sendNotification } = proxyActivities<CaseActivities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '5m', maximumAttempts: 50, nonRetryableErrorTypes: [ACTIVITY_FAILURES.smsRefused] },
});

/** Cases started before notifications existed replay without them. */
export const NOTIFICATIONS_PATCH = 'notifications-v1';
/** A supplement is answered once its item is back in review (no second supplement in between). */
export const SUPPLEMENT_ANSWERED_IN_REVIEW_PATCH = 'supplement-answered-in-review-v1';
/**
 * The case's events travel in their own versioned envelope (./case-events), with only
 * the rows that changed; cases started before it project whole snapshots to the end.
 */
export const CASE_EVENTS_PATCH = 'case-events-record-v1';
/**
 * Issue 9, decided once at the start: eligibility item by item (an ineligible item does
 * not stop the others), the birth checked against the delivering institution's record,
 * each item's clock running from its hand-off (a department system's outage is a
 * breach, with its cause), items decided by a department system's event, and the
 * parents told of every end. Cases started before keep the whole-case verdict and the
 * clock from the department's answer.
 */
export const ITEMS_PATCH = 'items-per-item-v1';
/** Issue 12 §7: each registry look-up of the eligibility check is its own retried activity. */
export const ELIGIBILITY_LOOKUPS_PATCH = 'ELIGIBILITY_LOOKUPS';
/**
 * One case per delivery (DESIGN §7 "Births and attempts"): a child's items once per
 * child of `children`, keyed `<item>.<n>`. Cases started before have one child's items,
 * keyed by their codes.
 */
export const CHILDREN_PATCH = 'CHILDREN';

/**
 * Issue 12 §1: a store that refuses an item's data itself (DataRefused, never an outage)
 * puts the item before a supervisor as `needs_attention`, with the code, instead of
 * retrying for ever; a projection it refuses is skipped, and the case goes on.
 */
export const NEEDS_ATTENTION_PATCH = 'NEEDS_ATTENTION';

/**
 * Issue 13 §2, decided once at the start: a step that the case's own next activity
 * completes within moments (an item handed on, whose deadline or department receipt
 * follows; a decision, whose licence follows) is not projected on its own but with
 * that next step. An update still answers only once the read model shows what it did,
 * and the close is projected at once. About half of a case's projections go.
 */
export const LEAN_PROJECTION_PATCH = 'LEAN_PROJECTION';

/**
 * Every change above at once, for cases started from now on: such a case runs all of
 * them, and says so in one marker instead of one per change (each marker also rewrites
 * the case's search attributes: nine of each were a tenth of a case's history events).
 * Cases started before ask change by change, as they always did. The next change gets
 * a patch of its own again, until the next such roll-up.
 */
export const ROLL_UP_2026_11_PATCH = 'ROLL_UP_2026_11';

// `needs_attention` ends an item's own flow: the items that need it go on without it (NEEDS_ATTENTION).
const TERMINAL = new Set(['completed', 'rejected', 'cancelled', 'not_applied', 'ineligible', 'needs_attention']);
const DELIVERY_REASONS: readonly (string | undefined)[] = Object.values(DELIVERY_RECORD_REASONS);
const DECISIONS: readonly unknown[] = ['approve', 'reject', 'request_supplement'] satisfies Decision[];
/** A definite "no" from a department or the licence store ends the item, not the case. */
const REFUSALS: Record<string, string> = { [ACTIVITY_FAILURES.departmentRefused]: 'DEPARTMENT_REFUSED', [ACTIVITY_FAILURES.licenceAlreadyIssued]: 'LICENCE_ALREADY_ISSUED' };

// Update input from clients other than the API (which parses it first) is checked by the
// validators: accepted, it is in the history for good, and a malformed one would fail the
// workflow task on every replay.
const isText = (value: unknown): value is string => typeof value === 'string';
const fieldsOf = (value: unknown): Record<string, unknown> => (typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {});

function isDecideItemInput(value: unknown): boolean {
  const { item, decision, comment, actor } = fieldsOf(value);
  const { sub, role } = fieldsOf(actor);
  return isText(item) && DECISIONS.includes(decision) && isText(sub) && isText(role) && (comment === undefined || isText(comment));
}

function isSupplyDocumentsInput(value: unknown): boolean {
  const { item, documents, corrections } = fieldsOf(value);
  const { bornAt } = fieldsOf(corrections);
  const correctionsOk = corrections === undefined || (typeof corrections === 'object' && corrections !== null && (bornAt === undefined || (isText(bornAt) && !Number.isNaN(Date.parse(bornAt)))));
  return isText(item) && Array.isArray(documents) && documents.length > 0 && documents.every((d) => isText(fieldsOf(d).name) && isText(fieldsOf(d).reference)) && correctionsOk;
}

function isClaimItemInput(value: unknown): boolean {
  const { item, actor, assignee, reassign } = fieldsOf(value);
  const { sub, role } = fieldsOf(actor);
  return isText(item) && isText(sub) && isText(role) && isText(assignee) && assignee.trim() !== '' && (reassign === undefined || typeof reassign === 'boolean');
}

function isReleaseItemInput(value: unknown): boolean {
  const { item, actor } = fieldsOf(value);
  const { sub, role } = fieldsOf(actor);
  return isText(item) && isText(sub) && isText(role);
}

function isWithdrawInput(value: unknown): boolean {
  const { reason } = fieldsOf(value);
  return typeof value === 'object' && value !== null && (reason === undefined || isText(reason));
}

/** `DATA_REFUSED_<SQLSTATE>` for a failure of the data itself (no personal data: the code only). */
function attentionOf(err: unknown): string | undefined {
  if (!(err instanceof ActivityFailure) || !(err.cause instanceof ApplicationFailure) || err.cause.type !== ACTIVITY_FAILURES.dataRefused) return undefined;
  const [code] = err.cause.details ?? [];
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? `DATA_REFUSED_${code}` : 'DATA_REFUSED';
}

function refusalOf(err: unknown): string | undefined {
  if (!(err instanceof ActivityFailure) || !(err.cause instanceof ApplicationFailure) || !err.cause.type) return undefined;
  return REFUSALS[err.cause.type];
}

/** Items a case worker may hold: those in review, or back with the applicant for a supplement. */
const CLAIMABLE = new Set(['in_review', 'awaiting_supplement']);

interface ItemState extends ItemView {
  key: string;
  definition: ItemDefinition;
  institution: string;
  /** The 6-digit division of the item's institution, for supervisors scoped to a division. */
  division: string;
  /** Licences of the prerequisites, handed to the department with the item. */
  proofs: Licence[];
  /** Attached at submission, then every supplement. */
  documents: Document[];
  /** A case worker's decision, set by the update handler and consumed by the item's own flow. */
  decision?: DecideItemInput;
  supplement?: Document[];
  /** Corrections that came with the supplement (delivery-record checks only). */
  corrections?: SupplyDocumentsInput['corrections'];
  /** Review periods started or ended so far (ITEMS_PATCH): a deadline watcher ends with its period. */
  period?: number;
  /** Whether the department's system acknowledged the current period's hand-off (ITEMS_PATCH). */
  received?: boolean;
  /** The payment the gateway confirmed (APPLICANT_STEPS), set by the update, consumed by the item's flow. */
  paid?: { reference: string; paidAt: string };
  /** A payment is being checked with the gateway: a second one waits its turn (refused). */
  verifying?: boolean;
  /** Requests for supplement so far (SUPPLEMENT_LIMITS). */
  supplementRequests?: number;
}

/** A parcel the case posted (SHIPMENTS), followed until the carrier delivers or returns it. */
interface Parcel {
  /** The item's key in the case. */
  item: string;
  trackingNumber: string;
  status: ShipmentStatus;
}

/**
 * One newborn case (新生儿出生一件事): the parents apply once, then each department
 * works on its items as soon as the items they depend on have issued their licences.
 */
export async function newbornCaseWorkflow(input: CaseInput): Promise<CaseView> {
  // First of all, before any other patch is asked: a case started today has them all.
  const rolledUp = patched(ROLL_UP_2026_11_PATCH);
  const runsChange = (patch: string): boolean => rolledUp || patched(patch);
  // Decided once, at the start: a case keeps one way of projecting for its whole life.
  const recordsCaseEvents = runsChange(CASE_EVENTS_PATCH);
  const perItem = runsChange(ITEMS_PATCH);
  // Issue 10, each decided once at the start (workflows/journey.ts).
  const applicantSteps = runsChange(APPLICANT_STEPS_PATCH);
  const posting = runsChange(SHIPMENTS_PATCH);
  const supplementLimits = runsChange(SUPPLEMENT_LIMITS_PATCH);
  const lean = runsChange(LEAN_PROJECTION_PATCH);
  const parcels: Parcel[] = [];
  const { pack } = input;
  /** The application as the case knows it: the applicant may correct it in a supplement (ITEMS_PATCH). */
  let application = input.application;
  const applied = new Set(input.items);
  const keyed: KeyedItem[] = runsChange(CHILDREN_PATCH) ? keyedItems(pack.items, childCount(application)) : pack.items.map((definition) => ({ key: definition.item, definition }));
  // Routed once, from the application as submitted: the item stays with that office to the end.
  const items = new Map<string, ItemState>(
    keyed.map(({ key, definition, child }) => {
      const { institution, division } = routeItem(definition, application);
      const status = applied.has(definition.item) ? 'pending' : 'not_applied';
      return [key, { key, item: definition.item, ...(child !== undefined && { child }), department: definition.department, institution, status, escalationLevel: 0, definition, division, proofs: [], documents: attachedDocuments(application, definition.item) }];
    }),
  );
  /** The application as the item's department sees it: a child's item, that child's birth. */
  const applicationFor = (it: ItemState) => applicationForChild(application, it.child);
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
  /** The last event waits for its next step before it is projected (LEAN_PROJECTION). */
  let awaitingNextStep = false;
  /** Update handlers waiting for the read model to show what they did. */
  let waitingForProjection = 0;
  const breaches: Breach[] = [];
  const now = () => new Date().toISOString();

  function record<T extends CaseEventType>(type: T, fields: { item?: string; actor?: string; detail: CaseEventDetails[T] }): void {
    unprojectedEvents.push({ seq: ++eventSeq, at: now(), type, ...fields } as CaseEvent);
    revision++;
    awaitingNextStep = false;
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
      items: [...items.values()].map(({ definition: _d, decision: _x, supplement: _s, corrections: _c, period: _p, received: _r, division: _v, proofs: _f, documents: _o, paid: _y, verifying: _w, supplementRequests: _n, ...item }) => item),
    };
  }

  /**
   * The event just recorded is projected with the case's next step, which the case's own
   * activity brings within moments (LEAN_PROJECTION). Only for steps that cannot hang on
   * a department: the deadline from the calendar, the licence from the licence store.
   */
  function projectWithNextStep(): void {
    if (lean) awaitingNextStep = true;
  }

  /** Resolves once the read model shows everything done so far (read-your-writes for the API). */
  async function projectedUpToNow(): Promise<void> {
    const target = revision;
    waitingForProjection++;
    try {
      await condition(() => projected >= target || projectorDone);
    } finally {
      waitingForProjection--;
    }
  }

  /** Each row of the read model as last projected (JSON), so that a projection carries only what differs. */
  let projectedRows = new Map<string, string>();

  function changesFor(target: number): { changes: CaseChanges; rows: Map<string, string> } {
    const rows = new Map(projectedRows);
    const differs = (key: string, row: unknown): boolean => {
      const json = JSON.stringify(row);
      if (rows.get(key) === json) return false;
      rows.set(key, json);
      return true;
    };
    const current = view();
    const state = { status: current.status, ...(current.closedAt && { closedAt: current.closedAt }), ...(current.reasons && { reasons: current.reasons }) };
    const first = !rows.has('case');
    const changes: CaseChanges = {
      revision: target,
      ...(differs('case', state) && {
        case: first ? { ...state, region: current.region, policyVersion: current.policyVersion, submittedAt: current.submittedAt, applicantHash: input.applicantHash, applicantMasked: input.applicantMasked, ...(input.delivery && { delivery: input.delivery }) } : state,
      }),
      items: current.items.map((it, position): ItemRow => {
        const state = items.get(it.key ?? it.item);
        return { ...it, position, division: state?.division, ...(state && { concerns: concernsOf(state.definition) }) };
      }).filter((row) => differs(`item:${row.key ?? row.item}`, row)),
      breaches: breaches.filter((b) => differs(`breach:${b.item}:${b.seq}`, b)),
    };
    return { changes, rows };
  }

  async function projector(): Promise<void> {
    for (;;) {
      await condition(() => (revision > projected && (!awaitingNextStep || waitingForProjection > 0)) || closedAt !== undefined);
      if (revision === projected) {
        projectorDone = true;
        return;
      }
      const target = revision;
      const events = unprojectedEvents;
      unprojectedEvents = [];
      if (recordsCaseEvents) {
        const { changes, rows } = changesFor(target);
        try {
          await projectCaseChanges(caseEventRecord(input.caseId, events), changes);
          projectedRows = rows;
        } catch (err) {
          const attention = attentionOf(err);
          if (!attention || !runsChange(NEEDS_ATTENTION_PATCH)) throw err;
          // The rows stay unprojected and go again with the next change; the case goes on.
          log.warn('projection refused by the read model', { caseId: input.caseId, reason: attention });
        }
      } else {
        await projectCase({ revision: target, view: view(), applicantHash: input.applicantHash, applicantMasked: input.applicantMasked, events, breaches, divisions: Object.fromEntries([...items.values()].map((it) => [it.key, it.division])) });
      }
      projected = target;
    }
  }

  // --- notifications: sent alongside the case, never holding it up ---------------
  const sending: Promise<void>[] = [];

  function notify(notification: Omit<NotificationInput, 'caseId'>): void {
    if (!runsChange(NOTIFICATIONS_PATCH)) return;
    // Not cancellable: the parents still hear of a licence issued while they withdraw.
    const sent = CancellationScope.nonCancellable(() => sendNotification({ caseId: input.caseId, ...notification })).then(
      () => undefined,
      (err: unknown) => log.warn('notification not delivered', { caseId: input.caseId, template: notification.template, error: (err as Error).message }),
    );
    sending.push(sent);
  }

  function notifyApplicant(it: ItemState, template: NotificationInput['template'], params: NotificationInput['params'] = {}): void {
    notify({ audience: 'applicant', recipientKey: input.applicantHash, to: application.applicant.phone, department: it.department, item: it.key, template, params: { caseId: input.caseId, item: it.key, ...params } });
  }

  /** About the case as a whole (ITEMS_PATCH): how it ended. */
  function notifyCase(template: NotificationInput['template'], params: NotificationInput['params'] = {}): void {
    notify({ audience: 'applicant', recipientKey: input.applicantHash, to: application.applicant.phone, template, params: { caseId: input.caseId, ...params } });
  }

  /** `role` is a rung of the pack's escalation ladder; the gateway resolves `role@department` to the people on duty. */
  function notifySupervisor(it: ItemState, role: string, template: NotificationInput['template'], params: NotificationInput['params'] = {}): void {
    notify({ audience: 'supervisor', recipientKey: it.department, to: `${role}@${it.department}`, department: it.department, item: it.key, template, params: { caseId: input.caseId, item: it.key, department: it.department, ...params } });
  }

  function refuse(type: string, message: string): never {
    throw ApplicationFailure.create({ type, message, nonRetryable: true });
  }

  /**
   * The items `it` waits for: a child's item waits for the same child's, a mother's item
   * for every child's. A prerequisite the pack names but does not hold fails the case
   * (pack checks at publication make this unreachable), never the workflow task.
   */
  function prerequisitesOf(it: ItemState): ItemState[] {
    return it.definition.prerequisites.flatMap((code) => {
      const found = [...items.values()].filter((p) => p.item === code && (it.child === undefined || p.child === undefined || p.child === it.child));
      if (found.length === 0) throw ApplicationFailure.create({ type: CASE_FAILURES.invalidPack, message: `pack ${pack.region}@${pack.version} names ${code} as a prerequisite but has no such item`, nonRetryable: true });
      return found;
    });
  }

  function appliedItem(key: string): ItemState {
    const it = items.get(key);
    if (!it || it.status === 'not_applied') refuse(UPDATE_ERRORS.unknownItem, `item ${key} is not part of this case`);
    return it;
  }

  /**
   * Who may work on the item: a case worker of its department and institution, or (where
   * `supervisors`) a supervisor of its department whose division covers it. A stranger
   * to the institution learns nothing of the item (WrongInstitution, which the API answers 404).
   */
  function authorise(actor: Actor, it: ItemState, supervisors: boolean): void {
    const role = actor.role === 'case_worker' || (supervisors && actor.role === 'supervisor') ? actor.role : undefined;
    if (!role || actor.department !== it.department) refuse(UPDATE_ERRORS.wrongDepartment, `item ${it.key} is worked on by the ${it.department} department`);
    if (role === 'case_worker' && actor.institution !== it.institution) refuse(UPDATE_ERRORS.wrongInstitution, `item ${it.key} is not routed to the caller's institution`);
    if (role === 'supervisor' && actor.division && !it.division.startsWith(actor.division)) refuse(UPDATE_ERRORS.wrongInstitution, `item ${it.key} is outside the caller's division`);
  }

  /** Another case worker holds the item: named in the failure's details (encrypted like every payload), not its message. */
  function refuseClaimed(it: ItemState): never {
    throw ApplicationFailure.create({ type: UPDATE_ERRORS.claimed, message: `item ${it.key} is held by another case worker`, details: [it.assignee], nonRetryable: true });
  }

  /** The department's own system, for an item it decides (ITEMS_PATCH): it holds the item, no case worker may claim or decide it. */
  function systemHolder(it: ItemState): string | undefined {
    return perItem && decidedByOf(it.definition) !== 'case_worker' ? `system:${it.department}` : undefined;
  }

  function refuseHeldBySystem(it: ItemState): void {
    const holder = systemHolder(it);
    if (holder) throw ApplicationFailure.create({ type: UPDATE_ERRORS.claimed, message: `item ${it.key} is decided by the ${it.department} system`, details: [holder], nonRetryable: true });
  }

  // --- what the outside world may say to the case ----------------------------------
  setHandler(caseViewQuery, view);

  setHandler(itemFileQuery, (key) => {
    const it = items.get(key);
    if (!it || it.status === 'not_applied') return undefined;
    return { item: it.key, institution: it.institution, sections: [...sectionsOf(it.definition)], data: itemData(it.definition, applicationFor(it)), proofs: it.proofs, documents: it.documents };
  });

  setHandler(
    claimItemUpdate,
    async ({ item, actor, assignee }) => {
      const it = appliedItem(item);
      const previous = it.assignee;
      // Set before the first await: a second claim's validator, run next, sees the holder.
      if (previous !== assignee) {
        it.assignee = assignee;
        record('item_claimed', { item, actor: actor.sub, detail: { assignee, ...(previous && { previous }) } });
      }
      await projectedUpToNow();
      return { item, assignee };
    },
    {
      validator: (claim) => {
        if (!isClaimItemInput(claim)) refuse(UPDATE_ERRORS.invalidInput, 'a claim names an item, the claiming actor and the assignee');
        const it = appliedItem(claim.item);
        authorise(claim.actor, it, true);
        if (claim.actor.role === 'case_worker' && claim.assignee !== claim.actor.sub) refuse(UPDATE_ERRORS.invalidInput, 'a case worker claims an item for themself');
        if (withdrawal) refuse(UPDATE_ERRORS.caseClosed, 'the applicant is withdrawing the case');
        if (!CLAIMABLE.has(it.status)) refuse(UPDATE_ERRORS.notInReview, `item ${claim.item} is ${it.status}, not in review`);
        refuseHeldBySystem(it);
        if (it.assignee !== undefined && it.assignee !== claim.assignee && !(claim.actor.role === 'supervisor' && claim.reassign)) refuseClaimed(it);
      },
    },
  );

  setHandler(
    releaseItemUpdate,
    async ({ item, actor }) => {
      const it = appliedItem(item);
      const held = it.assignee;
      if (held !== undefined) {
        it.assignee = undefined;
        record('item_released', { item, actor: actor.sub, detail: { assignee: held } });
      }
      await projectedUpToNow();
      return { item };
    },
    {
      validator: (release) => {
        if (!isReleaseItemInput(release)) refuse(UPDATE_ERRORS.invalidInput, 'a release names an item and the releasing actor');
        const it = appliedItem(release.item);
        authorise(release.actor, it, true);
        refuseHeldBySystem(it);
        if (release.actor.role === 'case_worker' && it.assignee !== undefined && it.assignee !== release.actor.sub) refuseClaimed(it);
      },
    },
  );

  setHandler(
    decideItemUpdate,
    async (decision) => {
      const it = appliedItem(decision.item);
      it.decision = decision;
      // Deciding an unclaimed item claims it (no event of its own: the decision names the actor).
      it.assignee ??= decision.actor.sub;
      await condition(() => it.decision === undefined || status !== 'in_progress');
      await projectedUpToNow();
      return view();
    },
    {
      validator: (decision) => {
        if (!isDecideItemInput(decision)) refuse(UPDATE_ERRORS.invalidInput, 'a decision names an item, approve, reject or request_supplement, the deciding actor and, optionally, a comment');
        const it = appliedItem(decision.item);
        authorise(decision.actor, it, false);
        if (withdrawal) refuse(UPDATE_ERRORS.caseClosed, 'the applicant is withdrawing the case');
        if (it.status !== 'in_review' || it.decision) refuse(UPDATE_ERRORS.notInReview, `item ${decision.item} is ${it.status}, not in review`);
        refuseHeldBySystem(it);
        if (it.assignee !== undefined && it.assignee !== decision.actor.sub) refuseClaimed(it);
      },
    },
  );

  setHandler(
    supplyDocumentsUpdate,
    async ({ item, documents, corrections }) => {
      const it = appliedItem(item);
      it.corrections = corrections;
      it.supplement = documents;
      await condition(() => it.supplement === undefined || status !== 'in_progress');
      await projectedUpToNow();
      return view();
    },
    {
      validator: (supplement) => {
        if (!isSupplyDocumentsInput(supplement)) refuse(UPDATE_ERRORS.invalidInput, 'a supplement names its item and at least one document, each with a name and a reference');
        const { item } = supplement;
        const it = appliedItem(item);
        if (withdrawal) refuse(UPDATE_ERRORS.caseClosed, 'the applicant is withdrawing the case');
        if (it.status !== 'awaiting_supplement' || it.supplement) refuse(UPDATE_ERRORS.nothingAwaitingSupplement, `item ${item} is not awaiting a supplement`);
        if (supplement.corrections !== undefined && !DELIVERY_REASONS.includes(it.reason)) {
          refuse(UPDATE_ERRORS.invalidInput, `item ${item} waits for documents, not for corrections to the application`);
        }
      },
    },
  );

  // The parents name the payment they made; the gateway is asked before anything changes.
  setHandler(
    submitPaymentUpdate,
    async ({ item, reference }) => {
      const it = appliedItem(item);
      it.verifying = true;
      let verdict: Awaited<ReturnType<typeof verifyPayment>>;
      try {
        verdict = await verifyPayment({ caseId: input.caseId, item: it.key, reference, amountFen: it.definition.payment?.amountFen ?? 0 });
      } catch (err) {
        if (isCancellation(err)) throw err;
        refuse(UPDATE_ERRORS.paymentNotVerified, 'PAYMENT_GATEWAY_UNAVAILABLE: the payment gateway did not answer; try again later');
      } finally {
        it.verifying = false;
      }
      if (!verdict.verified) {
        record('payment_refused', { item: it.key, actor: 'applicant', detail: { reason: verdict.reason } });
        refuse(UPDATE_ERRORS.paymentNotVerified, `${verdict.reason}: the payment gateway does not confirm this payment for item ${it.key}`);
      }
      record('payment_verified', { item: it.key, actor: 'applicant', detail: { reference, paidAt: verdict.paidAt } });
      it.paid = { reference, paidAt: verdict.paidAt };
      await condition(() => it.status !== 'awaiting_applicant' || status !== 'in_progress');
      await projectedUpToNow();
      return view();
    },
    {
      validator: (payment: SubmitPaymentInput) => {
        const { item, reference } = fieldsOf(payment);
        if (!isText(item) || !isText(reference) || reference.trim() === '') refuse(UPDATE_ERRORS.invalidInput, 'a payment names its item and the payment reference');
        const it = appliedItem(item as string);
        if (withdrawal || status !== 'in_progress') refuse(UPDATE_ERRORS.caseClosed, `the case is ${withdrawal ? 'being withdrawn' : status}`);
        if (!applicantSteps || it.status !== 'awaiting_applicant' || it.verifying || it.paid) refuse(UPDATE_ERRORS.notAwaitingApplicant, `item ${it.key} is ${it.status}, not awaiting the applicant's payment`);
      },
    },
  );

  // The API relays the carrier's last word on a parcel once it has applied it.
  setHandler(shipmentSettledSignal, ({ trackingNumber, status: parcelStatus }) => {
    const parcel = parcels.find((p) => p.trackingNumber === trackingNumber);
    if (!parcel || parcel.status === 'delivered' || parcel.status === 'returned') return;
    parcel.status = parcelStatus;
    const it = items.get(parcel.item);
    record('shipment_settled', { item: parcel.item, detail: { trackingNumber, status: parcelStatus } });
    if (parcelStatus === 'returned' && it) {
      notifyApplicant(it, 'shipment_returned', { trackingNumber });
      notifySupervisor(it, pack.escalationLadder[0], 'shipment_returned', { trackingNumber });
    }
  });

  setHandler(
    withdrawCaseUpdate,
    async (request) => {
      withdrawal = request;
      await condition(() => status !== 'in_progress');
      await projectedUpToNow();
      return view();
    },
    {
      validator: (request) => {
        if (!isWithdrawInput(request)) refuse(UPDATE_ERRORS.invalidInput, 'a withdrawal may give a reason, as text');
        if (status !== 'in_progress' || withdrawal) refuse(UPDATE_ERRORS.caseClosed, `the case is already ${status}`);
      },
    },
  );

  // --- one item, from waiting on its prerequisites to its licence ------------------
  async function runItem(it: ItemState): Promise<void> {
    const prerequisites = prerequisitesOf(it).filter((p) => p.status !== 'not_applied');
    await condition(() => prerequisites.every((p) => TERMINAL.has(p.status)));
    if (!prerequisites.every((p) => p.status === 'completed')) {
      it.status = 'cancelled';
      it.reason = 'PREREQUISITE_REJECTED';
      record('item_cancelled', { item: it.key, detail: { reason: it.reason } });
      return;
    }
    if (withdrawal) return;
    const proofs = prerequisites.flatMap((p) => (p.licence ? [p.licence] : []));
    it.proofs = proofs;
    const sections = [...sectionsOf(it.definition)];
    const { receiptId } = await submitItem({
      caseId: input.caseId,
      region: pack.region,
      item: it.key,
      department: it.department,
      institution: it.institution,
      proofs,
      sections,
      data: itemData(it.definition, applicationFor(it)),
      documents: [...it.documents],
    });
    it.startedAt = now();
    record('item_started', { item: it.key, detail: { department: it.department, proofs: proofs.map((p) => p.number), institution: it.institution, sections, documents: it.documents.map((d) => d.name) } });
    notifyApplicant(it, 'item_started');

    for (;;) {
      let decision: DecideItemInput;
      if (decidedByOf(it.definition) === 'case_worker') {
        await startReview(it);
        // Only now may another supplement be accepted: the item is back in review.
        it.supplement = undefined;
        decision = await awaitDecision(it);
        // A withdrawal that arrived with the decision wins; the main flow cancels the item.
        if (withdrawal) return;
      } else {
        // The pack lets this item through on the licences it was handed: no case worker, no SLA.
        decision = { item: it.key, decision: 'approve', actor: { sub: 'system', role: 'system' } };
      }
      it.decidedBy = decision.actor.sub;
      it.decidedAt = now();
      record('item_decided', { item: it.key, actor: decision.actor.sub, detail: { decision: decision.decision, ...(decision.comment && { comment: decision.comment }) } });
      resolveBreach(it);

      if (decision.decision === 'approve') {
        it.licence = await issueFor(it);
        it.status = 'completed';
        record('licence_issued', { item: it.key, detail: { number: it.licence.number, type: it.licence.type } });
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
      // Set by the update handler, once its validator accepted the documents.
      await condition(() => it.supplement !== undefined);
      const documents = it.supplement as Document[];
      await supplyItem({ caseId: input.caseId, item: it.key, department: it.department, receiptId, documents });
      it.documents.push(...documents);
      record('supplement_received', { item: it.key, actor: 'applicant', detail: { documents: documents.map((d) => d.name) } });
      it.reason = undefined;
      // Cases from before this fix answered the applicant before the item was back in review.
      if (!runsChange(SUPPLEMENT_ANSWERED_IN_REVIEW_PATCH)) it.supplement = undefined;
    }
  }

  async function startReview(it: ItemState): Promise<void> {
    it.escalationLevel = 0;
    try {
      const { deadline, calendarVersion } = await computeDeadline({ from: now(), workingDays: slaWorkingDaysOf(pack, it.definition) });
      it.deadline = deadline;
      record('deadline_set', { item: it.key, detail: { deadline, calendarVersion } });
    } catch (err) {
      if (isCancellation(err)) throw err;
      // No guessing: the item waits without a deadline and the gap is on record.
      it.deadline = undefined;
      record('deadline_unavailable', { item: it.key, detail: { error: (err as Error).message } });
      log.warn('no deadline for item', { caseId: input.caseId, item: it.key });
      notifySupervisor(it, pack.escalationLadder[0] ?? 'department_supervisor', 'calendar_missing', { error: ACTIVITY_FAILURES.calendarNotCovered });
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
        record('deadline_unavailable', { item: it.key, detail: { error: (err as Error).message, escalationLevel: it.escalationLevel } });
        notifySupervisor(it, ladder[it.escalationLevel - 1], 'calendar_missing', { error: ACTIVITY_FAILURES.calendarNotCovered, level: it.escalationLevel });
      }
    }
    await condition(() => it.decision !== undefined);
    return it.decision as DecideItemInput;
  }

  // --- one item, with the clock from its hand-off (ITEMS_PATCH) ----------------------
  function cancelItem(it: ItemState, reason: string): void {
    Object.assign(it, { status: 'cancelled', reason, deadline: undefined });
    record('item_cancelled', { item: it.key, detail: { reason } });
    notifyApplicant(it, 'item_cancelled', { reason });
  }

  /** The department's clock for one review period, from `from`; recorded, or its absence is. */
  async function setDeadline(it: ItemState, from: string): Promise<void> {
    it.escalationLevel = 0;
    it.deadline = undefined;
    try {
      const { deadline, calendarVersion } = await computeDeadline({ from, workingDays: slaWorkingDaysOf(pack, it.definition) });
      it.deadline = deadline;
      record('deadline_set', { item: it.key, detail: { deadline, calendarVersion } });
    } catch (err) {
      if (isCancellation(err)) throw err;
      record('deadline_unavailable', { item: it.key, detail: { error: (err as Error).message } });
      log.warn('no deadline for item', { caseId: input.caseId, item: it.key });
      notifySupervisor(it, pack.escalationLadder[0] ?? 'department_supervisor', 'calendar_missing', { error: ACTIVITY_FAILURES.calendarNotCovered });
    }
  }

  /** Deadline watchers of every item; each ends with its review period. */
  const watchers: Promise<void>[] = [];
  let watcherFailure: unknown;

  /**
   * Escalates one level per working day past the deadline while the period lasts,
   * whoever holds the item: the breach says whether the department's system had not
   * yet acknowledged it (`system`) or its review was late (`review`).
   */
  function watchDeadline(it: ItemState): void {
    const period = it.period ?? 0;
    // A decision ends the period (a request for supplement too: a new one starts with the supplement).
    const over = () => it.period !== period || it.decision !== undefined || TERMINAL.has(it.status);
    const watching = (async () => {
      let due = it.deadline;
      const ladder = pack.escalationLadder;
      while (due !== undefined && it.escalationLevel < ladder.length) {
        const remaining = Date.parse(due) - Date.now();
        if (remaining > 0 && (await condition(over, remaining))) return;
        if (over()) return;
        escalate(it, due, ladder[it.escalationLevel], it.received ? 'review' : 'system');
        try {
          due = (await computeDeadline({ from: due, workingDays: 1 })).deadline;
        } catch (err) {
          if (isCancellation(err)) throw err;
          due = undefined;
          record('deadline_unavailable', { item: it.key, detail: { error: (err as Error).message, escalationLevel: it.escalationLevel } });
          notifySupervisor(it, ladder[it.escalationLevel - 1], 'calendar_missing', { error: ACTIVITY_FAILURES.calendarNotCovered, level: it.escalationLevel });
        }
      }
    })();
    watchers.push(
      watching.catch((err: unknown) => {
        if (!isCancellation(err)) watcherFailure ??= err;
      }),
    );
  }

  /** Starts a review period now: the clock runs from here, before the department's system answers. */
  async function handOff(it: ItemState): Promise<void> {
    it.period = (it.period ?? 0) + 1;
    it.received = false;
    if (decidedByOf(it.definition) === 'automatic') return;
    await setDeadline(it, now());
    watchDeadline(it);
  }

  /**
   * A birth certificate only for a birth the delivering institution recorded: until its
   * record matches (mother, institution, birth time), the item waits for the applicant,
   * who may correct the birth time in the supplement; no department is troubled meanwhile.
   */
  async function awaitDeliveryRecord(it: ItemState): Promise<void> {
    for (;;) {
      const { match } = await checkDeliveryRecord({ institutionCode: application.delivery.institutionCode, motherIdNumber: application.mother.idNumber, bornAt: applicationFor(it).delivery.bornAt });
      record('delivery_checked', { item: it.key, detail: { match } });
      // A supplement being answered is answered now, with the outcome of its check.
      it.supplement = undefined;
      it.corrections = undefined;
      if (match === 'matched') {
        Object.assign(it, { status: 'pending', reason: undefined });
        return;
      }
      Object.assign(it, { status: 'awaiting_supplement', reason: match === 'mismatch' ? DELIVERY_RECORD_REASONS.mismatch : DELIVERY_RECORD_REASONS.notFound });
      notifyApplicant(it, 'supplement_needed', { reason: it.reason as string });
      await condition(() => it.supplement !== undefined);
      // Set by the update handler meanwhile (the compiler cannot see it).
      const { supplement, corrections } = it as ItemState;
      const documents = supplement ?? [];
      // They travel with the item when it reaches the hospital.
      it.documents.push(...documents);
      if (corrections?.bornAt) {
        application = it.child === undefined ? { ...application, delivery: { ...application.delivery, bornAt: corrections.bornAt } } : correctBirth(application, it.child, corrections.bornAt);
        record('application_corrected', { item: it.key, actor: 'applicant', detail: { fields: ['delivery.bornAt'] } });
      }
      record('supplement_received', { item: it.key, actor: 'applicant', detail: { documents: documents.map((d) => d.name) } });
    }
  }

  async function runItemHandedOff(it: ItemState): Promise<void> {
    const prerequisites = prerequisitesOf(it).filter((p) => p.status !== 'not_applied');
    await condition(() => prerequisites.every((p) => TERMINAL.has(p.status)));
    if (!prerequisites.every((p) => p.status === 'completed')) {
      const ineligibleBefore = prerequisites.some((p) => p.status === 'ineligible' || p.reason === 'PREREQUISITE_INELIGIBLE');
      cancelItem(it, ineligibleBefore ? 'PREREQUISITE_INELIGIBLE' : 'PREREQUISITE_REJECTED');
      return;
    }
    if (withdrawal) return;
    if (it.definition.item === 'birth_certificate') await awaitDeliveryRecord(it);
    const mode = decidedByOf(it.definition);
    const proofs = prerequisites.flatMap((p) => (p.licence ? [p.licence] : []));
    it.proofs = proofs;
    if (applicantSteps && mode === 'applicant') {
      await runApplicantStep(it);
      return;
    }
    const sections = [...sectionsOf(it.definition)];
    it.startedAt = now();
    record('item_started', { item: it.key, detail: { department: it.department, proofs: proofs.map((p) => p.number), institution: it.institution, sections, documents: it.documents.map((d) => d.name) } });
    // Its deadline follows (an automatic item has none: its next step is the department's).
    if (mode !== 'automatic') projectWithNextStep();
    notifyApplicant(it, 'item_started');
    await handOff(it);
    const { receiptId } = await submitItem({
      caseId: input.caseId,
      region: pack.region,
      item: it.key,
      department: it.department,
      institution: it.institution,
      proofs,
      sections,
      // As the case knows the application now: with the applicant's corrections.
      data: itemData(it.definition, applicationFor(it)),
      documents: [...it.documents],
    });
    it.received = true;
    record('item_received', { item: it.key, detail: { department: it.department } });

    for (;;) {
      let decision: DecideItemInput;
      let occurred: { event: string; occurredAt: string } | undefined;
      if (mode === 'case_worker') {
        it.status = 'in_review';
        // Only now may another supplement be accepted: the item is back in review.
        it.supplement = undefined;
        await condition(() => it.decision !== undefined);
        decision = it.decision as DecideItemInput;
        // A withdrawal that arrived with the decision wins; the main flow cancels the item.
        if (withdrawal) return;
      } else if (mode === 'department_event' && it.definition.event) {
        it.status = 'in_review';
        // Shown as held by the department's system: in the office's inbox, for no case worker to take.
        it.assignee = systemHolder(it);
        const event = await awaitDepartmentEvent({ caseId: input.caseId, item: it.key, department: it.department, receiptId, event: it.definition.event });
        occurred = { event: event.event, occurredAt: event.at };
        decision = { item: it.key, decision: 'approve', actor: { sub: `system:${it.department}`, role: 'system', department: it.department } };
      } else {
        // The pack lets this item through on the licences it was handed: no case worker, no SLA.
        decision = { item: it.key, decision: 'approve', actor: { sub: 'system', role: 'system' } };
      }
      // Ends the review period, and with it the deadline watcher, whoever decided.
      it.decision = decision;
      it.period = (it.period ?? 0) + 1;
      it.decidedBy = decision.actor.sub;
      it.decidedAt = now();
      record('item_decided', { item: it.key, actor: decision.actor.sub, detail: { decision: decision.decision, ...(decision.comment && { comment: decision.comment }), ...occurred } });
      // An approval's licence follows.
      if (decision.decision === 'approve') projectWithNextStep();
      resolveBreach(it);

      if (decision.decision === 'approve') {
        it.licence = await issueFor(it);
        Object.assign(it, { status: 'completed', decision: undefined });
        record('licence_issued', { item: it.key, detail: { number: it.licence.number, type: it.licence.type } });
        notifyApplicant(it, 'item_approved', { licenceNumber: it.licence.number });
        if (posting) await post(it);
        return;
      }
      if (decision.decision === 'reject') {
        Object.assign(it, { status: 'rejected', reason: decision.comment ?? 'REJECTED', decision: undefined });
        // Codes only: a case worker's comment may carry personal data, and SMS is not encrypted.
        notifyApplicant(it, 'item_rejected', { reason: 'REJECTED' });
        return;
      }
      // Request for supplement (补正): the clock stops until the applicant supplies.
      Object.assign(it, { status: 'awaiting_supplement', deadline: undefined, reason: decision.comment, decision: undefined });
      notifyApplicant(it, 'supplement_needed');
      if (supplementLimits && !(await supplementWithinLimit(it))) {
        Object.assign(it, { status: 'cancelled', reason: 'SUPPLEMENT_EXPIRED', deadline: undefined });
        record('item_cancelled', { item: it.key, detail: { reason: 'SUPPLEMENT_EXPIRED' } });
        notifyApplicant(it, 'item_cancelled', { reason: 'SUPPLEMENT_EXPIRED' });
        return;
      }
      await condition(() => it.supplement !== undefined);
      const documents = it.supplement as Document[];
      it.documents.push(...documents);
      // The materials are complete now: the clock restarts from here, not from the department's answer.
      record('supplement_received', { item: it.key, actor: 'applicant', detail: { documents: documents.map((d) => d.name) } });
      it.reason = undefined;
      await handOff(it);
      await supplyItem({ caseId: input.caseId, item: it.key, department: it.department, receiptId, documents });
      it.received = true;
      record('item_received', { item: it.key, detail: { department: it.department } });
    }
  }

  /**
   * The parents' own step (APPLICANT_STEPS): no department reviews it and no clock runs;
   * the item waits until the payment gateway confirms what they paid (the update checks
   * it), then issues its receipt like any other licence. No case worker can approve it.
   */
  async function runApplicantStep(it: ItemState): Promise<void> {
    const amountFen = it.definition.payment?.amountFen ?? 0;
    it.startedAt = now();
    it.status = 'awaiting_applicant';
    record('item_awaiting_applicant', { item: it.key, detail: { amountFen } });
    notifyApplicant(it, 'payment_needed', { amountFen });
    await condition(() => it.paid !== undefined);
    Object.assign(it, { decidedBy: 'applicant', decidedAt: now() });
    it.licence = await issueFor(it);
    it.status = 'completed';
    record('licence_issued', { item: it.key, detail: { number: it.licence.number, type: it.licence.type } });
    notifyApplicant(it, 'item_approved', { licenceNumber: it.licence.number });
  }

  /**
   * Issues the item's licence to its subject (the mother, or the item's child). Not
   * cancellable, and counted in `issuing`: once decided, the licence is issued even if
   * the parents withdraw meanwhile, and the withdrawal waits for it.
   */
  async function issueFor(it: ItemState) {
    issuing++;
    try {
      return await CancellationScope.nonCancellable(() =>
        issueLicence({
          caseId: input.caseId,
          item: it.key,
          type: it.definition.licenceType,
          issuer: it.department,
          issuerInstitution: it.institution,
          subject: concernsOf(it.definition),
          motherIdNumber: application.mother.idNumber,
          bornAt: applicationFor(it).delivery.bornAt,
          subjectName: concernsOf(it.definition) === 'mother' ? application.mother.name : applicationFor(it).child.name,
          ...(it.child !== undefined && { child: it.child }),
        }),
      );
    } finally {
      issuing--;
    }
  }

  /** Posts the item's paper document when the family chose EMS (SHIPMENTS); the licence exists, so a withdrawal waits for the parcel too. */
  async function post(it: ItemState): Promise<void> {
    const document = postedDocument(it.definition, application);
    const logistics = application.logistics;
    if (!document || !logistics) return;
    issuing++;
    try {
      const { carrier, trackingNumber } = await CancellationScope.nonCancellable(() =>
        createShipment({ caseId: input.caseId, item: it.item, key: it.key, department: it.department, document, logistics }),
      );
      parcels.push({ item: it.key, trackingNumber, status: 'created' });
      record('shipment_created', { item: it.key, detail: { carrier, trackingNumber, document } });
    } finally {
      issuing--;
    }
  }

  /**
   * Waits for the supplement within the pack's limit (SUPPLEMENT_LIMITS), reminding the
   * applicant before it ends; false when it passed unanswered. A second request for the
   * same item is flagged to the department's supervisor (the one-time notice duty, seed
   * 001: everything missing should have been asked for at once).
   */
  async function supplementWithinLimit(it: ItemState): Promise<boolean> {
    it.supplementRequests = (it.supplementRequests ?? 0) + 1;
    if (it.supplementRequests > 1) notifySupervisor(it, pack.escalationLadder[0], 'supplement_repeated', { requests: it.supplementRequests });
    const limit = supplementLimitOf(pack);
    if (!limit) return true;
    const asked = now();
    let due: string;
    let remindAt: string;
    try {
      due = (await computeDeadline({ from: asked, workingDays: limit.workingDays })).deadline;
      remindAt = limit.remindAfter > 0 ? (await computeDeadline({ from: asked, workingDays: limit.remindAfter })).deadline : asked;
    } catch (err) {
      if (isCancellation(err)) throw err;
      // No calendar for the limit's year: the applicant keeps the unlimited time of old.
      record('deadline_unavailable', { item: it.key, detail: { error: (err as Error).message } });
      return true;
    }
    it.deadline = due;
    record('supplement_limit_set', { item: it.key, detail: { deadline: due, requests: it.supplementRequests } });
    if (await condition(() => it.supplement !== undefined, msUntil(remindAt, Date.now()))) return true;
    notifyApplicant(it, 'supplement_reminder', { deadline: due });
    record('supplement_reminded', { item: it.key, detail: { deadline: due } });
    return condition(() => it.supplement !== undefined, msUntil(due, Date.now()));
  }

  /** Marks the items the verification found ineligible, and cancels those that need them; the parents hear of each. */
  function applyVerdict(verdict: ItemsEligibility, tell: boolean): void {
    for (const v of verdict.items) for (const it of [...items.values()].filter((x) => x.item === v.item)) {
      if (v.eligible || it.status !== 'pending') continue;
      const own = v.reasons.filter((r) => r.code !== 'PREREQUISITE_INELIGIBLE');
      if (own.length > 0) {
        Object.assign(it, { status: 'ineligible', reasons: v.reasons });
        record('item_ineligible', { item: it.key, detail: { reasons: v.reasons.map((r) => r.code) } });
        if (tell) notifyApplicant(it, 'item_ineligible', { reasons: v.reasons.map((r) => r.code).join(',') });
      } else {
        Object.assign(it, { status: 'cancelled', reason: 'PREREQUISITE_INELIGIBLE' });
        record('item_cancelled', { item: it.key, detail: { reason: 'PREREQUISITE_INELIGIBLE' } });
        if (tell) notifyApplicant(it, 'item_cancelled', { reason: 'PREREQUISITE_INELIGIBLE' });
      }
    }
  }

  function escalate(it: ItemState, due: string, notify: string, cause?: BreachCause): void {
    it.escalationLevel++;
    const open = openBreach(it);
    if (it.escalationLevel === 1 || !open) {
      breaches.push({ item: it.key, seq: breaches.filter((b) => b.item === it.key).length + 1, department: it.department, deadline: due, breachedAt: now(), escalationLevel: it.escalationLevel, ...(cause && { cause }) });
      record('sla_breached', { item: it.key, detail: { deadline: due, department: it.department, ...(cause && { cause }) } });
    } else {
      open.escalationLevel = it.escalationLevel;
    }
    record('escalated', { item: it.key, detail: { level: it.escalationLevel, notify } });
    updateOverdue();
    notifySupervisor(it, notify, 'sla_escalated', { level: it.escalationLevel, deadline: due });
  }

  function openBreach(it: ItemState): Breach | undefined {
    return breaches.find((b) => b.item === it.key && b.resolvedAt === undefined);
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
    if (perItem) notifyCase('case_closed', { status: final, ...(reasons && { reasons: reasons.map((r) => r.code).join(',') }) });
  }

  /** The facts of verifyItemEligibility, each looked up on its own (ELIGIBILITY_LOOKUPS_PATCH). */
  async function verifyLookupByLookup(): Promise<ItemsEligibility> {
    const birthCertificate = pack.items.find((i) => i.item === 'birth_certificate');
    const { mother, father } = application;
    const [issued, marriage, motherHukou, fatherHukou] = await Promise.all([
      birthCertificate ? lookUpBirthCertificate({ motherIdNumber: mother.idNumber, bornAt: application.delivery.bornAt, licenceType: birthCertificate.licenceType }) : { issued: false },
      // Without a father there is no couple to look up: the form then claims no marriage.
      father ? lookUpMarriage({ mother: mother.idNumber, father: father.idNumber }) : { status: undefined },
      lookUpHukou({ idNumber: mother.idNumber }),
      father ? lookUpHukou({ idNumber: father.idNumber }) : undefined,
    ]);
    const facts: VerifiedFacts = { birthCertificateAlreadyIssued: issued.issued };
    if (marriage.status) facts.marriageStatus = marriage.status;
    if (motherHukou.found) facts.motherHukou = motherHukou.hukou ?? null;
    if (fatherHukou?.found) facts.fatherHukou = fatherHukou.hukou ?? null;
    return assessItemEligibility({ application, pack, items: input.items, submittedAt: input.submittedAt, facts });
  }

  // --- the case -------------------------------------------------------------------
  record('case_submitted', { actor: 'applicant', detail: { region: pack.region, policyVersion: pack.version, items: input.items, ...(recordsCaseEvents && { applicant: input.applicantMasked }) } });
  const projecting = projector();

  let eligible: boolean;
  if (perItem) {
    const verdict = runsChange(ELIGIBILITY_LOOKUPS_PATCH) ? await verifyLookupByLookup() : await verifyItemEligibility({ application, pack, items: input.items, submittedAt: input.submittedAt });
    record('eligibility_checked', {
      detail: { eligible: verdict.eligible, reasons: verdict.reasons.map((r) => r.code), items: verdict.items.map((v) => ({ item: v.item, eligible: v.eligible, reasons: v.reasons.map((r) => r.code) })) },
    });
    // A case that ends here is told once, as a whole; one that goes on, item by item.
    applyVerdict(verdict, verdict.eligible);
    eligible = verdict.eligible;
    if (!eligible) reasons = verdict.reasons;
  } else {
    const eligibility = await verifyEligibility({ application, pack, submittedAt: input.submittedAt });
    record('eligibility_checked', { detail: { eligible: eligibility.eligible, reasons: eligibility.reasons.map((r) => r.code) } });
    eligible = eligibility.eligible;
    if (!eligible) {
      reasons = eligibility.reasons;
      for (const it of items.values()) if (it.status === 'pending') Object.assign(it, { status: 'cancelled', reason: 'INELIGIBLE' });
    }
  }
  if (!eligible) {
    close('ineligible');
  } else {
    const scope = new CancellationScope();
    const working = scope.run(() =>
      Promise.all(
        [...items.values()]
          .filter((it) => it.status === 'pending')
          .map((it) =>
            (perItem ? runItemHandedOff(it) : runItem(it)).catch((err) => {
              if (isCancellation(err)) return;
              const attention = attentionOf(err);
              if (attention && runsChange(NEEDS_ATTENTION_PATCH)) {
                Object.assign(it, { status: 'needs_attention', reason: attention, deadline: undefined, decision: undefined, supplement: undefined });
                resolveBreach(it);
                record('item_refused', { item: it.item, detail: { reason: attention } });
                log.warn('item needs attention', { caseId: input.caseId, item: it.item, reason: attention });
                return;
              }
              const refusal = refusalOf(err);
              if (!refusal) throw err;
              Object.assign(it, { status: 'rejected', reason: refusal, deadline: undefined, decision: undefined, supplement: undefined });
              resolveBreach(it);
              record('item_refused', { item: it.key, detail: { reason: refusal } });
              if (perItem) notifyApplicant(it, 'item_refused', { reason: refusal });
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

  // The case is closed; its parcels are still on their way (SHIPMENTS). A returned one is told to the parents and the supervisor.
  if (parcels.length > 0) await condition(() => parcels.every((p) => p.status === 'delivered' || p.status === 'returned'), SHIPMENT_WATCH);

  await Promise.all(watchers);
  if (watcherFailure) throw watcherFailure;
  await projecting;
  await Promise.all(sending);
  await condition(allHandlersFinished);
  return view();
}
