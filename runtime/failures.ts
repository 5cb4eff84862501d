// The names of the failures that cross a process boundary: raised by an activity or an
// update validator, read by the workflow's retry policies and by the API's error
// mapping. Pure constants: the workflow bundle imports this file.

/** Non-retryable activity failures: a definite "no", never an outage. */
export const ACTIVITY_FAILURES = {
  /** A department answered 4xx: it will not take the item. */
  departmentRefused: 'DepartmentRefused',
  /** The licence store already holds a valid licence of this type for the subject. */
  licenceAlreadyIssued: 'LicenceAlreadyIssued',
  /** The working-day calendar does not cover the year a deadline falls in. */
  calendarNotCovered: 'CalendarNotCovered',
  /** The SMS gateway refused a message. */
  smsRefused: 'SmsRefused',
} as const;

/** Refusals of the case's update validators; the API maps each to an HTTP status. */
export const UPDATE_REFUSALS = {
  /** An item the case does not have: for the caller, an item not in review (409). */
  unknownItem: 'UnknownItem',
  notInReview: 'ItemNotInReview',
  wrongDepartment: 'WrongDepartment',
  /** The item is routed to another institution (or outside a supervisor's division): not disclosed, 404. */
  wrongInstitution: 'WrongInstitution',
  /** Another case worker holds the item; the failure's first detail names them. */
  claimed: 'ItemClaimed',
  nothingAwaitingSupplement: 'NothingAwaitingSupplement',
  caseClosed: 'CaseClosed',
  invalidDecision: 'InvalidDecision',
  /** The item does not wait for the applicant (APPLICANT_STEPS): nothing to pay, or already paid (409). */
  notAwaitingApplicant: 'NotAwaitingApplicant',
  /** The payment gateway does not confirm the payment the applicant named (422): the item stays awaiting. */
  paymentNotVerified: 'PaymentNotVerified',
  /** Malformed input; the API's own schemas refuse it first, so only other clients of the engine meet it. */
  invalidInput: 'InvalidUpdateInput',
} as const;

/** Failures of a case workflow itself: its pinned pack contradicts itself. */
export const CASE_FAILURES = {
  invalidPack: 'InvalidPack',
} as const;
