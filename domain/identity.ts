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

/** The case of one child: the mother and the minute of birth. The engine refuses a second workflow with it. */
export function caseIdFor(key: string, motherIdNumber: string, bornAt: string): string {
  return `case-${hmac(key, 'case', motherIdNumber.toUpperCase(), normaliseBirthTime(bornAt)).slice(0, 24)}`;
}

export function personKey(key: string, idNumber: string): string {
  return hmac(key, 'person', idNumber.toUpperCase());
}

/** A child has no ID number yet: the subject of its licences is its case. */
export function childKey(key: string, motherIdNumber: string, bornAt: string): string {
  return hmac(key, 'child', motherIdNumber.toUpperCase(), normaliseBirthTime(bornAt));
}

/** The mother's licences of one birth (生育医学证明, 生育保险待遇 …): one per birth, not one per life. */
export function maternityKey(key: string, motherIdNumber: string, bornAt: string): string {
  return hmac(key, 'maternity', motherIdNumber.toUpperCase(), normaliseBirthTime(bornAt));
}
