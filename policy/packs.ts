// Policy packs: the rules of each region as data. A published version never changes
// (a running case keeps the version it started with, 新人新办法、老人老办法), so a change
// of policy is a new entry appended to PACKS, never an edit of an old one.
// Pure data and functions: the workflow bundle imports this file.

import type { ItemCode, ItemDefinition, Material, PolicyPack, Region } from './types.js';

export interface FieldIssue {
  /** Dotted path into the request body, e.g. 'items.2' or 'mother.idNumber'. */
  path: string;
  message: string;
}

export type ItemSelection = { items: ItemDefinition[]; errors?: never } | { errors: FieldIssue[]; items?: never };

/** Licences that exist before the case starts (issued by other authorities, looked up, never produced here). */
export const EXTERNAL_LICENCE_TYPES = ['resident_id_card', 'household_register', 'marriage_certificate'] as const;

export const REGION_NAMES: Readonly<Record<Region, string>> = Object.freeze({
  national: '全国',
  lanzhou: '兰州市',
  shanghai: '上海市',
});

const idCards: Material = { name: '父母双方居民身份证', replacedByLicence: 'resident_id_card' };
const motherIdCard: Material = { name: '母亲居民身份证', replacedByLicence: 'resident_id_card' };
const marriageCertificate: Material = { name: '结婚证', replacedByLicence: 'marriage_certificate' };
const parentsHouseholdRegister: Material = { name: '父母居民户口簿', replacedByLicence: 'household_register' };
const birthMedicalCertificate: Material = { name: '《出生医学证明》', replacedByLicence: 'birth_medical_certificate' };
const childRegistration: Material = { name: '新生儿户口登记信息（户口簿本人页）', replacedByLicence: 'birth_registration' };

function item(
  code: ItemCode,
  department: ItemDefinition['department'],
  title: string,
  licenceType: string,
  prerequisites: ItemCode[],
  materials: Material[],
): ItemDefinition {
  return { item: code, department, title, licenceType, prerequisites, materials, reviewRequired: true };
}

const ITEMS_2024_1: Record<ItemCode, ItemDefinition> = {
  birth_certificate: item('birth_certificate', 'hospital', '《出生医学证明》签发（首签）', 'birth_medical_certificate', [], [
    idCards,
    marriageCertificate,
  ]),
  vaccination_certificate: item('vaccination_certificate', 'hospital', '《预防接种证》发放及信息关联', 'vaccination_certificate', [], [
    motherIdCard,
  ]),
  hukou_registration: item('hukou_registration', 'police', '出生登记（申报户口）', 'birth_registration', ['birth_certificate'], [
    birthMedicalCertificate,
    idCards,
    parentsHouseholdRegister,
    marriageCertificate,
  ]),
  medical_insurance_enrollment: item(
    'medical_insurance_enrollment',
    'medical_insurance',
    '城乡居民基本医疗保险参保登记',
    'medical_insurance_enrollment',
    ['hukou_registration'],
    [childRegistration, birthMedicalCertificate],
  ),
  social_security_card: item('social_security_card', 'hrss', '社会保障卡申领', 'social_security_card', ['hukou_registration'], [
    childRegistration,
    { name: '监护人居民身份证', replacedByLicence: 'resident_id_card' },
  ]),
  maternity_expense_reimbursement: item(
    'maternity_expense_reimbursement',
    'medical_insurance',
    '生育医疗费用报销',
    'maternity_expense_settlement',
    ['birth_certificate'],
    // The hospital bills are paper the applicant still has to provide: no e-licence covers them.
    [birthMedicalCertificate, motherIdCard, { name: '分娩住院医疗费用票据及费用清单' }],
  ),
  parenting_guidance_registration: item(
    'parenting_guidance_registration',
    'health',
    '科学育儿指导服务登记',
    'parenting_guidance_registration',
    ['birth_certificate'],
    [birthMedicalCertificate],
  ),
  outpatient_record_booklet: item(
    'outpatient_record_booklet',
    'medical_insurance',
    '《门急诊就医记录册》申领',
    'outpatient_record_booklet',
    ['hukou_registration'],
    [childRegistration],
  ),
  medical_insurance_payment: item(
    'medical_insurance_payment',
    'medical_insurance',
    '城乡居民基本医疗保险缴费及激活',
    'medical_insurance_payment_receipt',
    ['medical_insurance_enrollment'],
    [{ name: '城乡居民医保参保登记凭证', replacedByLicence: 'medical_insurance_enrollment' }],
  ),
  maternity_medical_certificate: item(
    'maternity_medical_certificate',
    'hospital',
    '《生育医学证明（生产专用）》出具',
    'maternity_medical_certificate',
    [],
    [motherIdCard],
  ),
  family_planning_review: item(
    'family_planning_review',
    'health',
    '享受生育保险待遇计划生育情况审核',
    'family_planning_review',
    ['maternity_medical_certificate'],
    [
      { name: '《生育医学证明》', replacedByLicence: 'maternity_medical_certificate' },
      marriageCertificate,
      parentsHouseholdRegister,
    ],
  ),
  maternity_insurance_benefit: item(
    'maternity_insurance_benefit',
    'medical_insurance',
    '生育保险待遇申领',
    'maternity_insurance_benefit',
    ['family_planning_review'],
    [
      { name: '计划生育情况审核结果', replacedByLicence: 'family_planning_review' },
      { name: '《生育医学证明》', replacedByLicence: 'maternity_medical_certificate' },
      motherIdCard,
      // The account is data the applicant types into the form, not a document to upload.
      { name: '产妇本人银行结算账户信息' },
    ],
  ),
};

const NATIONAL_ITEMS: ItemCode[] = [
  'birth_certificate',
  'vaccination_certificate',
  'hukou_registration',
  'medical_insurance_enrollment',
  'social_security_card',
];

const COMMON_2024_1 = {
  ageLimitMonths: 12,
  slaWorkingDays: 1,
  escalationLadder: ['department_supervisor', 'department_head', 'bureau_director'],
};

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

function pack(
  region: Region,
  version: string,
  title: string,
  divisionPrefix: string,
  hukouRule: PolicyPack['hukouRule'],
  library: Record<ItemCode, ItemDefinition>,
  codes: ItemCode[],
): PolicyPack {
  // Packs share the (frozen) definitions of the library they were published with.
  return deepFreeze({ region, version, title, divisionPrefix, hukouRule, ...COMMON_2024_1, items: codes.map((c) => library[c]) });
}

/** Every published version per region, oldest first; the last one applies to new cases. */
export const PACKS: Readonly<Record<Region, readonly PolicyPack[]>> = deepFreeze({
  national: [
    pack('national', '2024.1', '新生儿出生“一件事”（国家基本清单）', '', 'none', ITEMS_2024_1, NATIONAL_ITEMS),
  ],
  lanzhou: [
    pack('lanzhou', '2024.1', '兰州市新生儿出生服务“高效办成一件事”', '6201', 'one_parent_local', ITEMS_2024_1, [
      ...NATIONAL_ITEMS,
      'maternity_expense_reimbursement',
      'parenting_guidance_registration',
    ]),
  ],
  shanghai: [
    pack('shanghai', '2024.1', '上海市出生“一件事”', '31', 'both_parents_local_family', ITEMS_2024_1, [
      ...NATIONAL_ITEMS,
      'outpatient_record_booklet',
      'medical_insurance_payment',
      'maternity_medical_certificate',
      'family_planning_review',
      'maternity_insurance_benefit',
    ]),
  ],
});

function versionsOf(region: string): readonly PolicyPack[] {
  return Object.hasOwn(PACKS, region) ? PACKS[region as Region] : [];
}

/** The version that applies to a case starting now. Throws for an unknown region. */
export function currentPack(region: Region): PolicyPack {
  const versions = versionsOf(region);
  if (versions.length === 0) throw new RangeError(`no policy pack for region '${region}'`);
  return versions[versions.length - 1];
}

/** A pinned version, for cases that started under it; undefined when never published. */
export function findPack(region: Region, version: string): PolicyPack | undefined {
  return versionsOf(region).find((p) => p.version === version);
}

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
 * pack and listed before their dependants, and every e-licence a material relies on either
 * external or issued by an earlier step of the same chain (otherwise it would not exist yet).
 */
export function packProblems(pack: PolicyPack): string[] {
  const problems: string[] = [];
  const seen = new Set<ItemCode>();
  for (const def of pack.items) {
    if (seen.has(def.item)) problems.push(`${def.item}: listed twice`);
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

/**
 * The published packs the API starts new cases with. Publishing appends a version;
 * running cases are untouched because each carries the pack it started with in its
 * workflow input (新人新办法、老人老办法).
 */
export interface PackRegistry {
  current(region: Region): PolicyPack;
  find(region: Region, version: string): PolicyPack | undefined;
  versions(region: Region): readonly PolicyPack[];
  publish(pack: PolicyPack): void;
}

export function createPackRegistry(initial: Readonly<Record<Region, readonly PolicyPack[]>> = PACKS): PackRegistry {
  const published = new Map<Region, PolicyPack[]>(Object.entries(initial).map(([region, packs]) => [region as Region, [...packs]]));
  const versions = (region: Region) => published.get(region) ?? [];
  return {
    versions,
    current(region) {
      const all = versions(region);
      if (all.length === 0) throw new RangeError(`no policy pack for region '${region}'`);
      return all[all.length - 1];
    },
    find: (region, version) => versions(region).find((p) => p.version === version),
    publish(pack) {
      const problems = packProblems(pack);
      if (problems.length > 0) throw new Error(`pack ${pack.region} ${pack.version} is not sound: ${problems.join('; ')}`);
      if (versions(pack.region).some((p) => p.version === pack.version)) throw new Error(`pack ${pack.region} ${pack.version} is already published; publish a new version`);
      published.set(pack.region, [...versions(pack.region), deepFreeze(structuredClone(pack))]);
    },
  };
}
