import { z } from 'zod';

// Text as people type it, checked once at the edge. A NUL that PostgreSQL refuses would
// otherwise wedge a case for ever (issue 12 §1); a lone surrogate is silently turned into
// U+FFFD on the way to the database; a name of zero-width spaces is no name. Everything
// that passes is in NFC, so the same name typed on two keyboards is the same name.

// C0 and C1 controls and DEL. Tab, LF and CR are what multi-line text is made of.
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/u;
const CONTROL_ANY = /[\u0000-\u001F\u007F-\u009F]/u;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
// Whitespace, format characters (zero-width, bidi embeddings/overrides/isolates, BOM,
// soft hyphen), variation selectors and Hangul fillers: nothing a reader can see.
const INVISIBLE = /^[\s\p{Cf}\u034F\u115F\u1160\u3164\uFFA0\uFE00-\uFE0F\u2800]*$/u;

/** What is wrong with a piece of text, if anything: a message that never repeats the value. */
export function textProblem(value: string, { multiline = false }: { multiline?: boolean } = {}): string | undefined {
  if (LONE_SURROGATE.test(value)) return 'must not contain unpaired surrogates';
  if ((multiline ? CONTROL : CONTROL_ANY).test(value)) return 'must not contain control characters';
  return undefined;
}

/** True for text with nothing visible in it (empty counts). */
export const isInvisible = (value: string): boolean => INVISIBLE.test(value);

/**
 * Free text: refuses control characters, unpaired surrogates and text with nothing
 * visible, then trims and normalises to NFC. `max` counts characters after that.
 */
export function freeText(max: number, options: { multiline?: boolean; optional?: false } = {}) {
  return z
    .string()
    .superRefine((value, ctx) => {
      const problem = textProblem(value, options);
      if (problem) ctx.addIssue({ code: 'custom', message: problem, abort: true });
      else if (isInvisible(value)) ctx.addIssue({ code: 'custom', message: 'must contain visible characters', abort: true });
    })
    .transform((value) => value.trim().normalize('NFC'))
    .pipe(z.string().min(1, 'must not be empty').max(max, `must be at most ${max} characters`));
}

/**
 * Any string a request carries, free text or not: no control characters (tab, LF, CR
 * aside) and no unpaired surrogates, normalised to NFC. The route registry applies it to
 * every string of every body, path and query before the route's own schema sees it.
 */
export function cleanStrings(value: unknown, path: (string | number)[] = [], issues: { path: string; message: string }[] = []): { value: unknown; issues: { path: string; message: string }[] } {
  const walk = (v: unknown, at: (string | number)[]): unknown => {
    if (typeof v === 'string') {
      const problem = textProblem(v, { multiline: true });
      if (problem) {
        issues.push({ path: at.join('.'), message: problem });
        return v;
      }
      return v.normalize('NFC');
    }
    if (Array.isArray(v)) return v.map((e, i) => walk(e, [...at, i]));
    if (v && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
      const out: Record<string, unknown> = {};
      for (const [k, e] of Object.entries(v)) {
        if (textProblem(k, { multiline: false })) {
          issues.push({ path: [...at, '(key)'].join('.'), message: 'a field name must not contain control characters or unpaired surrogates' });
          continue;
        }
        out[k] = walk(e, [...at, k]);
      }
      return out;
    }
    return v;
  };
  return { value: walk(value, path), issues };
}
