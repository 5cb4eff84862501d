// Eligibility for the joint service (DESIGN §2). Every unmet condition is reported in one
// answer, the "一次告知" duty, with a message a parent can act on. Pure: `now` and the
// verified facts come in as arguments, so the workflow can re-run the same rules.

import { REGION_NAMES } from './packs.js';
import type {
  Application,
  Department,
  EligibilityCode,
  EligibilityResult,
  HukouInfo,
  ItemCode,
  Material,
  Parent,
  PolicyPack,
  VerifiedFacts,
} from './types.js';

export interface EligibilityReason {
  code: EligibilityCode;
  message: string;
}

type Side = 'mother' | 'father';
const SIDE_NAME: Record<Side, string> = { mother: '母亲', father: '父亲' };
const other = (side: Side): Side => (side === 'mother' ? 'father' : 'mother');

// China has kept UTC+8 without daylight saving since 1991, so a fixed offset gives the
// Asia/Shanghai calendar date without depending on the runtime's time-zone data.
const SHANGHAI_OFFSET_MS = 8 * 3600 * 1000;

function shanghaiDate(instant: number): { y: number; m: number; d: number } {
  const t = new Date(instant + SHANGHAI_OFFSET_MS);
  return { y: t.getUTCFullYear(), m: t.getUTCMonth() + 1, d: t.getUTCDate() };
}

/**
 * Completed months of age on `now`'s calendar day in Asia/Shanghai: a month completes on
 * the same day of the month (born 2025-11-23: 12 months on 2026-11-23). A child born on
 * the 29th–31st completes a month only once that day number is reached, so born
 * 2024-02-29 is one year old on 2025-03-01.
 */
export function ageInMonths(bornAt: string, now: Date): number {
  const b = shanghaiDate(Date.parse(bornAt));
  const n = shanghaiDate(now.getTime());
  return (n.y - b.y) * 12 + (n.m - b.m) - (n.d < b.d ? 1 : 0);
}

function ageLimitText(months: number): string {
  return months % 12 === 0 ? `${months / 12}周岁` : `${months}个月`;
}

export function checkEligibility(app: Application, pack: PolicyPack, now: Date, facts?: VerifiedFacts): EligibilityResult {
  const reasons: EligibilityReason[] = [];
  const region = REGION_NAMES[pack.region];
  const regional = pack.divisionPrefix !== '';
  const parents: Record<Side, Parent | null> = { mother: app.mother, father: app.father ?? null };
  // Verified facts win over what the applicant claimed; `undefined` means the look-up did not answer.
  const hukou: Record<Side, HukouInfo | null> = {
    mother: facts?.motherHukou !== undefined ? facts.motherHukou : app.mother.hukou,
    father: facts?.fatherHukou !== undefined ? facts.fatherHukou : (app.father?.hukou ?? null),
  };
  const isLocal = (h: HukouInfo | null) => h !== null && h.divisionCode.startsWith(pack.divisionPrefix);

  if (!Number.isNaN(Date.parse(app.delivery.bornAt)) && ageInMonths(app.delivery.bornAt, now) >= pack.ageLimitMonths) {
    reasons.push({
      code: 'CHILD_OVER_AGE_LIMIT',
      message: `联办仅适用于未满${ageLimitText(pack.ageLimitMonths)}的新生儿，孩子已满${ageLimitText(pack.ageLimitMonths)}；请到各部门分别办理相关事项。`,
    });
  }

  if (!app.delivery.divisionCode.startsWith(pack.divisionPrefix)) {
    reasons.push({
      code: 'NOT_BORN_IN_REGION',
      message: `本联办服务仅受理在${region}（行政区划代码${pack.divisionPrefix}开头）出生的新生儿，出生地代码为${app.delivery.divisionCode}；请向出生地所在地区申请。`,
    });
  }

  const marriage = facts?.marriageStatus ?? app.marriage.status;
  if (marriage !== 'married') {
    reasons.push({
      code: 'PARENTS_NOT_MARRIED',
      message:
        '“新生儿出生一件事”联办仅面向婚内生育、父母为已婚状态的家庭（以婚姻登记信息为准）；您可以到医院、公安、医保、人社等部门逐项分别办理出生医学证明、户口登记等事项。',
    });
  }

  const hukouProblem = hukouRuleProblem(pack, hukou, isLocal);
  if (hukouProblem) reasons.push({ code: 'HUKOU_NOT_LOCAL', message: hukouProblem });

  const registrationProblem = registrationParentProblem(app.birthRegistration.followParent, parents, hukou, isLocal, regional, region);
  if (registrationProblem) reasons.push({ code: 'NO_ELIGIBLE_REGISTRATION_PARENT', message: registrationProblem });

  if (facts?.birthCertificateAlreadyIssued) {
    reasons.push({
      code: 'BIRTH_CERTIFICATE_ALREADY_ISSUED',
      message: '该新生儿的《出生医学证明》已经签发过；联办只受理首次签发，换发或补发请到原签发机构办理，其余事项请到各部门分别办理。',
    });
  }

  return { eligible: reasons.length === 0, reasons };
}

function hukouRuleProblem(
  pack: PolicyPack,
  hukou: Record<Side, HukouInfo | null>,
  isLocal: (h: HukouInfo | null) => boolean,
): string | undefined {
  const region = REGION_NAMES[pack.region];
  const notLocal = (s: Side) => (hukou[s] === null ? `${SIDE_NAME[s]}无户口` : `${SIDE_NAME[s]}户口不在${region}`);
  switch (pack.hukouRule) {
    case 'none':
      return undefined;
    case 'one_parent_local':
      if (isLocal(hukou.mother) || isLocal(hukou.father)) return undefined;
      return `${region}联办要求父母至少一方为本市户籍（户口所在地代码${pack.divisionPrefix}开头），${notLocal('mother')}，${notLocal('father')}；请到户籍所在地申请，或到各部门分别办理。`;
    case 'both_parents_local_family': {
      const defects = (['mother', 'father'] as const).flatMap((s) => {
        if (!isLocal(hukou[s])) return [notLocal(s)];
        return hukou[s]?.householdType === 'family' ? [] : [`${SIDE_NAME[s]}为集体户口`];
      });
      if (defects.length === 0) return undefined;
      return `${region}联办要求父母双方均为本市家庭户户籍（户口所在地代码${pack.divisionPrefix}开头、家庭户），${defects.join('，')}；请到各部门分别办理相关事项。`;
    }
  }
}

/**
 * Why the parent chosen in `birthRegistration.followParent` cannot take the child, or
 * undefined when they can. Mirrors the registration rules of the policy texts: the child
 * goes to a parent with (local) hukou; a collective hukou (a student's, typically) yields
 * to the spouse's family household; a serviceman without hukou yields to the civilian parent.
 */
function registrationParentProblem(
  chosen: Side,
  parents: Record<Side, Parent | null>,
  hukou: Record<Side, HukouInfo | null>,
  isLocal: (h: HukouInfo | null) => boolean,
  regional: boolean,
  region: string,
): string | undefined {
  const obstacle = (side: Side): string | undefined => {
    const name = SIDE_NAME[side];
    const h = hukou[side];
    if (parents[side] === null) return `申请中没有${name}的信息`;
    if (h === null) {
      return parents[side]?.occupation === 'serviceman'
        ? `${name}为现役军人且无地方户口，子女应随地方居民一方申报出生登记`
        : `${name}没有户口`;
    }
    if (!isLocal(h)) return `${name}户口不在${region}`;
    const o = hukou[other(side)];
    if (h.householdType === 'collective' && o?.householdType === 'family') {
      return `${name}为集体户口（如学生集体户口）而${SIDE_NAME[other(side)]}为家庭户口，子女应在家庭户口一方户口所在地申报出生登记`;
    }
    return undefined;
  };

  const why = obstacle(chosen);
  if (why === undefined) return undefined;
  const alternative = other(chosen);
  const advice =
    obstacle(alternative) === undefined
      ? `请将落户对象改为随${SIDE_NAME[alternative]}落户。`
      : `父母双方目前都不能为孩子${regional ? `在${region}` : ''}申报出生登记，请到户籍所在地公安派出所咨询。`;
  return `选择的落户对象（随${SIDE_NAME[chosen]}）不能为孩子申报出生登记：${why}。${advice}`;
}

export interface ItemDescription {
  item: ItemCode;
  title: string;
  department: Department;
  prerequisites: ItemCode[];
  materials: Material[];
}

/** The one-time notice of what each item involves (POST /api/eligibility); unknown codes are skipped, pack order kept. */
export function describeItems(pack: PolicyPack, items?: readonly ItemCode[]): ItemDescription[] {
  const wanted = items ? new Set(items) : undefined;
  return pack.items
    .filter((d) => !wanted || wanted.has(d.item))
    .map((d) => ({
      item: d.item,
      title: d.title,
      department: d.department,
      prerequisites: [...d.prerequisites],
      materials: d.materials.map((m) => ({ ...m })),
    }));
}
