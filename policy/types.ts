// Vocabulary shared by the workflow, the API and the activities. Pure types and
// constants only: the workflow bundle imports this file.

export const DEPARTMENTS = ['hospital', 'police', 'hrss', 'medical_insurance', 'health'] as const;
export type Department = (typeof DEPARTMENTS)[number];

export const ITEM_CODES = [
  'birth_certificate',
  'vaccination_certificate',
  'hukou_registration',
  'medical_insurance_enrollment',
  'social_security_card',
  'maternity_expense_reimbursement',
  'parenting_guidance_registration',
  'outpatient_record_booklet',
  'medical_insurance_payment',
  'maternity_medical_certificate',
  'family_planning_review',
  'maternity_insurance_benefit',
] as const;
export type ItemCode = (typeof ITEM_CODES)[number];

/**
 * A region code such as 'lanzhou': whatever the loaded policy packs name (policy/packs/,
 * plus versions published to the database), so adding a region is adding a pack.
 */
export type Region = string;

export const CASE_STATUSES = ['in_progress', 'completed', 'partially_completed', 'ineligible', 'withdrawn'] as const;
export type CaseStatus = (typeof CASE_STATUSES)[number];

export const ITEM_STATUSES = [
  'pending',
  'in_review',
  'awaiting_supplement',
  'completed',
  'rejected',
  'cancelled',
  'not_applied',
  /** A condition of the item is not met (packs whose items say their conditions); `reasons` says which. */
  'ineligible',
  /** The applicant must act (e.g. pay the child's medical insurance). */
  'awaiting_applicant',
  /** A store refused the item's data itself (not an outage): a supervisor must look; `reason` holds the code. */
  'needs_attention',
] as const;
export type ItemStatus = (typeof ITEM_STATUSES)[number];

/**
 * Who was late when an item's deadline passed: the department's `system` (the item was
 * handed off but not yet acknowledged) or the department's `review` (it had the item).
 */
export const BREACH_CAUSES = ['system', 'review'] as const;
export type BreachCause = (typeof BREACH_CAUSES)[number];

export const ELIGIBILITY_CODES = [
  'CHILD_OVER_AGE_LIMIT',
  'NOT_BORN_IN_REGION',
  'PARENTS_NOT_MARRIED',
  'HUKOU_NOT_LOCAL',
  'NO_ELIGIBLE_REGISTRATION_PARENT',
  'BIRTH_CERTIFICATE_ALREADY_ISSUED',
  /** Per-item packs: born at home or on the way, where the item needs a birth at a delivering institution. */
  'NOT_BORN_AT_INSTITUTION',
  /** Per-item packs: an item this one needs is not eligible itself. */
  'PREREQUISITE_INELIGIBLE',
] as const;
export type EligibilityCode = (typeof ELIGIBILITY_CODES)[number];

export interface Reason {
  code: string;
  message: string;
}

/** A document the applicant would otherwise bring; `replacedByLicence` names the e-licence type that makes it unnecessary. */
export interface Material {
  name: string;
  replacedByLicence?: string;
  /** Said to this family only: why the e-licence does not replace the document for them. */
  note?: string;
}

/**
 * The parts of the application (DESIGN §6) a department may be given. Each pack item
 * names the ones its department needs (`sections`); nothing else leaves the case.
 */
export const APPLICATION_SECTIONS = [
  'delivery',
  'child',
  'mother',
  'father',
  'marriage',
  'applicant',
  'birthRegistration',
  'socialSecurityCard',
  'maternityBenefit',
  'logistics',
] as const;
export type ApplicationSection = (typeof APPLICATION_SECTIONS)[number];

/** Whose licence an item issues: the child's, or the mother's (one per delivery, not per child). */
export type ItemConcerns = 'mother' | 'child';
/**
 * Who decides an item: a case worker of its department, the workflow on the licences it
 * was handed (`automatic`), or the department's own system reporting that the thing was
 * done (`department_event`: Lanzhou's vaccination certificate is handed over at the first dose),
 * or the parents themselves (`applicant`: Shanghai's medical insurance is paid by them,
 * seed 003; the item waits in `awaiting_applicant` until the payment gateway confirms it).
 */
export const DECIDED_BY = ['case_worker', 'automatic', 'department_event', 'applicant'] as const;
export type DecidedBy = (typeof DECIDED_BY)[number];

/** What a department system reports that decides an item of `decidedBy: "department_event"`. */
export const DEPARTMENT_EVENTS = ['first_dose'] as const;
export type DepartmentEvent = (typeof DEPARTMENT_EVENTS)[number];

/**
 * A condition an item sets (packs whose items say their `conditions`). Where a
 * parameter is left out, the pack's own applies (`divisionPrefix`, `ageLimitMonths`,
 * `hukouRule`). Each unmet condition is one reason of the one-time notice.
 */
export type ItemCondition =
  /** NOT_BORN_IN_REGION: `delivery.divisionCode` starts with the prefix; `areaName` names it in the notice. */
  | { rule: 'born_in_region'; divisionPrefix?: string; areaName?: string }
  /**
   * NOT_BORN_AT_INSTITUTION: born at a delivering institution (`delivery.place`); with
   * `takenToInstitution`, a birth at home or on the way counts when the child was then
   * taken to one (`delivery.institutionCode` names it).
   */
  | { rule: 'born_at_institution'; takenToInstitution?: boolean }
  /** CHILD_OVER_AGE_LIMIT: younger than `months` at submission. */
  | { rule: 'child_under_age'; months?: number }
  /** PARENTS_NOT_MARRIED: the couple is married (the registry's answer wins over the claim). */
  | { rule: 'parents_married' }
  /** HUKOU_NOT_LOCAL: the pack's (or the given) hukou rule. */
  | { rule: 'local_hukou'; hukouRule?: HukouRule; divisionPrefix?: string }
  /** NO_ELIGIBLE_REGISTRATION_PARENT: the parent the child follows may register it (students, servicemen). */
  | { rule: 'registration_parent'; divisionPrefix?: string }
  /** BIRTH_CERTIFICATE_ALREADY_ISSUED: no valid birth medical certificate yet (first issuance). */
  | { rule: 'first_issuance' };
export type ConditionRule = ItemCondition['rule'];

/**
 * An item of a pack. Packs published before packs became data files (still in the input
 * of running cases) lack `concerns`, `decidedBy` and `sla` and carry `reviewRequired`
 * instead: read these through `concernsOf`, `decidedByOf` and `slaWorkingDaysOf` in
 * policy/packs.ts, which answer for such packs as the workflow always did.
 */
export interface ItemDefinition {
  item: ItemCode;
  department: Department;
  /** Items that must be completed before this one reaches its department. */
  prerequisites: ItemCode[];
  /** Type of the electronic licence (电子证照) issued when the item completes. */
  licenceType: string;
  /** Human-readable name in Chinese. */
  title: string;
  concerns?: ItemConcerns;
  decidedBy?: DecidedBy;
  /** Time the department has to decide; the pack's `slaWorkingDays` when absent. */
  sla?: { workingDays: number };
  /**
   * What must hold for the item, checked item by item; a pack either says them for every
   * item (`[]` for none of its own) or for none, and then the whole-case rules apply.
   */
  conditions?: ItemCondition[];
  /** For `decidedBy: "department_event"`: the event of the department's system that completes the item. */
  event?: DepartmentEvent;
  /** Old shape only: true where `decidedBy` is 'case_worker'. */
  reviewRequired?: boolean;
  /** The application sections its department receives; read through `sectionsOf` (absent in packs before 2026.1). */
  sections?: ApplicationSection[];
  materials: Material[];
  /** For `decidedBy: "applicant"`: what the parents pay through the payment gateway, in fen. */
  payment?: { amountFen: number };
  /** The paper document the item produces, shipped by post when the family chose EMS (`logistics.method`). */
  physicalDocument?: string;
  /** The one trip left (最多跑一次): what the parents bring to the item's institution once it completes. */
  visit?: { purpose: string };
}

export const HUKOU_RULES = [
  'none', // national: any hukou
  'one_parent_local', // Lanzhou: at least one parent with local hukou
  'both_parents_local_family', // Shanghai: both parents local, family household
] as const;
export type HukouRule = (typeof HUKOU_RULES)[number];

export interface PolicyPack {
  region: Region;
  /** The region's name in Chinese, for notices (absent in packs of the old shape). */
  regionName?: string;
  /** Immutable once published; a case keeps the version it started with. */
  version: string;
  /**
   * sha256 of the canonical serialisation of the pack (policy/pack-schema.ts): what
   * the case pinned, beyond the version's name. Absent in cases started before it existed.
   */
  hash?: string;
  title: string;
  /** Division-code prefix of the region ('' = anywhere). */
  divisionPrefix: string;
  /** Child must be younger than this many months at submission (whole-case rule; the default of `child_under_age`). */
  ageLimitMonths: number;
  hukouRule: HukouRule;
  /** Working days a department has to decide, unless the item says otherwise. */
  slaWorkingDays: number;
  /** Who is alerted at escalation level 1, 2, ...; escalation stops at the last rung (no rung is alerted twice). */
  escalationLadder: string[];
  /** Working days the applicant has to answer a request for supplement; absent: no limit. */
  supplementWorkingDays?: number;
  /** Working days before that limit when the applicant is reminded (absent: one). */
  supplementReminderWorkingDays?: number;
  items: ItemDefinition[];
}

/** An item as packs are published today: who it concerns and who decides it are always said. */
export interface PublishedItem extends Omit<ItemDefinition, 'reviewRequired'> {
  concerns: ItemConcerns;
  decidedBy: DecidedBy;
}

/** A pack as the registry serves it to new cases: today's shape, with its content hash. */
export interface PublishedPack extends PolicyPack {
  regionName: string;
  hash: string;
  items: PublishedItem[];
}

export interface HukouInfo {
  divisionCode: string;
  householdType: 'family' | 'collective';
}

export interface Parent {
  name: string;
  idNumber: string;
  phone?: string;
  occupation?: 'serviceman' | 'student' | 'other';
  hukou: HukouInfo | null;
}

export interface Application {
  region: Region;
  items?: ItemCode[];
  delivery: {
    institutionCode: string;
    divisionCode: string;
    place: 'institution' | 'home' | 'en_route';
    bornAt: string;
    childSex: 'male' | 'female';
    weightGrams: number;
    gestationWeeks: number;
  };
  child: { name: string };
  /**
   * Every child of the delivery, in the order the applicant gave them (DESIGN §7 "Births
   * and attempts"). The API fills `child` and `delivery.bornAt/childSex/weightGrams`
   * from the earliest birth, so rules about "the birth" read the delivery as before.
   */
  children?: ChildBirth[];
  mother: Parent;
  father?: Parent | null;
  marriage: { status: 'married' | 'unmarried' | 'divorced' | 'widowed'; certificateNumber?: string };
  applicant: { relation: 'mother' | 'father' | 'guardian'; idNumber: string; phone: string };
  birthRegistration: { followParent: 'mother' | 'father' };
  socialSecurityCard?: { bankCode: string; deliverByPost: boolean };
  maternityBenefit?: { bankName: string; bankAccount: string };
  logistics?: { method: 'ems' | 'pickup'; recipient?: string; phone?: string; address?: string };
  /** Materials no e-licence replaces (e.g. hospital bills), attached at submission; each travels with its item. */
  documents?: AttachedDocument[];
}

export interface ChildBirth {
  name: string;
  sex: 'male' | 'female';
  bornAt: string;
  weightGrams: number;
}

export interface AttachedDocument {
  item: ItemCode;
  name: string;
  /** Where the file is kept (an upload reference), never the file itself. */
  reference: string;
}

/** Facts verified with department systems, as opposed to what the applicant claimed. */
export interface VerifiedFacts {
  birthCertificateAlreadyIssued: boolean;
  /**
   * Present when the civil-affairs registry knew the couple; overrides the claimed marriage
   * status. The registry answers about the two parents together: two people each
   * married to someone else are `unmarried` as a couple.
   */
  marriageStatus?: Application['marriage']['status'];
  /** Present when the police look-up answered; overrides the claimed hukou. */
  motherHukou?: HukouInfo | null;
  fatherHukou?: HukouInfo | null;
}

export interface EligibilityResult {
  eligible: boolean;
  reasons: Reason[];
}

/** One requested item in the one-time notice and in the workflow's re-check. */
export interface ItemEligibility {
  item: ItemCode;
  eligible: boolean;
  reasons: Reason[];
  /** What this family brings or has replaced by an e-licence, for this item. */
  materials: Material[];
}

/** `eligible` when at least one requested item is; `reasons` the union of the items' reasons, by code. */
export interface ItemsEligibility extends EligibilityResult {
  items: ItemEligibility[];
}
