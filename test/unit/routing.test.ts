import { strict as assert } from 'node:assert';
import { makeApplicationSchema } from '../../policy/application.js';
import { shippedCatalogue } from '../../policy/pack-files.js';
import { InvalidPackError, packDocument, parsePack } from '../../policy/pack-schema.js';
import { itemDefinition, sectionsOf } from '../../policy/packs.js';
import { attachedDocuments, grantedData, institutionFitsDepartment, itemData, registrationDivision, routeItem } from '../../policy/routing.js';
import type { ItemDefinition } from '../../policy/types.js';
import { NOW, body, family, validApplication } from './fixtures.js';

// Places and people (DESIGN §7): which office works on each item, and what of the
// application goes with it.

const catalogue = shippedCatalogue();

describe('routing items to institutions', () => {
  const hukou = { department: 'police' } as const;

  it('sends hospital items to the delivering hospital, in the county of birth', () => {
    const app = validApplication();
    assert.deepEqual(routeItem({ department: 'hospital' }, app), { institution: 'H620102001', division: '620102' });
  });

  it("sends every other item to its department's office where the followed parent's hukou is", () => {
    const app = { ...validApplication(), mother: { ...validApplication().mother, hukou: family('620103') }, birthRegistration: { followParent: 'mother' as const } };
    assert.deepEqual(routeItem(hukou, app), { institution: 'police:620103', division: '620103' });
    assert.equal(routeItem({ department: 'hrss' }, app).institution, 'hrss:620103');
    assert.equal(routeItem(hukou, { ...app, birthRegistration: { followParent: 'father' } }).institution, 'police:620102');
  });

  it('falls back to the other parent, then to the county of birth, so every item has one office', () => {
    const app = validApplication();
    const noFatherHukou = { ...app, father: { ...app.father!, hukou: null }, mother: { ...app.mother, hukou: family('620104') } };
    assert.equal(registrationDivision(noFatherHukou), '620104');
    assert.equal(registrationDivision({ ...noFatherHukou, mother: { ...app.mother, hukou: null } }), '620102');
  });

  it('tells which institutions can belong to a department', () => {
    assert.ok(institutionFitsDepartment('police', 'police:620102'));
    assert.ok(!institutionFitsDepartment('police', 'hrss:620102'));
    assert.ok(!institutionFitsDepartment('police', 'police:6201'));
    assert.ok(institutionFitsDepartment('hospital', 'H620102001'));
    assert.ok(!institutionFitsDepartment('hospital', 'police:620102'));
  });
});

describe('the sections each department receives', () => {
  const current = (region: string, item: ItemDefinition['item']) => itemDefinition(catalogue.current(region), item)!;

  it('are named by every item of the current packs, and the packs before them fall back to the same choice', () => {
    for (const region of catalogue.regions()) {
      const [first, ...later] = catalogue.versions(region);
      assert.ok(first.items.every((d) => d.sections === undefined), `${region} ${first.version} predates sections`);
      for (const pack of later) {
        for (const def of pack.items) {
          assert.ok(def.sections && def.sections.length > 0, `${region} ${pack.version} ${def.item} names its sections`);
          const old = itemDefinition(first, def.item);
          if (old) assert.deepEqual(sectionsOf(old), def.sections, `${def.item}: the fallback grants what the pack says`);
        }
      }
    }
  });

  it("give the hospital the child and both parents, the social security card the bank code but not the maternity account", () => {
    const app = { ...validApplication(), maternityBenefit: { bankName: '中国工商银行', bankAccount: '6222020200112233445' } };
    const hospital = itemData(current('lanzhou', 'birth_certificate'), app);
    assert.deepEqual(Object.keys(hospital).sort(), ['child', 'delivery', 'father', 'mother']);
    assert.equal(hospital.mother?.idNumber, app.mother.idNumber);
    const card = itemData(current('lanzhou', 'social_security_card'), app);
    assert.deepEqual(Object.keys(card).sort(), ['child', 'logistics', 'socialSecurityCard']);
    assert.equal(card.socialSecurityCard?.bankCode, 'ICBC');
    assert.ok(!JSON.stringify(card).includes(app.maternityBenefit.bankAccount));
    assert.ok(!JSON.stringify(card).includes(app.mother.idNumber));
    const maternity = itemData(current('lanzhou', 'maternity_expense_reimbursement'), app);
    assert.equal(maternity.maternityBenefit?.bankAccount, app.maternityBenefit.bankAccount);
    assert.equal(maternity.father, undefined);
  });

  it('leave out sections the applicant did not fill in', () => {
    const { socialSecurityCard: _s, logistics: _l, ...app } = validApplication();
    assert.deepEqual(grantedData(app, ['child', 'socialSecurityCard', 'logistics']), { child: app.child });
  });

  it('carry the documents attached to the item, and only those', () => {
    const app = { ...validApplication(), documents: [{ item: 'maternity_expense_reimbursement' as const, name: '分娩住院医疗费用票据', reference: 'upload-1' }] };
    assert.deepEqual(attachedDocuments(app, 'maternity_expense_reimbursement'), [{ name: '分娩住院医疗费用票据', reference: 'upload-1' }]);
    assert.deepEqual(attachedDocuments(app, 'birth_certificate'), []);
  });

  it('are checked when a pack is loaded: known sections, each once', () => {
    const doc = packDocument(catalogue.current('national'));
    const broken = { ...doc, items: doc.items.map((d, i) => (i === 0 ? { ...d, sections: ['child', 'child'] } : i === 1 ? { ...d, sections: ['bankDetails'] } : d)) };
    assert.throws(
      () => parsePack(broken, 'broken'),
      (err: unknown) => err instanceof InvalidPackError && ['items.0.sections', 'items.1.sections.0'].every((p) => err.issues.some((i) => i.path === p)),
    );
  });

  it('documents at submission are parsed at the edge, every bad field reported', () => {
    const schema = makeApplicationSchema(() => NOW);
    const ok = schema.safeParse({ ...body(), documents: [{ item: 'maternity_expense_reimbursement', name: '票据', reference: 'upload-1' }] });
    assert.ok(ok.success);
    const bad = schema.safeParse({ ...body(), documents: [{ item: 'flying_licence', name: '', reference: 'x' }] });
    assert.ok(!bad.success);
    assert.deepEqual(bad.error.issues.map((i) => i.path.join('.')).sort(), ['documents.0.item', 'documents.0.name']);
  });
});
