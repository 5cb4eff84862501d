import { strict as assert } from 'node:assert';
import { applicationSchema, formatZodIssues, makeApplicationSchema } from '../../policy/application.js';
import { makeIdNumber } from '../../policy/id-number.js';
import { shippedCatalogue } from '../../policy/pack-files.js';
import { FATHER_ID, MOTHER_ID, NOW, body } from './fixtures.js';

const schema = makeApplicationSchema(() => NOW, shippedCatalogue().regions());

/** Field paths reported for a body, sorted; [] when it is valid. */
function failingPaths(input: unknown): string[] {
  const r = schema.safeParse(input);
  return r.success ? [] : formatZodIssues(r.error).map((i) => i.path).sort();
}

function tweak(change: (b: any) => void): any {
  const b = body();
  change(b);
  return b;
}

const BAD_CHECK = MOTHER_ID.slice(0, 17) + (MOTHER_ID[17] === '0' ? '1' : '0');

describe('application schema', () => {
  it('accepts the fixture application and keeps its content', () => {
    const r = schema.safeParse(body());
    assert.ok(r.success, JSON.stringify(!r.success && formatZodIssues(r.error)));
    assert.equal(r.data.mother.idNumber, MOTHER_ID);
    assert.equal(r.data.delivery.divisionCode, '620102');
  });

  it('uses the real clock by default', () => {
    assert.ok(applicationSchema.safeParse(body()).success);
  });

  describe('one failing field at a time', () => {
    const cases: [string, (b: any) => void, string[]][] = [
      ['unknown region', (b) => (b.region = 'beijing'), ['region']],
      ['missing region', (b) => delete b.region, ['region']],
      ['empty items', (b) => (b.items = []), ['items']],
      ['unknown item', (b) => (b.items = ['birth_certificate', 'passport']), ['items.1']],
      ['duplicate item', (b) => (b.items = ['birth_certificate', 'birth_certificate']), ['items.1']],
      ['5-digit delivery division code', (b) => (b.delivery.divisionCode = '62010'), ['delivery.divisionCode']],
      ['7-digit delivery division code', (b) => (b.delivery.divisionCode = '6201021'), ['delivery.divisionCode']],
      ['non-digit delivery division code', (b) => (b.delivery.divisionCode = '62010A'), ['delivery.divisionCode']],
      ['numeric delivery division code', (b) => (b.delivery.divisionCode = 620102), ['delivery.divisionCode']],
      ['5-digit hukou division code', (b) => (b.mother.hukou.divisionCode = '62010'), ['mother.hukou.divisionCode']],
      ['unknown household type', (b) => (b.father.hukou.householdType = 'shared'), ['father.hukou.householdType']],
      ['bornAt in the future', (b) => (b.delivery.bornAt = '2026-12-01T12:00:01+08:00'), ['delivery.bornAt']],
      ['bornAt without offset', (b) => (b.delivery.bornAt = '2026-11-20T08:30:00'), ['delivery.bornAt']],
      ['bornAt as a date only', (b) => (b.delivery.bornAt = '2026-11-20'), ['delivery.bornAt']],
      ['bornAt on 30 February', (b) => (b.delivery.bornAt = '2026-02-30T08:30:00+08:00'), ['delivery.bornAt']],
      ['weight below 300 g', (b) => (b.delivery.weightGrams = 299), ['delivery.weightGrams']],
      ['weight above 8000 g', (b) => (b.delivery.weightGrams = 8001), ['delivery.weightGrams']],
      ['fractional weight', (b) => (b.delivery.weightGrams = 3200.5), ['delivery.weightGrams']],
      ['gestation below 20 weeks', (b) => (b.delivery.gestationWeeks = 19), ['delivery.gestationWeeks']],
      ['gestation above 45 weeks', (b) => (b.delivery.gestationWeeks = 46), ['delivery.gestationWeeks']],
      ['unknown place', (b) => (b.delivery.place = 'taxi'), ['delivery.place']],
      ['empty child name', (b) => (b.child.name = '  '), ['child.name']],
      ['mother ID with a wrong check digit', (b) => ((b.mother.idNumber = BAD_CHECK), (b.applicant.relation = 'guardian')), ['mother.idNumber']],
      ['father ID of 17 characters', (b) => (b.father.idNumber = FATHER_ID.slice(0, 17)), ['father.idNumber']],
      ['applicant ID with a wrong check digit', (b) => ((b.applicant.idNumber = BAD_CHECK), (b.applicant.relation = 'guardian')), ['applicant.idNumber']],
      ['applicant phone of 10 digits', (b) => (b.applicant.phone = '1380000000'), ['applicant.phone']],
      ['applicant phone starting 12', (b) => (b.applicant.phone = '12800000000'), ['applicant.phone']],
      ['landline as parent phone', (b) => (b.mother.phone = '09318408072'), ['mother.phone']],
      ['married without father', (b) => ((b.birthRegistration.followParent = 'mother'), delete b.father), ['father']],
      ['married with father null, following him', (b) => (b.father = null), ['birthRegistration.followParent', 'father']],
      ['applicant mother with another ID', (b) => (b.applicant.idNumber = FATHER_ID), ['applicant.idNumber']],
      ['applicant father with the mother\'s ID', (b) => (b.applicant.relation = 'father'), ['applicant.idNumber']],
      ['father with the mother\'s ID', (b) => (b.father.idNumber = MOTHER_ID), ['father.idNumber']],
      [
        'unmarried, following a father who is not given',
        (b) => ((b.marriage.status = 'unmarried'), delete b.father),
        ['birthRegistration.followParent'],
      ],
      [
        'unmarried, applicant father who is not given',
        (b) => ((b.marriage.status = 'unmarried'), delete b.father, (b.applicant.relation = 'father'), (b.birthRegistration.followParent = 'mother')),
        ['father'],
      ],
      ['unknown marriage status', (b) => (b.marriage.status = 'engaged'), ['marriage.status']],
      ['EMS without address', (b) => delete b.logistics.address, ['logistics.address']],
      ['bank account with letters', (b) => (b.maternityBenefit = { bankName: '工商银行', bankAccount: 'ABC' }), ['maternityBenefit.bankAccount']],
    ];
    for (const [name, change, paths] of cases) {
      it(`reports ${paths.join(', ')} for ${name}`, () => assert.deepEqual(failingPaths(tweak(change)), paths.sort()));
    }
  });

  describe('accepted variations', () => {
    const cases: [string, (b: any) => void][] = [
      ['unmarried mother alone, following the mother', (b) => ((b.marriage.status = 'unmarried'), delete b.father, (b.birthRegistration.followParent = 'mother'))],
      ['a guardian applying with their own ID', (b) => ((b.applicant.relation = 'guardian'), (b.applicant.idNumber = makeIdNumber('620102', '19700101', '011')))],
      ['the father applying', (b) => ((b.applicant.relation = 'father'), (b.applicant.idNumber = FATHER_ID))],
      ['bornAt exactly now', (b) => (b.delivery.bornAt = NOW.toISOString())],
      ['bornAt in UTC', (b) => (b.delivery.bornAt = '2026-11-20T00:30:00Z')],
      ['a parent without hukou (null)', (b) => (b.father.hukou = null)],
      ['boundary weight and gestation', (b) => ((b.delivery.weightGrams = 300), (b.delivery.gestationWeeks = 45))],
      ['requested items', (b) => (b.items = ['birth_certificate', 'hukou_registration'])],
      ['pickup without address', (b) => (b.logistics = { method: 'pickup' })],
      ['no optional sections', (b) => (delete b.logistics, delete b.socialSecurityCard, delete b.maternityBenefit)],
    ];
    for (const [name, change] of cases) it(`accepts ${name}`, () => assert.deepEqual(failingPaths(tweak(change)), []));

    it('treats an omitted hukou as none', () => {
      const r = schema.parse(tweak((b) => delete b.father.hukou));
      assert.equal(r.father?.hukou, null);
    });

    it('upper-cases a trailing x and trims the ID number', () => {
      const withX = Array.from({ length: 100 }, (_, seq) => makeIdNumber('310104', '19900101', seq)).find((n) => n.endsWith('X'));
      assert.ok(withX);
      const r = schema.parse(tweak((b) => (b.father.idNumber = ` ${withX!.toLowerCase()} `)));
      assert.equal(r.father?.idNumber, withX);
    });
  });

  describe('reporting every failing field at once (一次告知)', () => {
    it('lists a bad ID, a missing father, a bad division code and a future birth together', () => {
      const b = tweak((b) => {
        b.mother.idNumber = BAD_CHECK;
        b.applicant.relation = 'guardian';
        delete b.father;
        b.delivery.divisionCode = '6201';
        b.delivery.bornAt = '2027-01-01T00:00:00+08:00';
      });
      assert.deepEqual(failingPaths(b), ['birthRegistration.followParent', 'delivery.bornAt', 'delivery.divisionCode', 'father', 'mother.idNumber']);
    });

    it('still runs the cross-field rules when a field has the wrong type', () => {
      const b = tweak((b) => {
        b.mother.idNumber = BAD_CHECK;
        b.delivery.weightGrams = 'heavy';
        delete b.child;
        delete b.father;
        b.birthRegistration.followParent = 'father';
        b.applicant.relation = 'father';
      });
      assert.deepEqual(failingPaths(b), [
        'birthRegistration.followParent',
        'child',
        'delivery.weightGrams',
        'father',
        'mother.idNumber',
      ]);
    });

    it('reports a body that is not an object without throwing', () => {
      for (const input of [null, 'text', 42, []]) assert.deepEqual(failingPaths(input), ['']);
    });

    it('never echoes an ID number in a message', () => {
      const b = tweak((b) => {
        b.mother.idNumber = BAD_CHECK;
        b.applicant.idNumber = FATHER_ID;
        b.father.idNumber = FATHER_ID.slice(0, 17) + 'Y';
      });
      const r = schema.safeParse(b);
      assert.ok(!r.success);
      const text = JSON.stringify(formatZodIssues(r.error));
      for (const id of [BAD_CHECK, FATHER_ID, MOTHER_ID, FATHER_ID.slice(0, 17)]) assert.ok(!text.includes(id), text);
    });
  });

  describe('formatZodIssues', () => {
    it('joins paths with dots, array indices as numbers', () => {
      const r = schema.safeParse(tweak((b) => ((b.items = ['birth_certificate', 'nope']), (b.mother.hukou.divisionCode = 'x'))));
      assert.ok(!r.success);
      const issues = formatZodIssues(r.error);
      assert.deepEqual(issues.map((i) => i.path).sort(), ['items.1', 'mother.hukou.divisionCode']);
      for (const i of issues) assert.ok(typeof i.message === 'string' && i.message.length > 0);
    });
  });
});
