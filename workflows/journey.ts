// The family's journey (issue 10), as the case workflow decides it: pure rules, no
// I/O. Each behaviour is decided once per case by its patch, so cases started before
// it replay as they ran.
import type { Application, ItemDefinition, PolicyPack } from '../policy/types';

/** Items the parents do themselves (`decidedBy: "applicant"`): they wait in `awaiting_applicant` until the gateway confirms the payment. */
export const APPLICANT_STEPS_PATCH = 'APPLICANT_STEPS';
/** Paper documents posted to the family when they chose EMS, followed until delivered or returned. */
export const SHIPMENTS_PATCH = 'SHIPMENTS';
/** A request for supplement has a time limit and a reminder; a second one is flagged to the supervisor. */
export const SUPPLEMENT_LIMITS_PATCH = 'SUPPLEMENT_LIMITS';

/** How long a closed case keeps listening for its parcels: a parcel the carrier never reports on does not keep it open for ever. */
export const SHIPMENT_WATCH = '60 days';

/**
 * The paper document the item's completion sends by post, if any: only when the family
 * chose EMS, and the social security card only when they did not ask to collect it.
 */
export function postedDocument(def: ItemDefinition, application: Application): string | undefined {
  if (!def.physicalDocument || application.logistics?.method !== 'ems') return undefined;
  if (def.item === 'social_security_card' && application.socialSecurityCard?.deliverByPost === false) return undefined;
  return def.physicalDocument;
}

/** Working days the applicant has to supply, and when before the end they are reminded; undefined: no limit. */
export function supplementLimitOf(pack: PolicyPack): { workingDays: number; remindAfter: number } | undefined {
  if (!pack.supplementWorkingDays) return undefined;
  const before = pack.supplementReminderWorkingDays ?? 1;
  return { workingDays: pack.supplementWorkingDays, remindAfter: Math.max(0, pack.supplementWorkingDays - before) };
}

/** Milliseconds from workflow time `nowMs` until `at`, at least one (a timer of zero is refused). */
export function msUntil(at: string, nowMs: number): number {
  return Math.max(1, Date.parse(at) - nowMs);
}
