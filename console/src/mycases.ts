import { session } from './session';

// The cases this applicant submitted from this browser. Keyed by a digest of the
// token's subject so that an ID number is never written to storage.

function keyFor(sub: string): string {
  let h = 0x811c9dc5;
  for (const ch of sub) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193) >>> 0;
  return `newborn-one-thing.cases.${h.toString(16)}`;
}

export function rememberedCases(): string[] {
  if (!session.claims) return [];
  try {
    const list = JSON.parse(localStorage.getItem(keyFor(session.claims.sub)) ?? '[]') as unknown;
    return Array.isArray(list) ? list.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return [];
  }
}

export function rememberCase(caseId: string): void {
  if (!session.claims) return;
  const list = [caseId, ...rememberedCases().filter((c) => c !== caseId)].slice(0, 20);
  localStorage.setItem(keyFor(session.claims.sub), JSON.stringify(list));
}
