import { strict as assert } from 'node:assert';
import { matchDelivery } from '../../policy/delivery.js';
import { assessItems, materialsFor } from '../../policy/eligibility.js';
import { shippedCatalogue } from '../../policy/pack-files.js';
import { hasItemConditions, itemDefinition, itemsOf } from '../../policy/packs.js';
import type { Application, ItemCode, Region, VerifiedFacts } from '../../policy/types.js';
import { DIVISION, FATHER_ID, MOTHER_ID, NOW, collective, family, validApplication } from './fixtures.js';

// Eligibility item by item (packs 2026.2): conditions belong to items, an item after an
// ineligible one is ineligible too, and the notice tells each family what to bring.

const CHINESE = /[\u4e00-\u9fff]/;
const pack = (region: Region) => shippedCatalogue().find(region, '2026.2')!;

function assess(app: Application, facts?: VerifiedFacts, items: readonly ItemCode[] = itemsOf(pack(app.region))) {
  const result = assessItems(app, pack(app.region), items, NOW, facts);
  for (const it of result.items) {
    assert.equal(it.eligible, it.reasons.length === 0, it.item);
    for (const r of it.reasons) {
      assert.ok(CHINESE.test(r.message), `${r.code} in Chinese`);
      assert.ok(!r.message.includes(MOTHER_ID) && !r.message.includes(FATHER_ID), 'no ID number in a message');
    }
  }
  assert.equal(result.eligible, result.items.some((i) => i.eligible));
  return result;
}

/** item → the codes of its reasons (empty when eligible). */
function verdicts(app: Application, facts?: VerifiedFacts, items?: readonly ItemCode[]): Record<string, string[]> {
  return Object.fromEntries(assess(app, facts, items).items.map((i) => [i.item, i.reasons.map((r) => r.code)]));
}

function app(region: Region, change: (a: Application) => void = () => {}): Application {
  const a = validApplication(region);
  change(a);
  return a;
}

const unmarriedMother = (a: Application) => {
  a.marriage = { status: 'unmarried' };
  a.father = null;
  a.birthRegistration.followParent = 'mother';
};

describe('eligibility per item', () => {
  it('the shipped 2026.2 packs say conditions for every item, the earlier ones for none', () => {
    for (const region of ['national', 'lanzhou', 'shanghai'] as const) {
      assert.ok(hasItemConditions(pack(region)));
      assert.ok(pack(region).items.every((d) => Array.isArray(d.conditions)));
      assert.ok(!hasItemConditions(shippedCatalogue().find(region, '2024.1')!));
      assert.ok(!hasItemConditions(shippedCatalogue().find(region, '2026.1')!));
    }
  });

  for (const region of ['national', 'lanzhou', 'shanghai'] as const) {
    it(`${region}: the fixture family is eligible for every item`, () => {
      const result = assess(app(region));
      assert.ok(result.items.every((i) => i.eligible));
      assert.deepEqual(result.reasons, []);
    });
  }

  describe('Lanzhou (seed 002 §三)', () => {
    it('gives an unmarried mother the birth certificate and what follows it, not the hukou registration and what follows that', () => {
      assert.deepEqual(verdicts(app('lanzhou', unmarriedMother)), {
        birth_certificate: [],
        vaccination_certificate: [],
        hukou_registration: ['PARENTS_NOT_MARRIED'],
        medical_insurance_enrollment: ['PREREQUISITE_INELIGIBLE'],
        social_security_card: ['PREREQUISITE_INELIGIBLE'],
        maternity_expense_reimbursement: [],
        parenting_guidance_registration: [],
      });
    });

    it('reports the union of the reasons, without the derived PREREQUISITE_INELIGIBLE', () => {
      const result = assess(app('lanzhou', unmarriedMother));
      assert.deepEqual(result.reasons.map((r) => r.code), ['PARENTS_NOT_MARRIED']);
      const cancelled = result.items.find((i) => i.item === 'social_security_card')!;
      assert.match(cancelled.reasons[0].message, /出生登记（申报户口）/);
    });

    it('issues the birth certificate for a birth anywhere in Gansu, registers hukou only for a birth in Lanzhou', () => {
      const jiayuguan = app('lanzhou', (a) => (a.delivery.divisionCode = '620201'));
      const v = verdicts(jiayuguan);
      assert.deepEqual(v.birth_certificate, []);
      assert.deepEqual(v.hukou_registration, ['NOT_BORN_IN_REGION']);
      const beijing = verdicts(app('lanzhou', (a) => (a.delivery.divisionCode = DIVISION.beijing)));
      assert.deepEqual(beijing.birth_certificate, ['NOT_BORN_IN_REGION']);
      const message = assess(app('lanzhou', (a) => (a.delivery.divisionCode = DIVISION.beijing))).items[0].reasons[0].message;
      assert.match(message, /甘肃省（行政区划代码62开头）/);
    });

    it('issues the birth certificate only for a birth at a delivering institution (home births are not taken in)', () => {
      const home = verdicts(app('lanzhou', (a) => (a.delivery.place = 'home')));
      assert.deepEqual(home.birth_certificate, ['NOT_BORN_AT_INSTITUTION']);
      assert.deepEqual(home.vaccination_certificate, ['NOT_BORN_AT_INSTITUTION']);
      assert.deepEqual(home.hukou_registration, ['PREREQUISITE_INELIGIBLE']);
    });

    it('first issuance only: a birth certificate issued before rules out the item and those after it', () => {
      const v = verdicts(app('lanzhou'), { birthCertificateAlreadyIssued: true });
      assert.deepEqual(v.birth_certificate, ['BIRTH_CERTIFICATE_ALREADY_ISSUED']);
      assert.deepEqual(v.hukou_registration, ['PREREQUISITE_INELIGIBLE']);
      assert.deepEqual(v.vaccination_certificate, []);
    });

    it('conditions the hukou registration on marriage, local hukou, age and the registration rules, all at once', () => {
      const a = app('lanzhou', (a) => {
        a.delivery.bornAt = '2025-06-01T08:00:00+08:00';
        a.marriage.status = 'divorced';
        a.mother.hukou = family(DIVISION.beijing);
        a.father!.hukou = null;
      });
      assert.deepEqual(verdicts(a).hukou_registration, ['CHILD_OVER_AGE_LIMIT', 'PARENTS_NOT_MARRIED', 'HUKOU_NOT_LOCAL', 'NO_ELIGIBLE_REGISTRATION_PARENT']);
      assert.deepEqual(verdicts(a).birth_certificate, [], 'none of it concerns the birth certificate');
    });

    it('the registry wins over the claim: a couple it does not know as married is not', () => {
      assert.deepEqual(verdicts(app('lanzhou'), { birthCertificateAlreadyIssued: false, marriageStatus: 'unmarried' }).hukou_registration, ['PARENTS_NOT_MARRIED']);
      const claimedUnmarried = app('lanzhou', (a) => (a.marriage.status = 'unmarried'));
      assert.deepEqual(verdicts(claimedUnmarried, { birthCertificateAlreadyIssued: false, marriageStatus: 'married' }).hukou_registration, []);
    });

    describe('registration rules of §三(二), read with occupation', () => {
      const LZ = DIVISION.lanzhou;
      const cases: [string, (a: Application) => void, boolean][] = [
        ['a student mother with the school’s collective hukou, the father a family one: refused', (a) => ((a.mother.occupation = 'student'), (a.mother.hukou = collective(LZ)), (a.birthRegistration.followParent = 'mother')), true],
        ['the same couple, following the father’s family household: accepted', (a) => ((a.mother.occupation = 'student'), (a.mother.hukou = collective(LZ))), false],
        ['a collective hukou of a working mother (no student): accepted', (a) => ((a.mother.hukou = collective(LZ)), (a.birthRegistration.followParent = 'mother')), false],
        ['a serviceman father with a local hukou, the mother a civilian: refused', (a) => (a.father!.occupation = 'serviceman'), true],
        ['following the civilian mother of a serviceman: accepted', (a) => ((a.father!.occupation = 'serviceman'), (a.father!.hukou = null), (a.birthRegistration.followParent = 'mother')), false],
        ['two servicemen: the hukou decides', (a) => ((a.father!.occupation = 'serviceman'), (a.mother.occupation = 'serviceman')), false],
        ['a father without hukou: refused', (a) => (a.father!.hukou = null), true],
      ];
      for (const [name, change, refused] of cases) {
        it(name, () => assert.equal(verdicts(app('lanzhou', change)).hukou_registration.includes('NO_ELIGIBLE_REGISTRATION_PARENT'), refused));
      }
      it('says where the child goes', () => {
        const serviceman = assess(app('lanzhou', (a) => (a.father!.occupation = 'serviceman'))).items.find((i) => i.item === 'hukou_registration')!;
        assert.match(serviceman.reasons[0].message, /现役军人/);
        assert.match(serviceman.reasons[0].message, /随母亲落户/);
        const student = assess(app('lanzhou', (a) => ((a.mother.occupation = 'student'), (a.mother.hukou = collective(LZ)), (a.birthRegistration.followParent = 'mother')))).items.find((i) => i.item === 'hukou_registration')!;
        assert.match(student.reasons[0].message, /学生集体户口/);
        assert.match(student.reasons[0].message, /随父亲落户/);
      });
    });
  });

  describe('Shanghai (seed 003)', () => {
    it('takes in a birth at home or on the way when the child was taken to a delivering institution', () => {
      for (const place of ['home', 'en_route'] as const) {
        assert.ok(assess(app('shanghai', (a) => (a.delivery.place = place))).items.every((i) => i.eligible), place);
      }
    });
    it('asks of the child’s and the mother’s first items what the seed asks of the whole service', () => {
      const v = verdicts(app('shanghai', (a) => (a.father!.hukou = collective(DIVISION.shanghai))));
      for (const root of ['birth_certificate', 'vaccination_certificate', 'maternity_medical_certificate']) assert.deepEqual(v[root], ['HUKOU_NOT_LOCAL'], root);
      for (const after of ['hukou_registration', 'family_planning_review', 'maternity_insurance_benefit']) assert.deepEqual(v[after], ['PREREQUISITE_INELIGIBLE'], after);
      assert.equal(assess(app('shanghai', (a) => (a.father!.hukou = collective(DIVISION.shanghai)))).eligible, false, 'nothing left: the API answers 422');
    });
  });

  it('judges only the items requested, and keeps the whole-case verdict for a pack without per-item conditions', () => {
    assert.deepEqual(Object.keys(verdicts(app('lanzhou', unmarriedMother), undefined, ['birth_certificate', 'parenting_guidance_registration'])), ['birth_certificate', 'parenting_guidance_registration']);
    const old = shippedCatalogue().find('lanzhou', '2024.1')!;
    const result = assessItems(app('lanzhou', unmarriedMother), old, itemsOf(old), NOW);
    assert.equal(result.eligible, false);
    assert.ok(result.items.every((i) => !i.eligible && i.reasons.map((r) => r.code).join() === 'PARENTS_NOT_MARRIED'));
  });

  describe('materials tailored to the family', () => {
    const hukou = itemDefinition(pack('lanzhou'), 'hukou_registration')!;
    const certificate = (materials: { name: string; replacedByLicence?: string; note?: string }[]) => materials.find((m) => m.name === '结婚证');

    it('a married couple who gave the certificate number: the e-licence replaces it', () => {
      assert.equal(certificate(materialsFor(hukou, app('lanzhou')))?.replacedByLicence, 'marriage_certificate');
    });
    it('no number given (the API reaches no registry): bring the certificate', () => {
      const m = certificate(materialsFor(hukou, app('lanzhou', (a) => (a.marriage = { status: 'married' }))));
      assert.equal(m?.replacedByLicence, undefined);
      assert.match(m!.note!, /结婚证原件/);
    });
    it('the registry did not find the marriage (the workflow’s facts): bring the certificate', () => {
      const m = certificate(materialsFor(hukou, app('lanzhou'), { birthCertificateAlreadyIssued: false }));
      assert.equal(m?.replacedByLicence, undefined);
      assert.match(m!.note!, /未查到/);
      assert.equal(certificate(materialsFor(hukou, app('lanzhou'), { birthCertificateAlreadyIssued: false, marriageStatus: 'married' }))?.replacedByLicence, 'marriage_certificate');
    });
    it('not married: no marriage certificate at all', () => {
      const birth = itemDefinition(pack('lanzhou'), 'birth_certificate')!;
      assert.equal(certificate(materialsFor(birth, app('lanzhou', unmarriedMother))), undefined);
      assert.ok(materialsFor(birth, app('lanzhou', unmarriedMother)).length > 0);
    });
  });

  describe('the delivering institution’s record', () => {
    const bornAt = '2026-11-20T08:30:00+08:00';
    it('matches a record within the tolerance, whatever the offset it is written in', () => {
      assert.equal(matchDelivery([{ bornAt: '2026-11-20T00:40:00Z' }], bornAt), 'matched');
    });
    it('is a mismatch when the only record is hours away (a typo), and not found without one', () => {
      assert.equal(matchDelivery([{ bornAt: '2026-11-20T18:30:00+08:00' }], bornAt), 'mismatch');
      assert.equal(matchDelivery([], bornAt), 'not_found');
    });
  });
});
