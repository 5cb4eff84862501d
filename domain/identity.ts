import { createHmac } from 'node:crypto';

// Personal identifiers never leave the application payload in clear: workflow IDs,
// read-model keys and licence subjects are keyed HMACs of them.

export function hmac(key: string, ...parts: string[]): string {
  return createHmac('sha256', key).update(parts.join('|')).digest('hex');
}

/** Birth times are compared to the minute, whatever offset the form used. */
export function normaliseBirthTime(bornAt: string): string {
  return new Date(bornAt).toISOString().slice(0, 16);
}

/** What `caseIdFor` produces, for checking IDs that come from outside. */
export const CASE_ID_PATTERN = /^case-[0-9a-f]{24}$/;

/**
 * The case of one attempt at one delivery: the mother, the minute of the delivery's
 * earliest birth, and the attempt (1 for the first, whose ID is what it always was).
 * The engine refuses a second workflow with it, so two parallel submissions of the same
 * attempt cannot both start.
 */
export function caseIdFor(key: string, motherIdNumber: string, bornAt: string, attempt = 1): string {
  const parts = [motherIdNumber.toUpperCase(), normaliseBirthTime(bornAt), ...(attempt > 1 ? [`attempt:${attempt}`] : [])];
  return `case-${hmac(key, 'case', ...parts).slice(0, 24)}`;
}

/** The mother of a delivery, for finding the cases of her deliveries without storing her ID number. */
export function motherKey(key: string, motherIdNumber: string): string {
  return hmac(key, 'mother', motherIdNumber.toUpperCase());
}

export function personKey(key: string, idNumber: string): string {
  return hmac(key, 'person', idNumber.toUpperCase());
}

/**
 * A child has no ID number yet: the subject of its licences is its mother and birth.
 * Twins may be born in the same minute: the second and later children of a delivery
 * are told apart by their place in it (the first keeps the key it always had).
 */
export function childKey(key: string, motherIdNumber: string, bornAt: string, child = 1): string {
  return hmac(key, 'child', motherIdNumber.toUpperCase(), normaliseBirthTime(bornAt), ...(child > 1 ? [`child:${child}`] : []));
}

/** The mother's licences of one birth (生育医学证明, 生育保险待遇 …): one per birth, not one per life. */
export function maternityKey(key: string, motherIdNumber: string, bornAt: string): string {
  return hmac(key, 'maternity', motherIdNumber.toUpperCase(), normaliseBirthTime(bornAt));
}
