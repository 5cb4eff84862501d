import { strict as assert } from 'node:assert';
import {
  PACKS,
  currentPack,
  dependantsOf,
  findPack,
  itemDefinition,
  itemsOf,
  packProblems,
  prerequisitesOf,
  selectItems,
} from '../../policy/packs.js';
import { DEPARTMENTS, ITEM_CODES, REGIONS, type ItemCode, type PolicyPack, type Region } from '../../policy/types.js';

const ALL_PACKS: PolicyPack[] = REGIONS.flatMap((r) => [...PACKS[r]]);
const CHINESE = /[\u4e00-\u9fff]/;

describe('policy packs', () => {
  describe('contents', () => {
    const expected: [Region, number, string, PolicyPack['hukouRule']][] = [
      ['national', 5, '', 'none'],
      ['lanzhou', 7, '6201', 'one_parent_local'],
      ['shanghai', 10, '31', 'both_parents_local_family'],
    ];
    for (const [region, count, prefix, rule] of expected) {
      it(`${region}: ${count} items, prefix '${prefix}', rule ${rule}`, () => {
        const pack = currentPack(region);
        assert.equal(pack.region, region);
        assert.equal(pack.items.length, count);
        assert.equal(pack.divisionPrefix, prefix);
        assert.equal(pack.hukouRule, rule);
        assert.equal(pack.ageLimitMonths, 12);
        assert.equal(pack.slaWorkingDays, 1);
        assert.ok(pack.escalationLadder.length >= 2);
      });
    }

    it('every regional pack contains the national items with the same departments', () => {
      const national = currentPack('national');
      for (const region of ['lanzhou', 'shanghai'] as const) {
        for (const def of national.items) assert.equal(itemDefinition(currentPack(region), def.item)?.department, def.department);
      }
    });

    it('regional items are the ones of DESIGN §2', () => {
      assert.deepEqual(itemsOf(currentPack('lanzhou')).slice(5), ['maternity_expense_reimbursement', 'parenting_guidance_registration']);
      assert.deepEqual(itemsOf(currentPack('shanghai')).slice(5).sort(), [
        'family_planning_review',
        'maternity_insurance_benefit',
        'maternity_medical_certificate',
        'medical_insurance_payment',
        'outpatient_record_booklet',
      ]);
    });

    const edges: [ItemCode, ItemCode[]][] = [
      ['birth_certificate', []],
      ['vaccination_certificate', []],
      ['hukou_registration', ['birth_certificate']],
      ['medical_insurance_enrollment', ['hukou_registration']],
      ['social_security_card', ['hukou_registration']],
      ['medical_insurance_payment', ['medical_insurance_enrollment']],
      ['outpatient_record_booklet', ['hukou_registration']],
      ['parenting_guidance_registration', ['birth_certificate']],
      ['maternity_expense_reimbursement', ['birth_certificate']],
      ['maternity_medical_certificate', []],
      ['family_planning_review', ['maternity_medical_certificate']],
      ['maternity_insurance_benefit', ['family_planning_review']],
    ];
    for (const [code, prerequisites] of edges) {
      it(`${code} needs exactly [${prerequisites.join(', ')}] wherever it is offered`, () => {
        const offered = ALL_PACKS.map((p) => itemDefinition(p, code)).filter((d) => d !== undefined);
        assert.ok(offered.length > 0);
        for (const def of offered) assert.deepEqual(def.prerequisites, prerequisites);
      });
    }
  });

  describe('invariants of every published pack', () => {
    for (const pack of ALL_PACKS) {
      describe(`${pack.region} ${pack.version}`, () => {
        it('has no problems (prerequisites present and earlier, licences available)', () => {
          assert.deepEqual(packProblems(pack), []);
        });
        it('is topologically ordered', () => {
          const seen = new Set<ItemCode>();
          for (const def of pack.items) {
            for (const p of def.prerequisites) assert.ok(seen.has(p), `${def.item} before its prerequisite ${p}`);
            seen.add(def.item);
          }
        });
        it('has unique items and licence types, known codes and departments', () => {
          assert.equal(new Set(itemsOf(pack)).size, pack.items.length);
          assert.equal(new Set(pack.items.map((d) => d.licenceType)).size, pack.items.length);
          for (const def of pack.items) {
            assert.ok(ITEM_CODES.includes(def.item));
            assert.ok(DEPARTMENTS.includes(def.department));
          }
        });
        it('names items and materials in Chinese, with review required', () => {
          assert.ok(CHINESE.test(pack.title));
          for (const def of pack.items) {
            assert.ok(CHINESE.test(def.title), def.item);
            assert.equal(def.reviewRequired, true);
            assert.ok(def.licenceType.length > 0);
            assert.ok(def.materials.length > 0, `${def.item} has materials`);
            for (const m of def.materials) assert.ok(CHINESE.test(m.name), m.name);
          }
        });
        it('is deeply immutable', () => {
          assert.ok(Object.isFrozen(pack) && Object.isFrozen(pack.items) && Object.isFrozen(pack.escalationLadder));
          for (const def of pack.items) {
            assert.ok(Object.isFrozen(def) && Object.isFrozen(def.prerequisites) && Object.isFrozen(def.materials));
            for (const m of def.materials) assert.ok(Object.isFrozen(m));
          }
          assert.throws(() => (pack.items as unknown[]).push({}), TypeError);
        });
      });
    }

    it('hukou registration takes the birth medical certificate as an e-licence', () => {
      const def = itemDefinition(currentPack('national'), 'hukou_registration')!;
      assert.ok(def.materials.some((m) => m.replacedByLicence === 'birth_medical_certificate'));
      assert.equal(itemDefinition(currentPack('national'), 'birth_certificate')!.licenceType, 'birth_medical_certificate');
    });
  });

  describe('versions', () => {
    it('publishes unique versions per region, current = last', () => {
      for (const region of REGIONS) {
        const versions = PACKS[region].map((p) => p.version);
        assert.ok(versions.length > 0);
        assert.equal(new Set(versions).size, versions.length);
        assert.equal(currentPack(region), PACKS[region][versions.length - 1]);
        for (const p of PACKS[region]) assert.equal(p.region, region);
      }
    });
    it('finds a pinned version and nothing else', () => {
      assert.equal(findPack('lanzhou', '2024.1'), PACKS.lanzhou[0]);
      assert.equal(findPack('lanzhou', '1999.1'), undefined);
      assert.equal(findPack('atlantis' as Region, '2024.1'), undefined);
      assert.equal(findPack('toString' as Region, '2024.1'), undefined);
    });
    it('refuses an unknown region', () => {
      assert.throws(() => currentPack('atlantis' as Region), RangeError);
    });
  });

  describe('selectItems', () => {
    const shanghai = currentPack('shanghai');
    const national = currentPack('national');

    it('selects every item of the pack when nothing is requested', () => {
      const r = selectItems(shanghai);
      assert.deepEqual(r.items?.map((d) => d.item), itemsOf(shanghai));
    });

    const ok: [string, PolicyPack, ItemCode[], ItemCode[]][] = [
      ['a lone item without prerequisites', national, ['vaccination_certificate'], ['vaccination_certificate']],
      ['a chain, returned in pack order', national, ['hukou_registration', 'birth_certificate'], ['birth_certificate', 'hukou_registration']],
      [
        'the maternity chain on its own',
        shanghai,
        ['maternity_insurance_benefit', 'family_planning_review', 'maternity_medical_certificate'],
        ['maternity_medical_certificate', 'family_planning_review', 'maternity_insurance_benefit'],
      ],
    ];
    for (const [name, pack, requested, expected] of ok) {
      it(`accepts ${name}`, () => {
        const r = selectItems(pack, requested);
        assert.equal(r.errors, undefined);
        assert.deepEqual(r.items?.map((d) => d.item), expected);
      });
    }

    const bad: [string, PolicyPack, ItemCode[], { path: string; includes: string[] }[]][] = [
      [
        'an item the pack does not offer',
        national,
        ['birth_certificate', 'outpatient_record_booklet'],
        [{ path: 'items.1', includes: ['outpatient_record_booklet', 'national'] }],
      ],
      [
        'an item whose prerequisite is missing',
        national,
        ['hukou_registration'],
        [{ path: 'items.0', includes: ['hukou_registration', "prerequisite 'birth_certificate'", 'missing'] }],
      ],
      [
        'a missing middle link',
        shanghai,
        ['birth_certificate', 'medical_insurance_payment'],
        [{ path: 'items.1', includes: ["prerequisite 'medical_insurance_enrollment'"] }],
      ],
      [
        'several problems at once',
        national,
        ['social_security_card', 'maternity_insurance_benefit', 'medical_insurance_enrollment'],
        [
          { path: 'items.0', includes: ["'hukou_registration'"] },
          { path: 'items.1', includes: ['maternity_insurance_benefit', 'not offered'] },
          { path: 'items.2', includes: ["'hukou_registration'"] },
        ],
      ],
      ['an empty list', national, [], [{ path: 'items', includes: ['at least one'] }]],
    ];
    for (const [name, pack, requested, expected] of bad) {
      it(`reports ${name}`, () => {
        const r = selectItems(pack, requested);
        assert.equal(r.items, undefined);
        assert.deepEqual(r.errors?.map((e) => e.path), expected.map((e) => e.path));
        r.errors!.forEach((e, i) => {
          for (const text of expected[i].includes) assert.ok(e.message.includes(text), `${e.message} mentions ${text}`);
        });
      });
    }
  });

  describe('dependantsOf and prerequisitesOf', () => {
    const cases: [Region, ItemCode, ItemCode[]][] = [
      ['national', 'birth_certificate', ['hukou_registration', 'medical_insurance_enrollment', 'social_security_card']],
      [
        'lanzhou',
        'birth_certificate',
        [
          'hukou_registration',
          'medical_insurance_enrollment',
          'social_security_card',
          'maternity_expense_reimbursement',
          'parenting_guidance_registration',
        ],
      ],
      [
        'shanghai',
        'hukou_registration',
        ['medical_insurance_enrollment', 'social_security_card', 'outpatient_record_booklet', 'medical_insurance_payment'],
      ],
      ['shanghai', 'maternity_medical_certificate', ['family_planning_review', 'maternity_insurance_benefit']],
      ['shanghai', 'vaccination_certificate', []],
      ['shanghai', 'medical_insurance_payment', []],
    ];
    for (const [region, code, expected] of cases) {
      it(`${region}: rejecting ${code} cancels [${expected.join(', ')}]`, () => {
        assert.deepEqual(dependantsOf(currentPack(region), code), expected);
      });
    }

    it('collects prerequisites transitively', () => {
      assert.deepEqual(prerequisitesOf(currentPack('shanghai'), 'medical_insurance_payment'), [
        'birth_certificate',
        'hukou_registration',
        'medical_insurance_enrollment',
      ]);
      assert.deepEqual(prerequisitesOf(currentPack('shanghai'), 'maternity_medical_certificate'), []);
    });
  });
});
