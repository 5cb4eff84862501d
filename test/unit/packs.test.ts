import { strict as assert } from 'node:assert';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeApplicationSchema } from '../../policy/application.js';
import { checkEligibility } from '../../policy/eligibility.js';
import { SHIPPED_PACKS_DIR, loadPackFiles, shippedCatalogue } from '../../policy/pack-files.js';
import { InvalidPackError, canonicalJson, packDocument, packHash, parsePack } from '../../policy/pack-schema.js';
import {
  compareVersions,
  concernsOf,
  createPackCatalogue,
  decidedByOf,
  dependantsOf,
  itemDefinition,
  itemsOf,
  packProblems,
  prerequisitesOf,
  regionNameOf,
  selectItems,
  slaWorkingDaysOf,
} from '../../policy/packs.js';
import { DEPARTMENTS, ITEM_CODES, type ItemCode, type PolicyPack, type PublishedPack, type Region } from '../../policy/types.js';
import { NOW, validApplication } from './fixtures.js';

const catalogue = shippedCatalogue();
const currentPack = (region: Region) => catalogue.current(region);
const ALL_PACKS: PublishedPack[] = catalogue.regions().flatMap((r) => [...catalogue.versions(r)]);
const CHINESE = /[\u4e00-\u9fff]/;
const FIXTURE_PACKS_DIR = join(__dirname, '..', 'fixtures', 'packs');

/** A pack as running cases started before packs were data files carry it in their workflow input. */
function oldShape(pack: PublishedPack): PolicyPack {
  const { hash: _h, regionName: _n, items, ...rest } = structuredClone(pack) as PublishedPack;
  return { ...rest, items: items.map(({ concerns: _c, decidedBy, sla: _s, ...item }) => ({ ...item, reviewRequired: decidedBy === 'case_worker' })) };
}

/** A mutable copy of a shipped pack's document, to break in one place. */
const documentOf = (region: Region) => packDocument(currentPack(region));

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

    it('ships exactly the three regions of DESIGN §2, one file per version', () => {
      assert.deepEqual(catalogue.regions(), ['lanzhou', 'national', 'shanghai']);
      assert.deepEqual(loadPackFiles([SHIPPED_PACKS_DIR]).map((p) => `${p.region}/${p.version}`), [
        'lanzhou/2024.1',
        'lanzhou/2026.1',
        'lanzhou/2026.2',
        'national/2024.1',
        'national/2026.1',
        'national/2026.2',
        'shanghai/2024.1',
        'shanghai/2026.1',
        'shanghai/2026.2',
        'shanghai/2026.3',
      ]);
    });

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
        it('names region, items and materials in Chinese; each item decided by a case worker but where the seed says otherwise', () => {
          assert.ok(CHINESE.test(pack.title));
          assert.ok(CHINESE.test(pack.regionName));
          for (const def of pack.items) {
            assert.ok(CHINESE.test(def.title), def.item);
            // Seed 002 §二.2: the delivering institution hands the vaccination certificate over at the first dose.
            const onTheSpot = pack.region === 'lanzhou' && compareVersions(pack.version, '2026.2') >= 0 && def.item === 'vaccination_certificate';
            // Seed 003: the parents pay the child's medical insurance themselves (the reform's two steps: the form and the payment).
            const parentsPay = pack.region === 'shanghai' && compareVersions(pack.version, '2026.3') >= 0 && def.item === 'medical_insurance_payment';
            assert.deepEqual([def.decidedBy, def.event], onTheSpot ? ['department_event', 'first_dose'] : parentsPay ? ['applicant', undefined] : ['case_worker', undefined]);
            assert.equal(def.payment !== undefined, parentsPay, `${def.item}: a payment exactly where the parents pay`);
            assert.equal(def.sla, undefined, 'the pack-wide SLA applies');
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
    it('publishes unique versions per region, current = newest', () => {
      for (const region of catalogue.regions()) {
        const versions = catalogue.versions(region).map((p) => p.version);
        assert.ok(versions.length > 0);
        assert.equal(new Set(versions).size, versions.length);
        assert.equal(currentPack(region).version, versions[versions.length - 1]);
        for (const p of catalogue.versions(region)) assert.equal(p.region, region);
      }
    });
    it('finds a pinned version and nothing else', () => {
      assert.equal(catalogue.find('lanzhou', '2024.1'), catalogue.versions('lanzhou')[0]);
      assert.equal(catalogue.find('lanzhou', '1999.1'), undefined);
      assert.equal(catalogue.find('atlantis', '2024.1'), undefined);
      assert.equal(catalogue.find('toString', '2024.1'), undefined);
    });
    it('refuses an unknown region', () => {
      assert.throws(() => currentPack('atlantis'), RangeError);
      assert.throws(() => currentPack('constructor'), RangeError);
    });
    it('keeps the hash of every shipped version: a published version never changes', () => {
      const hashes = Object.fromEntries(ALL_PACKS.map((p) => [`${p.region}/${p.version}`, p.hash]));
      assert.deepEqual(hashes, {
        'lanzhou/2024.1': 'f0c263dbda2f80aae49d2ea4a5ba881307ca81c753fa6a616362de83611fa1d2',
        'lanzhou/2026.1': 'df0d75330b8f1cdce2afca58306558c0659dd7220277f4dfe532f157ebbb5e86',
        'national/2024.1': '8256e53d4b06c0e342e24ab33984d9b9b48b0a2732f3f3140ed46cf7aa0582de',
        'national/2026.1': 'a27161cf7e3495bc0ddea5111124968d439c460325858ac392aaa57be082dc06',
        'shanghai/2024.1': '795a9157040acc466a04faadd9734bdc2f6696555446cbcce62abf09504817eb',
        'shanghai/2026.1': '126a785cd8832805be137956b5e05381f0625060529573b89c0e858609979982',
        'lanzhou/2026.2': '1ed5ee47489df461517cd33a98c322163077fd0e0ad4e0c58ff2522d659a8909',
        'national/2026.2': '629bba19be85f83aca26683fdf8d93fe549dd521b33c96015e728c63441e494f',
        'shanghai/2026.2': '6cb3e3ad8d27b5907bb775d356f83d328c8bc390bdcae4729012654d56d64449',
        'shanghai/2026.3': '4811146332214c172aa37c68b8989e7947080faf941085df4740e018a45117d7',
      });
    });
    it('orders versions by their numbers, not as text', () => {
      const sorted = ['2025.1', '2024.10', '2024.2', '2024.1'].sort(compareVersions);
      assert.deepEqual(sorted, ['2024.1', '2024.2', '2024.10', '2025.1']);
      assert.equal(compareVersions('2024.1', '2024.1.0'), 0);
    });
    it('serves the newest version whatever order the versions were read in', () => {
      const v1 = catalogue.find('national', '2024.1')!;
      const v2 = parsePack({ ...packDocument(v1), version: '2026.1' }, 'v2');
      const v10 = parsePack({ ...packDocument(v1), version: '2026.10' }, 'v10');
      for (const order of [[v10, v1, v2], [v1, v2, v10], [v2, v10, v1]]) {
        const c = createPackCatalogue(order);
        assert.equal(c.current('national'), v10);
        assert.deepEqual(c.versions('national').map((p) => p.version), ['2024.1', '2026.1', '2026.10']);
      }
    });
    it('takes one version read twice as one, and refuses one version with two contents', () => {
      const v1 = catalogue.find('national', '2024.1')!;
      assert.equal(createPackCatalogue([v1, parsePack(packDocument(v1), 'again')]).versions('national').length, 1);
      const altered = parsePack({ ...packDocument(v1), title: '改过的标题' }, 'altered');
      assert.throws(() => createPackCatalogue([v1, altered]), /national 2024\.1 exists twice with different contents/);
      const twin = parsePack({ ...packDocument(v1), version: '2024.1.0' }, 'twin');
      assert.throws(() => createPackCatalogue([v1, twin]), /do not say which is newer/);
    });
  });

  describe('pack documents', () => {
    it('hash the canonical serialisation: key order and formatting do not count, content does', () => {
      const doc = documentOf('shanghai');
      const reordered = JSON.parse(JSON.stringify(Object.fromEntries(Object.entries(doc).reverse())));
      assert.equal(packHash(reordered), packHash(doc));
      assert.equal(parsePack(JSON.parse(JSON.stringify(doc, null, 4)), 'pretty').hash, currentPack('shanghai').hash);
      assert.equal(canonicalJson({ b: [2, { d: 1, c: '上' }], a: null }), '{"a":null,"b":[2,{"c":"上","d":1}]}');
      assert.notEqual(packHash({ ...doc, ageLimitMonths: 13 }), packHash(doc));
      assert.match(currentPack('shanghai').hash, /^[0-9a-f]{64}$/);
    });

    it('come out deeply frozen', () => {
      const pack = parsePack(documentOf('national'), 'doc');
      assert.ok(Object.isFrozen(pack.items[0].materials[0]));
      assert.throws(() => (pack.items as unknown[]).push({}), TypeError);
    });

    const broken: [string, (d: ReturnType<typeof documentOf>) => unknown, RegExp[]][] = [
      ['an unknown field (a typo)', (d) => ({ ...d, slaWorkDays: 2 }), [/slaWorkDays/]],
      ['a region code in capitals and a version that is not numbers', (d) => ({ ...d, region: 'Hangzhou', version: 'v2' }), [/^region: /m, /version: /]],
      ['an item without concerns or decidedBy', (d) => ({ ...d, items: d.items.map(({ concerns: _c, decidedBy: _d, ...i }) => i) }), [/items\.0\.concerns/, /items\.0\.decidedBy/]],
      ['the old reviewRequired flag', (d) => ({ ...d, items: d.items.map((i) => ({ ...i, reviewRequired: true })) }), [/reviewRequired/]],
      ['an SLA of no working days', (d) => ({ ...d, items: d.items.map((i) => ({ ...i, sla: { workingDays: 0 } })) }), [/items\.0\.sla\.workingDays/]],
      ['a division prefix of 3 digits', (d) => ({ ...d, divisionPrefix: '330' }), [/divisionPrefix/]],
      [
        'a prerequisite outside the pack',
        (d) => ({ ...d, items: d.items.map((i) => (i.item === 'hukou_registration' ? { ...i, prerequisites: ['outpatient_record_booklet'] } : i)) }),
        [/hukou_registration: prerequisite outpatient_record_booklet is not in the pack/],
      ],
      [
        'a cycle',
        (d) => ({ ...d, items: d.items.map((i) => (i.item === 'birth_certificate' ? { ...i, prerequisites: ['hukou_registration'] } : i)) }),
        [/birth_certificate: prerequisite hukou_registration is listed after it/],
      ],
      [
        'one licence type issued by two items',
        (d) => ({ ...d, items: d.items.map((i) => (i.item === 'vaccination_certificate' ? { ...i, licenceType: 'birth_medical_certificate' } : i)) }),
        [/licence type birth_medical_certificate is already issued by birth_certificate/],
      ],
      [
        'conditions on some items only',
        (d) => ({ ...d, items: d.items.map((i) => (i.item === 'hukou_registration' ? i : { ...i, conditions: undefined })) }),
        [/birth_certificate, vaccination_certificate, medical_insurance_enrollment, social_security_card: conditions missing/],
      ],
      [
        'a condition the rules do not know, and a parameter of another rule',
        (d) => ({ ...d, items: d.items.map((i) => (i.item === 'birth_certificate' ? { ...i, conditions: [{ rule: 'born_on_a_sunday' }, { rule: 'first_issuance', months: 3 }] } : i)) }),
        [/items\.0\.conditions\.0\.rule/, /items\.0\.conditions\.1: .*months/],
      ],
      [
        'an item decided by a department event that names none, and an event on a case worker’s item',
        (d) => ({ ...d, items: d.items.map((i) => (i.item === 'vaccination_certificate' ? { ...i, decidedBy: 'department_event' } : i.item === 'birth_certificate' ? { ...i, event: 'first_dose' } : i)) }),
        [/birth_certificate: names the event first_dose but is not decided by a department event/, /vaccination_certificate: decided by a department event, but names no event/],
      ],
    ];
    for (const [name, breakIt, expected] of broken) {
      it(`refuse ${name}, saying where`, () => {
        assert.throws(
          () => parsePack(breakIt(documentOf('national')), 'doc.json'),
          (err: unknown) => {
            assert.ok(err instanceof InvalidPackError);
            assert.match(err.message, /^doc\.json is not a sound policy pack/);
            const lines = err.issues.map((i) => `${i.path}: ${i.message}`).join('\n');
            for (const re of expected) assert.match(lines, re);
            return true;
          },
        );
      });
    }

    it('report every problem at once', () => {
      const d = documentOf('national');
      assert.throws(
        () => parsePack({ ...d, region: 'X', ageLimitMonths: 0, items: [] }, 'doc'),
        (err: InvalidPackError) => err.issues.map((i) => i.path).sort().join() === 'ageLimitMonths,items,region',
      );
    });
  });

  describe('pack files', () => {
    let dir: string;
    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), 'packs-'));
    });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    const write = (path: string, content: string) => {
      mkdirSync(join(dir, path, '..'), { recursive: true });
      writeFileSync(join(dir, path), content);
    };
    const national = () => readFileSync(join(SHIPPED_PACKS_DIR, 'national', '2024.1.json'), 'utf8');

    it('add a region without a code change: the test-only Hangzhou pack', () => {
      const packs = loadPackFiles([SHIPPED_PACKS_DIR, FIXTURE_PACKS_DIR]);
      const c = createPackCatalogue(packs);
      assert.deepEqual(c.regions(), ['lanzhou', 'national', 'shanghai', 'test_hangzhou']);
      const hangzhou = c.current('test_hangzhou');
      assert.equal(regionNameOf(hangzhou), '杭州市');
      assert.deepEqual(packProblems(hangzhou), []);
      // Eligibility and the application schema follow the pack, not a list in the code.
      const app = { ...validApplication('lanzhou'), region: 'test_hangzhou' };
      const reasons = checkEligibility(app, hangzhou, NOW).reasons.map((r) => r.code);
      assert.deepEqual(reasons, ['NOT_BORN_IN_REGION', 'HUKOU_NOT_LOCAL', 'NO_ELIGIBLE_REGISTRATION_PARENT']);
      assert.ok(checkEligibility(app, hangzhou, NOW).reasons[0].message.includes('杭州市'));
      assert.equal(makeApplicationSchema(() => NOW, c.regions()).safeParse(app).success, true);
      const shippedOnly = makeApplicationSchema(() => NOW, catalogue.regions()).safeParse(app);
      assert.deepEqual(shippedOnly.error?.issues.map((i) => i.path.join('.')), ['region']);
    });

    it('refuse a file whose content disagrees with its path', () => {
      write('lanzhou/2024.1.json', national());
      assert.throws(() => loadPackFiles([dir]), /lanzhou\/2024\.1\.json: holds national 2024\.1/);
    });

    it('refuse what is not a pack file', () => {
      write('national/2024.1.yaml', national());
      assert.throws(() => loadPackFiles([dir]), /expected <version>\.json/);
      rmSync(join(dir, 'national'), { recursive: true });
      write('national/2024.1.json', '{ "region": ');
      assert.throws(() => loadPackFiles([dir]), /not JSON/);
      assert.throws(() => loadPackFiles([join(dir, 'missing')]), /does not exist/);
    });

    it('refuse a broken pack with the file named', () => {
      write('national/2024.1.json', national().replace('"hukouRule": "none"', '"hukouRule": "anything"'));
      assert.throws(() => loadPackFiles([dir]), (err: unknown) => err instanceof InvalidPackError && err.source.endsWith('2024.1.json') && err.issues[0].path === 'hukouRule');
    });
  });

  describe('item policy read from the pack, with the old shape as it always was', () => {
    const OLD_MOTHER_ITEMS = ['maternity_expense_reimbursement', 'maternity_medical_certificate', 'family_planning_review', 'maternity_insurance_benefit'];

    it('says which items concern the mother', () => {
      for (const pack of ALL_PACKS) {
        for (const def of pack.items) assert.equal(def.concerns, OLD_MOTHER_ITEMS.includes(def.item) ? 'mother' : 'child', def.item);
      }
    });

    it('answers for a pack of the old shape exactly what the workflow hard-coded', () => {
      // The old shape is that of the packs published before packs were data: the 2024.1 versions.
      for (const pack of ALL_PACKS.filter((p) => p.version === '2024.1')) {
        const old = oldShape(pack);
        assert.equal(old.regionName, undefined);
        assert.equal(regionNameOf(old), pack.regionName);
        for (const def of old.items) {
          assert.equal(def.concerns, undefined);
          assert.equal(concernsOf(def), OLD_MOTHER_ITEMS.includes(def.item) ? 'mother' : 'child');
          assert.equal(decidedByOf(def), 'case_worker');
          assert.equal(slaWorkingDaysOf(old, def), old.slaWorkingDays);
        }
      }
      const withoutReview = { ...oldShape(currentPack('national')).items[1], reviewRequired: false };
      assert.equal(decidedByOf(withoutReview), 'automatic');
      assert.equal(regionNameOf({ ...oldShape(currentPack('national')), region: 'elsewhere' }), 'elsewhere');
    });

    it('gives an item its own SLA, the pack-wide one otherwise', () => {
      const hangzhou = createPackCatalogue(loadPackFiles([FIXTURE_PACKS_DIR])).current('test_hangzhou');
      assert.equal(slaWorkingDaysOf(hangzhou, itemDefinition(hangzhou, 'vaccination_certificate')!), 2);
      assert.equal(slaWorkingDaysOf(hangzhou, itemDefinition(hangzhou, 'birth_certificate')!), 1);
      assert.equal(decidedByOf(itemDefinition(hangzhou, 'parenting_guidance_registration')!), 'automatic');
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
