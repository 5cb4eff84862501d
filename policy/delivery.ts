// The birth as the delivering institution recorded it (分娩记录): a birth certificate is
// issued only for a birth the hospital's own system knows. Pure: the activity fetches
// the records, this decides whether one of them is the birth the applicant describes.

/** A clock read in a delivery room and the one the parents remember may differ by this much. */
export const BIRTH_TIME_TOLERANCE_MINUTES = 30;

/** Why an item waits for the applicant before it reaches its department. */
export const DELIVERY_RECORD_REASONS = {
  /** The hospital recorded a delivery of this mother, at another time: a typo, most often. */
  mismatch: 'DELIVERY_RECORD_MISMATCH',
  /** The hospital holds no delivery of this mother at all. */
  notFound: 'DELIVERY_RECORD_NOT_FOUND',
} as const;

export interface DeliveryRecord {
  /** When the child was born, as the delivery room recorded it. */
  bornAt: string;
}

export type DeliveryMatch = 'matched' | 'mismatch' | 'not_found';

/** Whether one of the institution's records of this mother is the birth claimed, within the tolerance. */
export function matchDelivery(records: readonly DeliveryRecord[], claimedBornAt: string, toleranceMinutes = BIRTH_TIME_TOLERANCE_MINUTES): DeliveryMatch {
  if (records.length === 0) return 'not_found';
  const claimed = Date.parse(claimedBornAt);
  const close = records.some((r) => Math.abs(Date.parse(r.bornAt) - claimed) <= toleranceMinutes * 60_000);
  return close ? 'matched' : 'mismatch';
}
