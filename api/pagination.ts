import { z } from 'zod';
import { PAGE_LIMIT, decodeCursor, type CursorPart } from '../db/pagination';

// The query fields every list at scale takes (DESIGN §7 "Lists at scale").

export const limitField = z.coerce.number().int().min(1).max(PAGE_LIMIT.max).meta({ description: `rows per page (default ${PAGE_LIMIT.default}, at most ${PAGE_LIMIT.max})` });

/** `cursor`: the `nextCursor` of the previous page, decoded into that list's sort key; anything else is a 400. */
export function cursorField<const S extends readonly CursorPart[]>(shape: S) {
  return z
    .string()
    .max(1000)
    .transform((v, ctx) => {
      const values = decodeCursor(v, shape);
      if (!values) {
        ctx.addIssue({ code: 'custom', message: 'must be a nextCursor this list answered' });
        return z.NEVER;
      }
      return values;
    })
    .meta({ description: "the previous page's `nextCursor`: the page after it" });
}

export const nextCursorField = z.string().optional().meta({ description: 'pass as `cursor` for the next page; absent on the last page' });
