// The one form (一表申请) of DESIGN §6 as a zod schema. Messages never repeat the
// submitted value: ID numbers must not end up in error responses or logs.

import { z } from 'zod';
import { isValidIdNumber } from './id-number.js';
import { freeText } from './text.js';
import { REGION_CODE } from './pack-schema.js';
import type { FieldIssue } from './packs.js';
import { ITEM_CODES, type Application } from './types.js';

export type { FieldIssue } from './packs.js';

const divisionCode = z.string().regex(/^\d{6}$/, 'must be a 6-digit administrative division code');
const mobile = z.string().regex(/^1[3-9]\d{9}$/, 'must be an 11-digit mainland mobile number');
const idNumber = z
  .string()
  .trim()
  .toUpperCase()
  .refine(isValidIdNumber, 'must be an 18-character resident ID number with a valid birth date and check digit');
// Names, addresses, document titles: one line of visible text (policy/text.ts).
const text = (max: number) => freeText(max);

const hukouSchema = z.object({
  divisionCode,
  householdType: z.enum(['family', 'collective']),
});

const parentSchema = z.object({
  name: text(50),
  idNumber,
  phone: mobile.optional(),
  occupation: z.enum(['serviceman', 'student', 'other']).optional(),
  // Absent means "no hukou", the same as an explicit null.
  hukou: hukouSchema.nullable().default(null),
});

// Loose view of the body for the cross-field rules, which also run when some fields failed.
interface Loose {
  items?: unknown;
  children?: unknown;
  child?: unknown;
  delivery?: Record<string, unknown> | null;
  mother?: { idNumber?: unknown } | null;
  father?: { idNumber?: unknown } | null;
  marriage?: { status?: unknown } | null;
  applicant?: { relation?: unknown; idNumber?: unknown } | null;
  birthRegistration?: { followParent?: unknown } | null;
  logistics?: { method?: unknown; recipient?: unknown; phone?: unknown; address?: unknown } | null;
}

const sameId = (a: unknown, b: unknown) =>
  typeof a === 'string' && typeof b === 'string' && a.trim().toUpperCase() === b.trim().toUpperCase();

function crossFieldIssues(body: Loose): { path: (string | number)[]; message: string }[] {
  const issues: { path: (string | number)[]; message: string }[] = [];
  const hasFather = body.father !== undefined && body.father !== null;
  const status = body.marriage?.status;
  const relation = body.applicant?.relation;
  const follow = body.birthRegistration?.followParent;

  if (!hasFather) {
    if (status === 'married') issues.push({ path: ['father'], message: 'is required when marriage.status is married' });
    else if (relation === 'father') issues.push({ path: ['father'], message: "is required when applicant.relation is 'father'" });
    if (follow === 'father') {
      issues.push({ path: ['birthRegistration', 'followParent'], message: "is 'father' but no father is given" });
    }
  }
  if (relation === 'mother' || relation === 'father') {
    const parent = relation === 'mother' ? body.mother : body.father;
    if (parent && typeof body.applicant?.idNumber === 'string' && !sameId(body.applicant.idNumber, parent.idNumber)) {
      issues.push({ path: ['applicant', 'idNumber'], message: `must equal ${relation}.idNumber when applicant.relation is '${relation}'` });
    }
  }
  if (hasFather && body.mother && sameId(body.mother.idNumber, body.father?.idNumber)) {
    issues.push({ path: ['father', 'idNumber'], message: 'must differ from mother.idNumber' });
  }
  // Two forms of the births (DESIGN §7): `children`, or `child` with the birth in `delivery`; never both.
  const birthFields = ['bornAt', 'childSex', 'weightGrams'] as const;
  if (body.children !== undefined) {
    if (body.child !== undefined) issues.push({ path: ['child'], message: 'must be omitted when children are given' });
    for (const field of birthFields) {
      if (body.delivery && body.delivery[field] !== undefined) issues.push({ path: ['delivery', field], message: 'must be omitted when children are given' });
    }
  } else {
    if (body.child === undefined) issues.push({ path: ['child'], message: 'is required unless children are given' });
    for (const field of birthFields) {
      if (body.delivery && body.delivery[field] === undefined) issues.push({ path: ['delivery', field], message: 'is required unless children are given' });
    }
  }
  if (Array.isArray(body.items)) {
    const seen = new Set<unknown>();
    body.items.forEach((code, i) => {
      if (seen.has(code)) issues.push({ path: ['items', i], message: 'is listed twice' });
      seen.add(code);
    });
  }
  if (body.logistics?.method === 'ems') {
    for (const field of ['recipient', 'phone', 'address'] as const) {
      if (body.logistics[field] === undefined) {
        issues.push({ path: ['logistics', field], message: 'is required for delivery by EMS' });
      }
    }
  }
  return issues;
}

/**
 * A region of the loaded policy packs (`PackCatalogue.regions()`), so that a region is
 * added by adding a pack. Without the list, any well-formed region code (for documents
 * describing the API, which hold no packs).
 */
export function regionSchema(regions?: readonly string[]) {
  return regions ? z.enum(regions) : z.string().regex(REGION_CODE, 'must be a region code');
}

/** `now` is injected so that tests (and a pinned clock) decide what "the future" is. */
export function makeApplicationSchema(now: () => Date, regions?: readonly string[]) {
  const bornAt = z.iso
    .datetime({ offset: true, message: 'must be an ISO-8601 date-time with a UTC offset, e.g. 2026-11-20T08:30:00+08:00' })
    .refine((s) => Date.parse(s) <= now().getTime(), 'must not be in the future');
  const sex = z.enum(['male', 'female']);
  const weightGrams = z.number().int('must be a whole number of grams').min(300).max(8000);
  return z
    .object({
      region: regionSchema(regions),
      items: z.array(z.enum(ITEM_CODES)).min(1, 'must list at least one item when present').optional(),
      delivery: z.object({
        institutionCode: text(32),
        divisionCode,
        place: z.enum(['institution', 'home', 'en_route']),
        bornAt: bornAt.optional(),
        childSex: sex.optional(),
        weightGrams: weightGrams.optional(),
        gestationWeeks: z.number().int('must be a whole number of weeks').min(20).max(45),
      }),
      child: z.object({ name: text(50) }).optional(),
      children: z
        .array(z.object({ name: text(50), sex, bornAt, weightGrams }))
        .min(1, 'must list at least one child')
        .max(6, 'must list at most 6 children')
        .optional()
        .meta({ description: 'every child of the delivery, in order (item keys `<item>.<n>` follow it); instead of `child` and `delivery.bornAt/childSex/weightGrams`' }),
      mother: parentSchema,
      father: parentSchema.nullish(),
      marriage: z.object({
        status: z.enum(['married', 'unmarried', 'divorced', 'widowed']),
        certificateNumber: text(40).optional(),
      }),
      applicant: z.object({
        relation: z.enum(['mother', 'father', 'guardian']),
        idNumber,
        phone: mobile,
      }),
      birthRegistration: z.object({ followParent: z.enum(['mother', 'father']) }),
      socialSecurityCard: z.object({ bankCode: text(20), deliverByPost: z.boolean() }).optional(),
      maternityBenefit: z
        .object({ bankName: text(100), bankAccount: z.string().regex(/^\d{8,32}$/, 'must be 8 to 32 digits') })
        .optional(),
      logistics: z
        .object({
          method: z.enum(['ems', 'pickup']),
          recipient: text(50).optional(),
          phone: mobile.optional(),
          address: text(200).optional(),
        })
        .optional(),
      documents: z
        .array(z.object({ item: z.enum(ITEM_CODES), name: text(200), reference: text(500) }))
        .max(50, 'must list at most 50 documents')
        .optional(),
    })
    .superRefine(
      (body, ctx) => {
        if (typeof body !== 'object' || body === null || Array.isArray(body)) return;
        for (const issue of crossFieldIssues(body as Loose)) ctx.addIssue({ code: 'custom', ...issue });
      },
      // Run even when fields failed to parse, so one response lists every problem (一次告知).
      { when: () => true },
    );
}

export const applicationSchema = makeApplicationSchema(() => new Date());

export type ApplicationInput = z.input<typeof applicationSchema>;
export type ParsedApplication = z.output<typeof applicationSchema>;

/**
 * The application as the rest of the service reads it: `child` and the birth fields of
 * `delivery` describe the earliest birth of the delivery (the one the rules about age
 * and first issuance are about); `children` stays as given, in the applicant's order.
 * Only for a body the schema accepted (the cross-field rules guarantee one form or the other).
 */
export function normaliseApplication(parsed: ParsedApplication): Application {
  const { children, child, delivery, ...rest } = parsed;
  if (!children) {
    return { ...rest, child: child!, delivery: { ...delivery, bornAt: delivery.bornAt!, childSex: delivery.childSex!, weightGrams: delivery.weightGrams! } };
  }
  const earliest = children.reduce((a, b) => (Date.parse(b.bornAt) < Date.parse(a.bornAt) ? b : a));
  return { ...rest, children, child: { name: earliest.name }, delivery: { ...delivery, bornAt: earliest.bornAt, childSex: earliest.sex, weightGrams: earliest.weightGrams } };
}

/** zod issues as `{ path: 'mother.idNumber', message }`; array indices become dotted numbers ('items.0'). */
export function formatZodIssues(error: z.ZodError): FieldIssue[] {
  return error.issues.map((issue) => ({
    path: issue.path.map((key) => String(key)).join('.'),
    message: issue.message,
  }));
}
