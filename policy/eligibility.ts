// Eligibility for the joint service (DESIGN §2). Every unmet condition is reported in one
// answer, the "一次告知" duty, with a message a parent can act on. Pure: `now` and the
// verified facts come in as arguments, so the workflow can re-run the same rules.

import { hasItemConditions, regionNameOf } from './packs.js';
import type {
  Application,
  Department,
  EligibilityCode,
  EligibilityResult,
  HukouInfo,
  HukouRule,
  ItemCode,
  ItemCondition,
  ItemDefinition,
  ItemEligibility,
  ItemsEligibility,
  Material,
  Parent,
  PolicyPack,
  VerifiedFacts,
} from './types.js';
import { shanghaiDate } from './working-days.js';

export interface EligibilityReason {
  code: EligibilityCode;
  message: string;
}

type Side = 'mother' | 'father';
const SIDE_NAME: Record<Side, string> = { mother: '母亲', father: '父亲' };
const other = (side: Side): Side => (side === 'mother' ? 'father' : 'mother');

function shanghaiDay(instant: Date): { y: number; m: number; d: number } {
  const [y, m, d] = shanghaiDate(instant).split('-').map(Number);
  return { y, m, d };
}

/**
 * Completed months of age on `now`'s calendar day in Asia/Shanghai: a month completes on
 * the same day of the month (born 2025-11-23: 12 months on 2026-11-23). A child born on
 * the 29th–31st completes a month only once that day number is reached, so born
 * 2024-02-29 is one year old on 2025-03-01.
 */
export function ageInMonths(bornAt: string, now: Date): number {
  const b = shanghaiDay(new Date(bornAt));
  const n = shanghaiDay(now);
  return (n.y - b.y) * 12 + (n.m - b.m) - (n.d < b.d ? 1 : 0);
}

function ageLimitText(months: number): string {
  return months % 12 === 0 ? `${months / 12}周岁` : `${months}个月`;
}

export function checkEligibility(app: Application, pack: PolicyPack, now: Date, facts?: VerifiedFacts): EligibilityResult {
  const reasons: EligibilityReason[] = [];
  const region = regionNameOf(pack);
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

  const hukouProblem = hukouRuleProblem(pack.hukouRule, pack.divisionPrefix, region, hukou, isLocal);
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
  rule: HukouRule,
  divisionPrefix: string,
  region: string,
  hukou: Record<Side, HukouInfo | null>,
  isLocal: (h: HukouInfo | null) => boolean,
): string | undefined {
  const notLocal = (s: Side) => (hukou[s] === null ? `${SIDE_NAME[s]}无户口` : `${SIDE_NAME[s]}户口不在${region}`);
  switch (rule) {
    case 'none':
      return undefined;
    case 'one_parent_local':
      if (isLocal(hukou.mother) || isLocal(hukou.father)) return undefined;
      return `${region}联办要求父母至少一方为本市户籍（户口所在地代码${divisionPrefix}开头），${notLocal('mother')}，${notLocal('father')}；请到户籍所在地申请，或到各部门分别办理。`;
    case 'both_parents_local_family': {
      const defects = (['mother', 'father'] as const).flatMap((s) => {
        if (!isLocal(hukou[s])) return [notLocal(s)];
        return hukou[s]?.householdType === 'family' ? [] : [`${SIDE_NAME[s]}为集体户口`];
      });
      if (defects.length === 0) return undefined;
      return `${region}联办要求父母双方均为本市家庭户户籍（户口所在地代码${divisionPrefix}开头、家庭户），${defects.join('，')}；请到各部门分别办理相关事项。`;
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

  return chosenParentAdvice(chosen, obstacle, regional ? region : undefined);
}

/**
 * The answer when the chosen parent cannot take the child: why, then what to do, which
 * is to choose the other parent when they can, else to ask the police station (of `place`
 * when the rule is a regional one).
 */
function chosenParentAdvice(chosen: Side, obstacle: (side: Side) => string | undefined, place: string | undefined): string | undefined {
  const why = obstacle(chosen);
  if (why === undefined) return undefined;
  const alternative = other(chosen);
  const advice =
    obstacle(alternative) === undefined
      ? `请将落户对象改为随${SIDE_NAME[alternative]}落户。`
      : `父母双方目前都不能为孩子${place ? `在${place}` : ''}申报出生登记，请到户籍所在地公安派出所咨询。`;
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

// --- eligibility per item ------------------------------------------------------------
// Packs whose items say their `conditions` are judged item by item: an unmarried mother
// in Lanzhou gets the birth certificate (born in a Gansu delivering institution, first
// issuance) even though the hukou registration is closed to her. Packs that say none
// keep the whole-case rules above, for every item alike.

const DEPARTMENT_WINDOW: Record<Department, string> = {
  hospital: '助产机构',
  police: '户籍所在地公安派出所',
  hrss: '人力资源和社会保障部门',
  medical_insurance: '医疗保障经办机构',
  health: '卫生健康部门',
};

/** The facts a condition is judged on: verified ones where the registries answered, else the applicant's claims. */
interface Judged {
  app: Application;
  pack: PolicyPack;
  now: Date;
  facts?: VerifiedFacts;
  parents: Record<Side, Parent | null>;
  hukou: Record<Side, HukouInfo | null>;
  marriage: Application['marriage']['status'];
}

function judged(app: Application, pack: PolicyPack, now: Date, facts?: VerifiedFacts): Judged {
  return {
    app,
    pack,
    now,
    facts,
    parents: { mother: app.mother, father: app.father ?? null },
    hukou: {
      mother: facts?.motherHukou !== undefined ? facts.motherHukou : app.mother.hukou,
      father: facts?.fatherHukou !== undefined ? facts.fatherHukou : (app.father?.hukou ?? null),
    },
    marriage: facts?.marriageStatus ?? app.marriage.status,
  };
}

/** The reason a condition is not met for the item, or undefined when it is. */
function unmet(condition: ItemCondition, def: ItemDefinition, j: Judged): EligibilityReason | undefined {
  const { app, pack } = j;
  const region = regionNameOf(pack);
  const title = `《${def.title}》`;
  const elsewhere = `您可以到${DEPARTMENT_WINDOW[def.department]}单独办理。`;
  switch (condition.rule) {
    case 'born_in_region': {
      const prefix = condition.divisionPrefix ?? pack.divisionPrefix;
      if (app.delivery.divisionCode.startsWith(prefix)) return undefined;
      const area = condition.areaName ?? region;
      return {
        code: 'NOT_BORN_IN_REGION',
        message: `${title}联办仅受理在${area}（行政区划代码${prefix}开头）出生的新生儿，出生地代码为${app.delivery.divisionCode}；请向出生地所在地区申请。`,
      };
    }
    case 'born_at_institution': {
      if (app.delivery.place === 'institution' || condition.takenToInstitution) return undefined;
      const where = app.delivery.place === 'home' ? '在家中' : '在途中';
      return {
        code: 'NOT_BORN_AT_INSTITUTION',
        message: `${title}联办仅受理在助产机构内出生的新生儿，孩子${where}出生；请持接生或分娩情况证明到当地卫生健康部门指定的机构办理。`,
      };
    }
    case 'child_under_age': {
      const months = condition.months ?? pack.ageLimitMonths;
      if (Number.isNaN(Date.parse(app.delivery.bornAt)) || ageInMonths(app.delivery.bornAt, j.now) < months) return undefined;
      return {
        code: 'CHILD_OVER_AGE_LIMIT',
        message: `${title}联办仅适用于未满${ageLimitText(months)}的新生儿，孩子已满${ageLimitText(months)}；${elsewhere}`,
      };
    }
    case 'parents_married':
      if (j.marriage === 'married') return undefined;
      return {
        code: 'PARENTS_NOT_MARRIED',
        message: `${title}联办仅受理婚内生育、父母为已婚状态的家庭（以婚姻登记信息为准）；${elsewhere}`,
      };
    case 'local_hukou': {
      const prefix = condition.divisionPrefix ?? pack.divisionPrefix;
      const isLocal = (h: HukouInfo | null) => h !== null && h.divisionCode.startsWith(prefix);
      const problem = hukouRuleProblem(condition.hukouRule ?? pack.hukouRule, prefix, region, j.hukou, isLocal);
      return problem ? { code: 'HUKOU_NOT_LOCAL', message: `${title}：${problem}` } : undefined;
    }
    case 'registration_parent': {
      const prefix = condition.divisionPrefix ?? pack.divisionPrefix;
      const problem = registrationRuleProblem(app.birthRegistration.followParent, j.parents, j.hukou, prefix, region);
      return problem ? { code: 'NO_ELIGIBLE_REGISTRATION_PARENT', message: problem } : undefined;
    }
    case 'first_issuance':
      if (!j.facts?.birthCertificateAlreadyIssued) return undefined;
      return {
        code: 'BIRTH_CERTIFICATE_ALREADY_ISSUED',
        message: '该新生儿的《出生医学证明》已经签发过；联办只受理首次签发，换发或补发请到原签发机构办理。',
      };
  }
}

/**
 * The registration rules of the Lanzhou text (§三(二)), read with `occupation`: a child is
 * registered where the father's or the mother's permanent (local) hukou is; a married
 * student whose hukou is the school's collective one registers the child in the
 * spouse's family household; when one parent is an active serviceman and the other a
 * civilian, the child goes to the civilian's hukou. Undefined when the chosen parent can take the child.
 */
function registrationRuleProblem(
  chosen: Side,
  parents: Record<Side, Parent | null>,
  hukou: Record<Side, HukouInfo | null>,
  divisionPrefix: string,
  region: string,
): string | undefined {
  const obstacle = (side: Side): string | undefined => {
    const name = SIDE_NAME[side];
    const parent = parents[side];
    const spouse = parents[other(side)];
    const h = hukou[side];
    if (parent === null) return `申请中没有${name}的信息`;
    if (parent.occupation === 'serviceman' && spouse !== null && spouse.occupation !== 'serviceman') {
      return `${name}为现役军人、${SIDE_NAME[other(side)]}为地方居民，子女应在地方居民一方常住户口所在地申报出生登记`;
    }
    if (h === null) return `${name}没有常住户口`;
    if (!h.divisionCode.startsWith(divisionPrefix)) return `${name}户口不在${region}`;
    if (parent.occupation === 'student' && h.householdType === 'collective' && hukou[other(side)]?.householdType === 'family') {
      return `${name}为学生集体户口而${SIDE_NAME[other(side)]}为家庭户口，在校期间所生子女应在${SIDE_NAME[other(side)]}家庭户口所在地申报出生登记`;
    }
    return undefined;
  };
  return chosenParentAdvice(chosen, obstacle, divisionPrefix ? region : undefined);
}

/**
 * The item's materials as this family needs them. A marriage certificate matters only to
 * a married couple, and an e-licence replaces it only when it can be found: through the
 * registry (the workflow, `facts` given: found when `marriageStatus` is), or, for the API,
 * which reaches no registry, through the certificate number the applicant gave.
 */
export function materialsFor(def: ItemDefinition, app: Application, facts?: VerifiedFacts): Material[] {
  const married = (facts?.marriageStatus ?? app.marriage.status) === 'married';
  const findable = facts ? facts.marriageStatus === 'married' : app.marriage.certificateNumber !== undefined;
  return def.materials.flatMap((m): Material[] => {
    if (m.replacedByLicence !== 'marriage_certificate') return [{ ...m }];
    if (!married) return [];
    if (findable) return [{ ...m }];
    return [
      {
        name: m.name,
        note: facts
          ? '婚姻登记信息中未查到父母双方的结婚登记，无法调取电子结婚证，请携带结婚证原件。'
          : '未填写结婚证号，无法调取电子结婚证，请携带结婚证原件（或补填结婚证号）。',
      },
    ];
  });
}

/**
 * The union the notice reports: distinct by code, first message kept, in order of first
 * appearance. PREREQUISITE_INELIGIBLE is left out: it only repeats a reason already there.
 */
function unionOfReasons(items: readonly ItemEligibility[]): EligibilityReason[] {
  const seen = new Map<string, EligibilityReason>();
  for (const it of items) for (const r of it.reasons) if (r.code !== 'PREREQUISITE_INELIGIBLE' && !seen.has(r.code)) seen.set(r.code, r as EligibilityReason);
  return [...seen.values()];
}

/**
 * The one-time notice item by item (POST /api/eligibility), and the workflow's re-check
 * with verified facts. `items` are the requested ones (pack order is kept). An item is
 * eligible when its own conditions hold and every requested prerequisite is eligible; an
 * item after an ineligible one says PREREQUISITE_INELIGIBLE. Packs without per-item
 * conditions give every item the whole-case verdict, exactly as before.
 */
export function assessItems(app: Application, pack: PolicyPack, items: readonly ItemCode[], now: Date, facts?: VerifiedFacts): ItemsEligibility {
  const wanted = new Set(items);
  const defs = pack.items.filter((d) => wanted.has(d.item));
  if (!hasItemConditions(pack)) {
    const whole = checkEligibility(app, pack, now, facts);
    return {
      ...whole,
      items: defs.map((d) => ({ item: d.item, eligible: whole.eligible, reasons: whole.reasons.map((r) => ({ ...r })), materials: materialsFor(d, app, facts) })),
    };
  }
  const j = judged(app, pack, now, facts);
  const verdicts = new Map<ItemCode, ItemEligibility>();
  for (const def of defs) {
    const reasons: EligibilityReason[] = (def.conditions ?? []).flatMap((c) => unmet(c, def, j) ?? []);
    const blocked = def.prerequisites.filter((p) => verdicts.get(p)?.eligible === false);
    if (blocked.length > 0) {
      const names = blocked.map((p) => `《${pack.items.find((d) => d.item === p)?.title ?? p}》`).join('、');
      reasons.push({ code: 'PREREQUISITE_INELIGIBLE', message: `《${def.title}》需先办理${names}，而该事项不符合联办条件，因此本事项也无法联办。` });
    }
    verdicts.set(def.item, { item: def.item, eligible: reasons.length === 0, reasons, materials: materialsFor(def, app, facts) });
  }
  const assessed = [...verdicts.values()];
  return { eligible: assessed.some((v) => v.eligible), reasons: unionOfReasons(assessed), items: assessed };
}
