// Resident identity numbers (公民身份号码), GB 11643-1999: 6-digit division code,
// 8-digit birth date, 3-digit sequence, 1 check character (ISO 7064 MOD 11-2).
// Pure: the workflow bundle may import it.

const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK_CHARS = '10X98765432';
const SHAPE = /^[1-9]\d{16}[\dX]$/;

/** Check character for the first 17 digits; throws on anything that is not 17 digits. */
export function idNumberCheckChar(first17: string): string {
  if (!/^\d{17}$/.test(first17)) throw new RangeError('idNumberCheckChar needs exactly 17 digits');
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(first17[i]) * WEIGHTS[i];
  return CHECK_CHARS[sum % 11];
}

/** Whether YYYYMMDD names a real calendar day (no 0229 in common years); 1800 onwards, as the standard's own example is from 1880. */
export function isRealDate(yyyymmdd: string): boolean {
  if (!/^\d{8}$/.test(yyyymmdd)) return false;
  const y = Number(yyyymmdd.slice(0, 4));
  const m = Number(yyyymmdd.slice(4, 6));
  const d = Number(yyyymmdd.slice(6, 8));
  if (y < 1800 || m < 1 || m > 12 || d < 1) return false;
  // Day 0 of the next month is the last day of this one; UTC avoids any local-time shift.
  return d <= new Date(Date.UTC(y, m, 0)).getUTCDate();
}

/**
 * Whether `s` is an 18-character resident ID number with a correct check character and
 * a real birth date. The check character must be an upper-case 'X' as the standard
 * writes it; callers that accept user input upper-case it first.
 */
export function isValidIdNumber(s: unknown): boolean {
  return (
    typeof s === 'string' &&
    SHAPE.test(s) &&
    isRealDate(s.slice(6, 14)) &&
    idNumberCheckChar(s.slice(0, 17)) === s[17]
  );
}

/** For logs and views: never the full number. Short input is masked entirely rather than leaked. */
export function maskIdNumber(s: string): string {
  if (s.length < 10) return '*'.repeat(s.length);
  return `${s.slice(0, 6)}********${s.slice(-4)}`;
}

/** Builds a valid ID number, for tests and demo data. Throws when a part is malformed. */
export function makeIdNumber(division6: string, birthYYYYMMDD: string, seq3: string | number): string {
  const seq = typeof seq3 === 'number' ? String(seq3).padStart(3, '0') : seq3;
  if (!/^[1-9]\d{5}$/.test(division6)) throw new RangeError('division code must be 6 digits, not starting with 0');
  if (!isRealDate(birthYYYYMMDD)) throw new RangeError('birth date must be a real YYYYMMDD date from 1800');
  if (!/^\d{3}$/.test(seq)) throw new RangeError('sequence must be 3 digits');
  const first17 = division6 + birthYYYYMMDD + seq;
  return first17 + idNumberCheckChar(first17);
}
