import { z } from 'zod';
import { CASE_ID_PATTERN } from '../../domain/identity';

// Path parameters shared by the routers of cases and of their items.

export const caseIdSchema = z.string().regex(CASE_ID_PATTERN, 'not a case ID');
export const caseParams = z.object({ caseId: caseIdSchema });

/** An item's key in its case: the item code while a delivery has one child (`<item>.<n>` for twins, later). */
export const itemKeySchema = z
  .string()
  .regex(/^[a-z][a-z_]{0,63}(\.[1-9]\d?)?$/, 'not an item key')
  .meta({ description: 'the item code, e.g. birth_certificate', examples: ['birth_certificate'] });
export const itemParams = caseParams.extend({ itemKey: itemKeySchema });
