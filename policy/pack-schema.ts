// What a policy pack document must say, checked when a file is loaded or a version is
// published, and the content hash a case pins next to the version. Not imported by
// workflows (it needs zod and node:crypto): they get the pack in their input.

import { createHash } from 'node:crypto';
import { z } from 'zod';
import { deepFreeze, packProblems, type FieldIssue } from './packs.js';
import { APPLICATION_SECTIONS, DECIDED_BY, DEPARTMENTS, DEPARTMENT_EVENTS, HUKOU_RULES, ITEM_CODES, type ItemCondition, type PublishedPack } from './types.js';

/** Lower-case, as it appears in URLs, search attributes and file names. */
export const REGION_CODE = /^[a-z][a-z0-9_]{1,31}$/;
/** Numbers separated by dots ('2024.1'), ordered by `compareVersions`. */
export const PACK_VERSION = /^\d{1,6}(\.\d{1,6}){0,3}$/;

const text = z.string().trim().min(1, 'must not be empty');
const workingDays = z.number().int('must be a whole number of working days').min(1).max(30);

const materialSchema = z.strictObject({
  name: text,
  /** The e-licence type that makes the document unnecessary. */
  replacedByLicence: text.optional(),
});
// `note` is said to one family by the notice (policy/eligibility.ts), never written in a pack.

const divisionPrefix = z.string().regex(/^(\d\d){0,3}$/, "must be a province, city or county division-code prefix (2, 4 or 6 digits), or '' for anywhere");

/** One condition of an item (policy/types.ts `ItemCondition`); a parameter left out is the pack's. */
const conditionSchema = z.discriminatedUnion('rule', [
  z.strictObject({ rule: z.literal('born_in_region'), divisionPrefix: divisionPrefix.optional(), areaName: text.optional() }),
  z.strictObject({ rule: z.literal('born_at_institution'), takenToInstitution: z.boolean().optional() }),
  z.strictObject({ rule: z.literal('child_under_age'), months: z.number().int().min(1).max(72).optional() }),
  z.strictObject({ rule: z.literal('parents_married') }),
  z.strictObject({ rule: z.literal('local_hukou'), hukouRule: z.enum(HUKOU_RULES).optional(), divisionPrefix: divisionPrefix.optional() }),
  z.strictObject({ rule: z.literal('registration_parent'), divisionPrefix: divisionPrefix.optional() }),
  z.strictObject({ rule: z.literal('first_issuance') }),
]);

// Every condition the schema reads is one the rules know, and the other way round.
const _conditionsAgree = (c: z.output<typeof conditionSchema>): ItemCondition => c;
void _conditionsAgree;

const itemSchema = z.strictObject({
  item: z.enum(ITEM_CODES),
  department: z.enum(DEPARTMENTS),
  title: text,
  licenceType: text,
  concerns: z.enum(['mother', 'child']),
  decidedBy: z.enum(DECIDED_BY),
  /** The department system's event that completes an item of `decidedBy: "department_event"`. */
  event: z.enum(DEPARTMENT_EVENTS).optional(),
  sla: z.strictObject({ workingDays }).optional(),
  prerequisites: z.array(z.enum(ITEM_CODES)),
  /** Conditions of this item alone; absent in every item of a pack that keeps the whole-case rules. */
  conditions: z.array(conditionSchema).optional(),
  /** What of the application the department receives; packs before 2026.1 leave it out (policy/packs.ts `sectionsOf`). */
  sections: z
    .array(z.enum(APPLICATION_SECTIONS))
    .refine((list) => new Set(list).size === list.length, 'must not name a section twice')
    .optional(),
  materials: z.array(materialSchema),
  /** What the parents pay through the payment gateway (`decidedBy: "applicant"`), in fen. */
  payment: z.strictObject({ amountFen: z.number().int().min(1).max(100_000_000) }).optional(),
  /** The paper document the item produces, posted when the family chose EMS. */
  physicalDocument: text.optional(),
  /** The one trip left (最多跑一次) once the item completes: what the parents bring. */
  visit: z.strictObject({ purpose: text }).optional(),
});

/** A pack as written in policy/packs/<region>/<version>.json and in the body of a published row. */
export const packDocumentSchema = z
  .strictObject({
    region: z.string().regex(REGION_CODE, 'must be lower-case letters, digits and _ (2 to 32, starting with a letter)'),
    regionName: text,
    version: z.string().regex(PACK_VERSION, "must be numbers separated by dots, e.g. '2024.1'"),
    title: text,
    divisionPrefix,
    hukouRule: z.enum(HUKOU_RULES),
    ageLimitMonths: z.number().int().min(1).max(72),
    slaWorkingDays: workingDays,
    escalationLadder: z.array(text).min(1),
    supplementWorkingDays: workingDays.optional(),
    supplementReminderWorkingDays: workingDays.optional(),
    items: z.array(itemSchema).min(1),
  })
  .superRefine((pack, ctx) => {
    for (const problem of packProblems(pack)) ctx.addIssue({ code: 'custom', path: ['items'], message: problem });
  });

export type PackDocument = z.output<typeof packDocumentSchema>;

// What the schema produces is what the registry serves (minus the hash).
const _documentIsPublished = (d: PackDocument): Omit<PublishedPack, 'hash'> => d;
void _documentIsPublished;

export class InvalidPackError extends Error {
  constructor(
    readonly source: string,
    readonly issues: FieldIssue[],
  ) {
    super(`${source} is not a sound policy pack: ${issues.map((i) => `${i.path || '(pack)'}: ${i.message}`).join('; ')}`);
    this.name = 'InvalidPackError';
  }
}

/**
 * JSON with the keys of every object sorted and no white space (RFC 8785 for the values
 * a pack holds: strings, integers, booleans): the same pack gives the same bytes however
 * its file was formatted or its keys ordered.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError('canonical JSON has no NaN or Infinity');
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  throw new TypeError(`canonical JSON has no ${typeof value}`);
}

/** sha256 (hex) of the canonical serialisation of the document. */
export function packHash(document: PackDocument): string {
  return createHash('sha256').update(canonicalJson(document), 'utf8').digest('hex');
}

/** Parses and checks a pack document, every problem reported at once; the result is frozen and carries its hash. */
export function parsePack(raw: unknown, source: string): PublishedPack {
  const parsed = packDocumentSchema.safeParse(raw);
  if (!parsed.success) {
    throw new InvalidPackError(
      source,
      parsed.error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message })),
    );
  }
  return deepFreeze({ ...parsed.data, hash: packHash(parsed.data) });
}

/** The document of a pack, without its hash: what a file or a published row holds. */
export function packDocument(pack: PublishedPack): PackDocument {
  const { hash: _hash, ...document } = pack;
  return structuredClone(document);
}
