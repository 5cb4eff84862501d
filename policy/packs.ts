// Policy packs: the rules of each region, as data. The packs themselves are files
// (policy/packs/<region>/<version>.json, parsed by policy/pack-schema.ts) and rows
// published to the database (db/packs.ts); this module holds what every reader of a
// pack needs. Pure data and functions: the workflow bundle imports this file.

import type { ApplicationSection, DecidedBy, ItemCode, ItemConcerns, ItemDefinition, PolicyPack, PublishedPack, Region } from './types.js';

export interface FieldIssue {
  /** Dotted path into the request body, e.g. 'items.2' or 'mother.idNumber'. */
  path: string;
  message: string;
}

export type ItemSelection = { items: ItemDefinition[]; errors?: never } | { errors: FieldIssue[]; items?: never };

/** Licences that exist before the case starts (issued by other authorities, looked up, never produced here). */
export const EXTERNAL_LICENCE_TYPES = ['resident_id_card', 'household_register', 'marriage_certificate'] as const;

// --- packs of the old shape ----------------------------------------------------------
// Running cases keep the pack they started with, in their workflow input. Packs from
// before packs were data files say none of the following; for them these answer what
// the code said then, so those cases (and their histories) behave exactly as before.

const OLD_SHAPE_MOTHER_ITEMS: ReadonlySet<ItemCode> = new Set([
  'maternity_medical_certificate',
  'family_planning_review',
  'maternity_insurance_benefit',
  'maternity_expense_reimbursement',
]);
const OLD_SHAPE_REGION_NAMES: Readonly<Record<string, string>> = { national: '全国', lanzhou: '兰州市', shanghai: '上海市' };

/** Whether the item's licence is the child's or the mother's. */
export function concernsOf(def: ItemDefinition): ItemConcerns {
  return def.concerns ?? (OLD_SHAPE_MOTHER_ITEMS.has(def.item) ? 'mother' : 'child');
}

/** Who decides the item. Every pack of the old shape said `reviewRequired` for every item. */
export function decidedByOf(def: ItemDefinition): DecidedBy {
  return def.decidedBy ?? (def.reviewRequired === false ? 'automatic' : 'case_worker');
}

/** Whether the pack says conditions item by item; packs that do not keep the whole-case rules. */
export function hasItemConditions(pack: PolicyPack): boolean {
  return pack.items.some((d) => d.conditions !== undefined);
}

/** Working days the department has to decide the item. */
export function slaWorkingDaysOf(pack: PolicyPack, def: ItemDefinition): number {
  return def.sla?.workingDays ?? pack.slaWorkingDays;
}

/**
 * What packs from before 2026.1, which name no sections, grant each item's department:
 * the choice the 2026.1 packs write down (see the README, "What each department
 * receives"), so that the case workers of cases started on an older pack see what
 * they need to decide too.
 */
const OLD_SHAPE_SECTIONS: Readonly<Record<ItemCode, readonly ApplicationSection[]>> = {
  birth_certificate: ['delivery', 'child', 'mother', 'father'],
  vaccination_certificate: ['delivery', 'child', 'mother', 'father'],
  hukou_registration: ['child', 'mother', 'father', 'marriage', 'birthRegistration'],
  medical_insurance_enrollment: ['child', 'birthRegistration'],
  social_security_card: ['child', 'socialSecurityCard', 'logistics'],
  maternity_expense_reimbursement: ['mother', 'delivery', 'maternityBenefit'],
  parenting_guidance_registration: ['delivery', 'child', 'mother'],
  outpatient_record_booklet: ['child', 'logistics'],
  medical_insurance_payment: ['child', 'applicant'],
  maternity_medical_certificate: ['delivery', 'mother'],
  family_planning_review: ['mother', 'father', 'marriage'],
  maternity_insurance_benefit: ['mother', 'delivery', 'maternityBenefit'],
};

/** The application sections the item's department receives, in the order the pack lists them. */
export function sectionsOf(def: ItemDefinition): readonly ApplicationSection[] {
  return def.sections ?? OLD_SHAPE_SECTIONS[def.item];
}

/** The region's name for notices to applicants. */
export function regionNameOf(pack: PolicyPack): string {
  return pack.regionName ?? (Object.hasOwn(OLD_SHAPE_REGION_NAMES, pack.region) ? OLD_SHAPE_REGION_NAMES[pack.region] : pack.region);
}

// --- reading a pack ------------------------------------------------------------------

export function itemsOf(pack: PolicyPack): ItemCode[] {
  return pack.items.map((i) => i.item);
}

export function itemDefinition(pack: PolicyPack, code: ItemCode): ItemDefinition | undefined {
  return pack.items.find((i) => i.item === code);
}

/**
 * The items a case will run, in the pack's (topological) order. No `requested` means
 * every item of the pack. Every problem is reported, each with the path of the offending
 * entry of the request's `items` array.
 */
export function selectItems(pack: PolicyPack, requested?: readonly ItemCode[]): ItemSelection {
  if (requested === undefined) return { items: [...pack.items] };
  if (requested.length === 0) return { errors: [{ path: 'items', message: 'at least one item must be requested' }] };
  const wanted = new Set(requested);
  const errors: FieldIssue[] = [];
  requested.forEach((code, i) => {
    const def = itemDefinition(pack, code);
    if (!def) {
      errors.push({ path: `items.${i}`, message: `'${code}' is not offered by the ${pack.region} policy pack ${pack.version}` });
      return;
    }
    for (const pre of def.prerequisites) {
      if (!wanted.has(pre)) {
        errors.push({
          path: `items.${i}`,
          message: `'${code}' needs its prerequisite '${pre}', which is missing from the requested items`,
        });
      }
    }
  });
  if (errors.length > 0) return { errors };
  return { items: pack.items.filter((d) => wanted.has(d.item)) };
}

/** Items that depend on `code` directly or through other items, in pack order: what a rejection cancels. */
export function dependantsOf(pack: PolicyPack, code: ItemCode): ItemCode[] {
  const affected = new Set<ItemCode>([code]);
  // One pass suffices because items are topologically ordered.
  for (const def of pack.items) {
    if (def.prerequisites.some((p) => affected.has(p))) affected.add(def.item);
  }
  affected.delete(code);
  return itemsOf(pack).filter((c) => affected.has(c));
}

/** Prerequisites of `code`, direct and indirect, in pack order. */
export function prerequisitesOf(pack: PolicyPack, code: ItemCode): ItemCode[] {
  const needed = new Set<ItemCode>();
  const visit = (c: ItemCode) => {
    for (const p of itemDefinition(pack, c)?.prerequisites ?? []) {
      if (!needed.has(p)) {
        needed.add(p);
        visit(p);
      }
    }
  };
  visit(code);
  return itemsOf(pack).filter((c) => needed.has(c));
}

/**
 * Broken invariants of a pack, empty when it is sound: items unique, prerequisites in the
 * pack and listed before their dependants (so there is no cycle), each licence type
 * issued by one item only (the licence store holds one valid licence per type and
 * person), and every e-licence a material relies on either external or issued by an
 * earlier step of the same chain (otherwise it would not exist yet).
 */
export function packProblems(pack: PolicyPack): string[] {
  const problems: string[] = [];
  const withConditions = pack.items.filter((d) => d.conditions !== undefined).length;
  if (withConditions > 0 && withConditions < pack.items.length) {
    problems.push(`${pack.items.filter((d) => d.conditions === undefined).map((d) => d.item).join(', ')}: conditions missing; a pack says the conditions of every item (an empty list for none) or of none`);
  }
  for (const def of pack.items) {
    if (def.decidedBy === 'department_event' && !def.event) problems.push(`${def.item}: decided by a department event, but names no event`);
    if (def.event && def.decidedBy !== 'department_event') problems.push(`${def.item}: names the event ${def.event} but is not decided by a department event`);
    if (def.decidedBy === 'applicant' && !def.payment) problems.push(`${def.item}: decided by the applicant, but names no payment`);
    if (def.payment && def.decidedBy !== 'applicant') problems.push(`${def.item}: names a payment but is not decided by the applicant`);
  }
  if (pack.supplementWorkingDays !== undefined && (pack.supplementReminderWorkingDays ?? 1) >= pack.supplementWorkingDays) {
    problems.push(`the supplement reminder (${pack.supplementReminderWorkingDays ?? 1} working days before) must fall within the supplement limit (${pack.supplementWorkingDays} working days)`);
  }
  const seen = new Set<ItemCode>();
  const issuers = new Map<string, ItemCode>();
  for (const def of pack.items) {
    if (seen.has(def.item)) problems.push(`${def.item}: listed twice`);
    const issuer = issuers.get(def.licenceType);
    if (issuer && issuer !== def.item) problems.push(`${def.item}: licence type ${def.licenceType} is already issued by ${issuer}`);
    issuers.set(def.licenceType, issuer ?? def.item);
    for (const p of def.prerequisites) {
      if (!itemDefinition(pack, p)) problems.push(`${def.item}: prerequisite ${p} is not in the pack`);
      else if (!seen.has(p)) problems.push(`${def.item}: prerequisite ${p} is listed after it`);
    }
    seen.add(def.item);
    const available = new Set<string>([
      ...EXTERNAL_LICENCE_TYPES,
      ...prerequisitesOf(pack, def.item).map((p) => itemDefinition(pack, p)!.licenceType),
    ]);
    for (const m of def.materials) {
      if (m.replacedByLicence && !available.has(m.replacedByLicence)) {
        problems.push(`${def.item}: material ${m.name} relies on licence ${m.replacedByLicence}, not available before this step`);
      }
    }
  }
  return problems;
}

/** Orders versions like '2024.1' < '2024.2' < '2024.10' < '2025.1' (numbers compared part by part). */
export function compareVersions(a: string, b: string): number {
  const x = a.split('.').map(Number);
  const y = b.split('.').map(Number);
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/**
 * Every published version of every region, as one process sees them at one moment.
 * Running cases are untouched by a new version: each carries the pack it started with
 * in its workflow input (新人新办法、老人老办法).
 */
export interface PackCatalogue {
  /** Regions with at least one version, sorted. */
  regions(): string[];
  /** The newest version of the region, which a case starting now gets. Throws a RangeError for an unknown region. */
  current(region: Region): PublishedPack;
  /** A pinned version; undefined when never published. */
  find(region: Region, version: string): PublishedPack | undefined;
  /** Oldest first. */
  versions(region: Region): readonly PublishedPack[];
}

/**
 * A catalogue of the given packs, newest by version number rather than by where each
 * came from, so every instance agrees whatever order it read files and rows in. The
 * same version twice is one version when the contents agree; when they differ, a
 * published version was changed, which is refused.
 */
export function createPackCatalogue(packs: Iterable<PublishedPack>): PackCatalogue {
  const byRegion = new Map<Region, PublishedPack[]>();
  for (const pack of packs) {
    const versions = byRegion.get(pack.region) ?? [];
    const same = versions.find((p) => p.version === pack.version);
    if (same && same.hash !== pack.hash) {
      throw new Error(`policy pack ${pack.region} ${pack.version} exists twice with different contents (${same.hash.slice(0, 12)}…, ${pack.hash.slice(0, 12)}…); a published version never changes`);
    }
    if (!same) byRegion.set(pack.region, [...versions, pack]);
  }
  for (const [region, versions] of byRegion) {
    versions.sort((a, b) => compareVersions(a.version, b.version));
    versions.forEach((p, i) => {
      if (i > 0 && compareVersions(versions[i - 1].version, p.version) === 0) {
        throw new Error(`policy pack ${region} has versions ${versions[i - 1].version} and ${p.version}, which do not say which is newer`);
      }
    });
  }
  const versions = (region: Region): readonly PublishedPack[] => byRegion.get(region) ?? [];
  return {
    regions: () => [...byRegion.keys()].sort(),
    current(region) {
      const all = versions(region);
      if (all.length === 0) throw new RangeError(`no policy pack for region '${region}'`);
      return all[all.length - 1];
    },
    find: (region, version) => versions(region).find((p) => p.version === version),
    versions,
  };
}
