import { reactive } from 'vue';

// The token lives in sessionStorage: it goes with the tab, never into a cookie the
// browser would send on its own, and signing out (or closing the tab) forgets it.

const KEY = 'newborn-one-thing.token';

export interface Claims {
  sub: string;
  role: 'applicant' | 'case_worker' | 'supervisor' | 'auditor' | 'admin';
  department?: string;
  institution?: string;
  division?: string;
  exp?: number;
}

export const session = reactive<{ token: string | null; claims: Claims | null }>({ token: null, claims: null });

/** The payload of a JWT, unverified: the API verifies it; the console only reads who it is for. */
export function decodeClaims(token: string): Claims | null {
  const part = token.split('.')[1];
  if (!part) return null;
  try {
    const base64 = part.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(part.length / 4) * 4, '=');
    const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
    const claims = JSON.parse(new TextDecoder().decode(bytes)) as Claims;
    return typeof claims.sub === 'string' && typeof claims.role === 'string' ? claims : null;
  } catch {
    return null;
  }
}

function expired(claims: Claims): boolean {
  return typeof claims.exp === 'number' && claims.exp * 1000 <= Date.now();
}

export function signIn(token: string): Claims | null {
  const claims = decodeClaims(token.trim());
  if (!claims || expired(claims)) return null;
  sessionStorage.setItem(KEY, token.trim());
  session.token = token.trim();
  session.claims = claims;
  return claims;
}

export function signOut(): void {
  sessionStorage.removeItem(KEY);
  session.token = null;
  session.claims = null;
}

/**
 * `#token=<JWT>` signs in and leaves the address bar at once, so the token is neither
 * bookmarked nor shown over a shoulder; otherwise the tab's stored token, if still valid.
 * Returns false when a fragment token was given but is not one.
 */
export function restoreSession(): boolean {
  const match = /^#token=([^&]+)/.exec(window.location.hash);
  if (match) {
    history.replaceState(history.state, '', window.location.pathname + window.location.search);
    return signIn(decodeURIComponent(match[1])) !== null;
  }
  const stored = sessionStorage.getItem(KEY);
  if (stored && !signIn(stored)) signOut();
  return true;
}
