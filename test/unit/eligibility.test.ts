import { strict as assert } from 'node:assert';
import { ageInMonths, checkEligibility, describeItems } from '../../policy/eligibility.js';
import { shippedCatalogue } from '../../policy/pack-files.js';
import { itemsOf } from '../../policy/packs.js';
import { ELIGIBILITY_CODES, type Application, type Region, type VerifiedFacts } from '../../policy/types.js';
import { DIVISION, FATHER_ID, MOTHER_ID, NOW, collective, family, validApplication } from './fixtures.js';

const CHINESE = /[\u4e00-\u9fff]/;
// The whole-case rules are those of packs whose items say no conditions: the 2024.1 versions.
const currentPack = (region: Region) => shippedCatalogue().find(region, '2024.1')!;

function codes(app: Application, region: Region = app.region, now = NOW, facts?: VerifiedFacts): string[] {
  const result = checkEligibility(app, currentPack(region), now, facts);
  assert.equal(result.eligible, result.reasons.length === 0);
  for (const r of result.reasons) {
    assert.ok(CHINESE.test(r.message), `${r.code} message is Chinese`);
    assert.ok(!r.message.includes(MOTHER_ID) && !r.message.includes(FATHER_ID), 'no ID number in a message');
  }
  return result.reasons.map((r) => r.code);
}

function reason(app: Application, code: string, facts?: VerifiedFacts): string {
  const found = checkEligibility(app, currentPack(app.region), NOW, facts).reasons.find((r) => r.code === code);
  assert.ok(found, `expected ${code}`);
  return found.message;
}

function app(region: Region, change: (a: Application) => void = () => {}): Application {
  const a = validApplication(region);
  change(a);
  return a;
}

describe('eligibility', () => {
  describe('baseline', () => {
    for (const region of ['national', 'lanzhou', 'shanghai'] as const) {
      it(`${region}: the fixture family is eligible`, () => assert.deepEqual(codes(app(region)), []));
    }
  });

  describe('CHILD_OVER_AGE_LIMIT (calendar dates in Asia/Shanghai)', () => {
    const cases: [string, string, string, boolean][] = [
      ['the day before the first birthday', '2025-11-23T10:00:00+08:00', '2026-11-22T12:00:00+08:00', false],
      ['on the first birthday', '2025-11-23T10:00:00+08:00', '2026-11-23T09:00:00+08:00', true],
      ['Shanghai midnight is the birthday even though UTC is still the day before', '2025-11-23T00:30:00+08:00', '2026-11-22T16:00:00Z', true],
      ['one second before Shanghai midnight', '2025-11-23T00:30:00+08:00', '2026-11-22T15:59:59Z', false],
      ['birth time given in UTC, Shanghai date is the next day', '2025-11-22T16:30:00Z', '2026-11-22T12:00:00+08:00', false],
      ['a birth time given in UTC on the birthday', '2025-11-22T16:30:00Z', '2026-11-23T00:00:00+08:00', true],
      ['born 29 February, 28 February next year', '2024-02-29T12:00:00+08:00', '2025-02-28T12:00:00+08:00', false],
      ['born 29 February, 1 March next year', '2024-02-29T12:00:00+08:00', '2025-03-01T00:00:00+08:00', true],
      ['a newborn', '2026-11-20T08:30:00+08:00', '2026-11-20T09:00:00+08:00', false],
      ['two years old', '2024-11-20T08:30:00+08:00', '2026-11-20T09:00:00+08:00', true],
    ];
    for (const [name, bornAt, now, over] of cases) {
      it(`${over ? 'refuses' : 'accepts'} ${name}`, () => {
        const a = app('lanzhou', (a) => (a.delivery.bornAt = bornAt));
        assert.equal(codes(a, 'lanzhou', new Date(now)).includes('CHILD_OVER_AGE_LIMIT'), over);
      });
    }
    it('counts completed months', () => {
      assert.equal(ageInMonths('2026-01-31T08:00:00+08:00', new Date('2026-02-28T08:00:00+08:00')), 0);
      assert.equal(ageInMonths('2026-01-31T08:00:00+08:00', new Date('2026-03-01T08:00:00+08:00')), 1);
      assert.equal(ageInMonths('2025-11-23T08:00:00+08:00', new Date('2026-11-23T08:00:00+08:00')), 12);
    });
    it('tells the parent the limit', () => {
      const a = app('lanzhou', (a) => (a.delivery.bornAt = '2025-01-01T08:00:00+08:00'));
      assert.match(reason(a, 'CHILD_OVER_AGE_LIMIT'), /1周岁/);
    });
  });

  describe('NOT_BORN_IN_REGION', () => {
    const cases: [Region, string, boolean][] = [
      ['lanzhou', '620102', false],
      ['lanzhou', '620201', true], // 嘉峪关: Gansu but not Lanzhou
      ['lanzhou', DIVISION.shanghai, true],
      ['shanghai', '310115', false],
      ['shanghai', DIVISION.lanzhou, true],
      ['national', DIVISION.beijing, false],
    ];
    for (const [region, division, refused] of cases) {
      it(`${region}: born in ${division} is ${refused ? 'refused' : 'accepted'}`, () => {
        const a = app(region, (a) => (a.delivery.divisionCode = division));
        assert.equal(codes(a).includes('NOT_BORN_IN_REGION'), refused);
      });
    }
    it('names the region', () => {
      assert.match(reason(app('lanzhou', (a) => (a.delivery.divisionCode = '310104')), 'NOT_BORN_IN_REGION'), /兰州市/);
      assert.match(reason(app('shanghai', (a) => (a.delivery.divisionCode = '620102')), 'NOT_BORN_IN_REGION'), /上海市/);
    });
  });

  describe('PARENTS_NOT_MARRIED', () => {
    const cases: [string, Application['marriage']['status'], VerifiedFacts['marriageStatus'], boolean][] = [
      ['married', 'married', undefined, false],
      ['unmarried', 'unmarried', undefined, true],
      ['divorced', 'divorced', undefined, true],
      ['widowed', 'widowed', undefined, true],
      ['claimed married, registry says divorced', 'married', 'divorced', true],
      ['claimed unmarried, registry says married', 'unmarried', 'married', false],
    ];
    for (const [name, claimed, verified, refused] of cases) {
      it(`${refused ? 'refuses' : 'accepts'} ${name}`, () => {
        const a = app('national', (a) => (a.marriage.status = claimed));
        const facts = verified ? { birthCertificateAlreadyIssued: false, marriageStatus: verified } : undefined;
        assert.equal(codes(a, 'national', NOW, facts).includes('PARENTS_NOT_MARRIED'), refused);
      });
    }
    it('an unmarried mother without father gets the notice and the item-by-item route', () => {
      const a = app('national', (a) => {
        a.marriage.status = 'unmarried';
        a.father = null;
        a.birthRegistration.followParent = 'mother';
      });
      assert.deepEqual(codes(a), ['PARENTS_NOT_MARRIED']);
      const message = reason(a, 'PARENTS_NOT_MARRIED');
      assert.match(message, /已婚/);
      assert.match(message, /逐项/);
    });
  });

  describe('HUKOU_NOT_LOCAL', () => {
    const LZ = DIVISION.lanzhou;
    const SH = DIVISION.shanghai;
    const BJ = DIVISION.beijing;
    const cases: [string, Region, Application['mother']['hukou'], Application['mother']['hukou'], boolean][] = [
      ['lanzhou: both local', 'lanzhou', family(LZ), family(LZ), false],
      ['lanzhou: only the mother local', 'lanzhou', family(LZ), family(BJ), false],
      ['lanzhou: only the father local, collective', 'lanzhou', family(BJ), collective(LZ), false],
      ['lanzhou: neither local', 'lanzhou', family(BJ), family('620201'), true],
      ['lanzhou: mother elsewhere, father without hukou', 'lanzhou', family(BJ), null, true],
      ['shanghai: both local family', 'shanghai', family(SH), family('310115'), false],
      ['shanghai: father collective', 'shanghai', family(SH), collective(SH), true],
      ['shanghai: mother not local', 'shanghai', family(BJ), family(SH), true],
      ['shanghai: father without hukou', 'shanghai', family(SH), null, true],
      ['national: neither with a local hukou anywhere in particular', 'national', family(BJ), collective(SH), false],
      ['national: nobody with hukou', 'national', null, null, false],
    ];
    for (const [name, region, mother, father, refused] of cases) {
      it(`${refused ? 'refuses' : 'accepts'} ${name}`, () => {
        const a = app(region, (a) => ((a.mother.hukou = mother), (a.father!.hukou = father)));
        assert.equal(codes(a).includes('HUKOU_NOT_LOCAL'), refused);
      });
    }
    it('shanghai says which parent fails and why', () => {
      const a = app('shanghai', (a) => ((a.mother.hukou = family(BJ)), (a.father!.hukou = collective(SH))));
      const message = reason(a, 'HUKOU_NOT_LOCAL');
      assert.match(message, /母亲户口不在上海市/);
      assert.match(message, /父亲为集体户口/);
    });
    it('verified hukou overrides the claimed one', () => {
      const a = app('lanzhou');
      const facts: VerifiedFacts = { birthCertificateAlreadyIssued: false, motherHukou: family(BJ), fatherHukou: null };
      assert.ok(codes(a, 'lanzhou', NOW, facts).includes('HUKOU_NOT_LOCAL'));
      const claimedOutside = app('lanzhou', (a) => (a.mother.hukou = family(BJ)));
      const verifiedLocal: VerifiedFacts = { birthCertificateAlreadyIssued: false, motherHukou: family(LZ) };
      assert.ok(!codes(claimedOutside, 'lanzhou', NOW, verifiedLocal).includes('HUKOU_NOT_LOCAL'));
    });
  });

  describe('NO_ELIGIBLE_REGISTRATION_PARENT', () => {
    const LZ = DIVISION.lanzhou;
    const BJ = DIVISION.beijing;
    type Case = [string, Region, (a: Application) => void, boolean];
    const cases: Case[] = [
      ['following a local father', 'lanzhou', () => {}, false],
      [
        'following a student mother with a collective hukou while the father has a family one',
        'lanzhou',
        (a) => ((a.mother.occupation = 'student'), (a.mother.hukou = collective(LZ)), (a.birthRegistration.followParent = 'mother')),
        true,
      ],
      [
        'following the family-hukou father of a student mother',
        'lanzhou',
        (a) => ((a.mother.occupation = 'student'), (a.mother.hukou = collective(LZ))),
        false,
      ],
      ['following a collective hukou when both are collective', 'lanzhou', (a) => ((a.mother.hukou = collective(LZ)), (a.father!.hukou = collective(LZ))), false],
      ['following a serviceman father without hukou', 'lanzhou', (a) => ((a.father!.occupation = 'serviceman'), (a.father!.hukou = null)), true],
      [
        'following the civilian mother of a serviceman',
        'lanzhou',
        (a) => ((a.father!.occupation = 'serviceman'), (a.father!.hukou = null), (a.birthRegistration.followParent = 'mother')),
        false,
      ],
      ['following a father whose hukou is outside Lanzhou', 'lanzhou', (a) => (a.father!.hukou = family(BJ)), true],
      ['following a local mother when the father is from elsewhere', 'lanzhou', (a) => ((a.father!.hukou = family(BJ)), (a.birthRegistration.followParent = 'mother')), false],
      ['national: following a father with hukou anywhere', 'national', (a) => (a.father!.hukou = family(BJ)), false],
      ['national: following a father without hukou', 'national', (a) => (a.father!.hukou = null), true],
      ['following a father who is not in the application', 'national', (a) => ((a.marriage.status = 'unmarried'), (a.father = null)), true],
    ];
    for (const [name, region, change, refused] of cases) {
      it(`${refused ? 'refuses' : 'accepts'} ${name}`, () => {
        assert.equal(codes(app(region, change)).includes('NO_ELIGIBLE_REGISTRATION_PARENT'), refused);
      });
    }

    it('sends a student\'s child to the spouse\'s family household', () => {
      const a = app('lanzhou', (a) => ((a.mother.occupation = 'student'), (a.mother.hukou = collective(LZ)), (a.birthRegistration.followParent = 'mother')));
      const message = reason(a, 'NO_ELIGIBLE_REGISTRATION_PARENT');
      assert.match(message, /集体户口/);
      assert.match(message, /随父亲落户/);
    });
    it('sends a serviceman\'s child to the civilian parent', () => {
      const a = app('lanzhou', (a) => ((a.father!.occupation = 'serviceman'), (a.father!.hukou = null)));
      const message = reason(a, 'NO_ELIGIBLE_REGISTRATION_PARENT');
      assert.match(message, /现役军人/);
      assert.match(message, /随母亲落户/);
    });
    it('says so when neither parent can take the child', () => {
      const a = app('lanzhou', (a) => ((a.mother.hukou = family(BJ)), (a.father!.hukou = null)));
      assert.match(reason(a, 'NO_ELIGIBLE_REGISTRATION_PARENT'), /父母双方/);
    });
    it('uses the verified hukou', () => {
      const facts: VerifiedFacts = { birthCertificateAlreadyIssued: false, fatherHukou: null };
      assert.ok(codes(app('national'), 'national', NOW, facts).includes('NO_ELIGIBLE_REGISTRATION_PARENT'));
    });
  });

  describe('BIRTH_CERTIFICATE_ALREADY_ISSUED', () => {
    it('refuses when the licence store already holds a birth medical certificate', () => {
      assert.deepEqual(codes(app('national'), 'national', NOW, { birthCertificateAlreadyIssued: true }), ['BIRTH_CERTIFICATE_ALREADY_ISSUED']);
      assert.match(reason(app('national'), 'BIRTH_CERTIFICATE_ALREADY_ISSUED', { birthCertificateAlreadyIssued: true }), /首次/);
    });
    it('accepts when it does not', () => {
      assert.deepEqual(codes(app('national'), 'national', NOW, { birthCertificateAlreadyIssued: false }), []);
    });
  });

  describe('every unmet condition at once (一次告知)', () => {
    it('reports all six reasons together, in a stable order', () => {
      const a = app('shanghai', (a) => {
        a.delivery.bornAt = '2025-06-01T08:00:00+08:00';
        a.delivery.divisionCode = DIVISION.lanzhou;
        a.marriage.status = 'unmarried';
        a.mother.hukou = collective(DIVISION.shanghai);
        a.birthRegistration.followParent = 'mother';
      });
      assert.deepEqual(codes(a, 'shanghai', NOW, { birthCertificateAlreadyIssued: true }), ELIGIBILITY_CODES.slice(0, 6));
    });

    it('reports age, region and marriage together for an out-of-town unmarried couple', () => {
      const a = app('lanzhou', (a) => {
        a.delivery.bornAt = '2024-11-20T08:30:00+08:00';
        a.delivery.divisionCode = DIVISION.beijing;
        a.marriage.status = 'divorced';
      });
      assert.deepEqual(codes(a), ['CHILD_OVER_AGE_LIMIT', 'NOT_BORN_IN_REGION', 'PARENTS_NOT_MARRIED']);
    });

    it('reports a student couple in Shanghai on both hukou rules', () => {
      const a = app('shanghai', (a) => {
        a.mother.occupation = 'student';
        a.mother.hukou = collective(DIVISION.shanghai);
        a.birthRegistration.followParent = 'mother';
      });
      assert.deepEqual(codes(a), ['HUKOU_NOT_LOCAL', 'NO_ELIGIBLE_REGISTRATION_PARENT']);
    });

    it('does not change the application', () => {
      const a = app('shanghai', (a) => (a.marriage.status = 'unmarried'));
      const before = JSON.stringify(a);
      checkEligibility(Object.freeze(a), currentPack('shanghai'), NOW, { birthCertificateAlreadyIssued: true });
      assert.equal(JSON.stringify(a), before);
    });
  });

  describe('describeItems', () => {
    it('describes every item of the pack by default, in pack order', () => {
      const pack = currentPack('shanghai');
      const described = describeItems(pack);
      assert.deepEqual(described.map((d) => d.item), itemsOf(pack));
      for (const d of described) {
        assert.deepEqual(Object.keys(d).sort(), ['department', 'item', 'materials', 'prerequisites', 'title']);
        assert.ok(CHINESE.test(d.title));
      }
    });
    it('describes the requested items with their materials and e-licence replacements', () => {
      const described = describeItems(currentPack('lanzhou'), ['hukou_registration', 'birth_certificate']);
      assert.deepEqual(described.map((d) => d.item), ['birth_certificate', 'hukou_registration']);
      const hukou = described[1];
      assert.equal(hukou.department, 'police');
      assert.deepEqual(hukou.prerequisites, ['birth_certificate']);
      assert.ok(hukou.materials.some((m) => m.replacedByLicence === 'birth_medical_certificate' && CHINESE.test(m.name)));
    });
    it('hands out copies, never the frozen pack data', () => {
      const [first] = describeItems(currentPack('national'));
      first.materials.push({ name: '额外材料' });
      first.prerequisites.push('vaccination_certificate');
      assert.equal(describeItems(currentPack('national'))[0].materials.length, first.materials.length - 1);
    });
  });
});
