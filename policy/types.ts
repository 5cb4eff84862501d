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

export const REGIONS = ['national', 'lanzhou', 'shanghai'] as const;
export type Region = (typeof REGIONS)[number];

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
] as const;
export type ItemStatus = (typeof ITEM_STATUSES)[number];

export const ELIGIBILITY_CODES = [
  'CHILD_OVER_AGE_LIMIT',
  'NOT_BORN_IN_REGION',
  'PARENTS_NOT_MARRIED',
  'HUKOU_NOT_LOCAL',
  'NO_ELIGIBLE_REGISTRATION_PARENT',
  'BIRTH_CERTIFICATE_ALREADY_ISSUED',
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
}

export interface ItemDefinition {
  item: ItemCode;
  department: Department;
  /** Items that must be completed before this one reaches its department. */
  prerequisites: ItemCode[];
  /** Type of the electronic licence (电子证照) issued when the item completes. */
  licenceType: string;
  /** Human-readable name in Chinese. */
  title: string;
  /** Whether a case worker must decide; all items by default. */
  reviewRequired: boolean;
  materials: Material[];
}

export type HukouRule =
  | 'none' // national: any hukou
  | 'one_parent_local' // Lanzhou: at least one parent with local hukou
  | 'both_parents_local_family'; // Shanghai: both parents local, family household

export interface PolicyPack {
  region: Region;
  /** Immutable once published; a case keeps the version it started with. */
  version: string;
  title: string;
  /** Division-code prefix of the region ('' = anywhere). */
  divisionPrefix: string;
  /** Child must be younger than this many months at submission. */
  ageLimitMonths: number;
  hukouRule: HukouRule;
  /** Working days a department has to decide. */
  slaWorkingDays: number;
  /** Who is alerted at escalation level 1, 2, ...; the last one repeats. */
  escalationLadder: string[];
  items: ItemDefinition[];
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
  mother: Parent;
  father?: Parent | null;
  marriage: { status: 'married' | 'unmarried' | 'divorced' | 'widowed'; certificateNumber?: string };
  applicant: { relation: 'mother' | 'father' | 'guardian'; idNumber: string; phone: string };
  birthRegistration: { followParent: 'mother' | 'father' };
  socialSecurityCard?: { bankCode: string; deliverByPost: boolean };
  maternityBenefit?: { bankName: string; bankAccount: string };
  logistics?: { method: 'ems' | 'pickup'; recipient?: string; phone?: string; address?: string };
}

/** Facts verified with department systems, as opposed to what the applicant claimed. */
export interface VerifiedFacts {
  birthCertificateAlreadyIssued: boolean;
  /** Present when the civil-affairs look-up answered; overrides the claimed marriage status. */
  marriageStatus?: Application['marriage']['status'];
  /** Present when the police look-up answered; overrides the claimed hukou. */
  motherHukou?: HukouInfo | null;
  fatherHukou?: HukouInfo | null;
}

export interface EligibilityResult {
  eligible: boolean;
  reasons: Reason[];
}
