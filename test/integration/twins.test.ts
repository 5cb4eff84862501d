import { strict as assert } from 'node:assert';
import type { Principal } from '../../api/auth';
import type { Application } from '../../policy/types';
import { sampleApplication } from '../../scripts/sample-application';
import { uniqueSeq } from '../applicants';
import { Scenario } from './scenario';

// Births and attempts (DESIGN §7), on the real servers: twins are one delivery and one
// case, with a birth certificate each and the mother's reimbursement once; a family
// whose case was withdrawn applies again and gets a new case, linked to the first.

const HOSPITAL = 'H620102001';
const MINUTE = 60_000;

/** A Lanzhou family applying for the birth certificates and the mother's reimbursement, in the form of `children`. */
function twinsFamily(): Application {
  const single = sampleApplication({ region: 'lanzhou', seq: uniqueSeq() });
  const first = Date.parse(single.delivery.bornAt);
  const { bornAt: _b, childSex: _s, weightGrams: _w, ...delivery } = single.delivery;
  const { child: _c, ...rest } = single;
  return {
    ...rest,
    items: ['birth_certificate', 'maternity_expense_reimbursement'],
    delivery,
    children: [
      { name: '王大雨', sex: 'female', bornAt: new Date(first).toISOString(), weightGrams: 2600 },
      { name: '王小雨', sex: 'male', bornAt: new Date(first + 7 * MINUTE).toISOString(), weightGrams: 2450 },
    ],
  } as unknown as Application;
}

describe('births and attempts', function () {
  let s: Scenario;
  const bearer = async (principal: Principal) => `Bearer ${await s.auth(principal)}`;
  const registrar: Principal = { sub: 'registrar-twins', role: 'case_worker', department: 'hospital', institution: HOSPITAL };

  before(async function () {
    s = await Scenario.start();
  });

  it('gives twins one case: a birth certificate for each child, the mother’s reimbursement once, and 409 to a second application for the delivery', async function () {
    const app = twinsFamily();
    const children = app.children!;
    await s.run(async () => {
      for (const child of children) await s.recordDelivery(app, child.bornAt);
      const caseId = await s.submit(app, { deliveryRecorded: false });
      let view = await s.waitFor(caseId, (v) => v.items.filter((i) => i.item === 'birth_certificate' && i.status === 'in_review').length === 2, 'both birth certificates in review');
      const applied = view.items.filter((i) => i.status !== 'not_applied');
      assert.deepEqual(
        applied.map((i) => [i.key, i.item, i.child]),
        [
          ['birth_certificate.1', 'birth_certificate', 1],
          ['birth_certificate.2', 'birth_certificate', 2],
          ['maternity_expense_reimbursement', 'maternity_expense_reimbursement', undefined],
        ],
      );
      assert.equal(view.items.filter((i) => i.item === 'hukou_registration').length, 2, "a child's item exists once per child, applied for or not");

      // Each child's certificate reaches the hospital with that child's birth only.
      const received = (await (await fetch(`${s.env.simulator.url}/departments/hospital/applications?caseRef=${caseId}`)).json()) as { applications: { item: string; data: { child?: { name: string }; delivery?: { bornAt: string; childSex: string } } }[] };
      const byKey = new Map(received.applications.map((a) => [a.item, a.data]));
      assert.equal(byKey.get('birth_certificate.1')?.child?.name, children[0].name);
      assert.equal(byKey.get('birth_certificate.2')?.child?.name, children[1].name);
      assert.equal(byKey.get('birth_certificate.2')?.delivery?.bornAt, children[1].bornAt);
      assert.equal(byKey.get('birth_certificate.2')?.delivery?.childSex, 'male');

      // The case worker's file of one child's item, by its key.
      const file = await s.api.get(`/api/cases/${caseId}/items/birth_certificate.2`).set('authorization', await bearer(registrar));
      assert.equal(file.status, 200, JSON.stringify(file.body));
      assert.equal(file.body.key, 'birth_certificate.2');
      assert.equal(file.body.child, 2);
      assert.equal(file.body.data.child.name, children[1].name);

      // The reimbursement waits for both certificates.
      const first = await s.api.post(`/api/cases/${caseId}/items/birth_certificate.1/decision`).set('authorization', await bearer(registrar)).send({ decision: 'approve' });
      assert.equal(first.status, 200, JSON.stringify(first.body));
      view = await s.waitFor(caseId, (v) => v.items.find((i) => i.key === 'birth_certificate.1')?.status === 'completed', 'the first certificate issued');
      assert.equal(view.items.find((i) => i.key === 'maternity_expense_reimbursement')?.status, 'pending', 'the mother’s item waits for every child’s certificate');
      const second = await s.api.post(`/api/cases/${caseId}/items/birth_certificate.2/decision`).set('authorization', await bearer(registrar)).send({ decision: 'approve' });
      assert.equal(second.status, 200, JSON.stringify(second.body));
      view = await s.waitFor(caseId, (v) => v.items.find((i) => i.key === 'maternity_expense_reimbursement')?.status === 'in_review', 'the reimbursement in review');
      const numbers = view.items.filter((i) => i.item === 'birth_certificate').map((i) => i.licence?.number);
      assert.equal(new Set(numbers).size, 2, `two certificates, two numbers: ${numbers.join(', ')}`);
      assert.ok(numbers.every(Boolean));

      const insurance: Principal = { sub: 'clerk-twins', role: 'case_worker', department: 'medical_insurance', institution: view.items.find((i) => i.key === 'maternity_expense_reimbursement')!.institution };
      const paid = await s.api.post(`/api/cases/${caseId}/items/maternity_expense_reimbursement/decision`).set('authorization', await bearer(insurance)).send({ decision: 'approve' });
      assert.equal(paid.status, 200, JSON.stringify(paid.body));
      view = await s.waitFor(caseId, (v) => v.status === 'completed', 'the case completed');
      await s.recordGolden(caseId, 'twins-one-delivery');
      assert.equal(view.items.filter((i) => i.item === 'maternity_expense_reimbursement' && i.licence).length, 1, 'the reimbursement is paid once');

      // The same delivery again, in the single-child form, an hour after the second birth: 409 naming the case.
      const again: Application = { ...sampleApplication({ region: 'lanzhou' }), mother: app.mother, father: app.father, applicant: app.applicant };
      again.delivery = { ...again.delivery, bornAt: new Date(Date.parse(children[1].bornAt) + 60 * MINUTE).toISOString() };
      const duplicate = await s.api.post('/api/cases').set('authorization', `Bearer ${await s.applicantToken(app)}`).send(again);
      assert.equal(duplicate.status, 409, JSON.stringify(duplicate.body));
      assert.equal(duplicate.body.error, 'duplicate');
      assert.equal(duplicate.body.caseId, caseId);
    });
  });

  it('refuses an application with both forms of the births, listing each field', async function () {
    const app = twinsFamily();
    const single = sampleApplication({ region: 'lanzhou' });
    const res = await s.api
      .post('/api/cases')
      .set('authorization', `Bearer ${await s.applicantToken(app)}`)
      .send({ ...app, child: single.child, delivery: { ...app.delivery, bornAt: single.delivery.bornAt } });
    assert.equal(res.status, 400, JSON.stringify(res.body));
    const paths = (res.body.details as { path: string }[]).map((d) => d.path).sort();
    assert.deepEqual(paths, ['child', 'delivery.bornAt']);
  });

  it('after a withdrawal takes a new application for the delivery as a new case, linked to the first; a parallel duplicate starts once', async function () {
    const app: Application = { ...sampleApplication({ region: 'lanzhou', seq: uniqueSeq() }), items: ['birth_certificate'] };
    const applicant = `Bearer ${await s.applicantToken(app)}`;
    await s.run(async () => {
      const first = await s.submit(app);
      const withdrawn = await s.api.post(`/api/cases/${first}/withdraw`).set('authorization', applicant).send({});
      assert.equal(withdrawn.status, 200, JSON.stringify(withdrawn.body));
      await s.waitFor(first, (v) => v.status === 'withdrawn', 'the first case withdrawn');

      // Two submissions at once: the engine starts one case, the other hears of it.
      const [a, b] = await Promise.all([0, 1].map(() => s.api.post('/api/cases').set('authorization', applicant).send(app)));
      const statuses = [a.status, b.status].sort();
      assert.deepEqual(statuses, [201, 409], `${JSON.stringify(a.body)} ${JSON.stringify(b.body)}`);
      const created = a.status === 201 ? a : b;
      const refused = a.status === 201 ? b : a;
      const second = created.body.caseId as string;
      assert.notEqual(second, first);
      assert.equal(refused.body.caseId, second);

      const view = await s.waitFor(second, (v) => v.items.some((i) => i.item === 'birth_certificate' && i.status === 'in_review'), 'the new case at work');
      assert.deepEqual(view.attempts, [first, second]);
      const earlier = await s.view(first);
      assert.equal(earlier.status, 'withdrawn', 'the earlier attempt stays readable');
      assert.deepEqual(earlier.attempts, [first, second]);

      // While the new attempt is in progress, a third is a duplicate of it.
      const third = await s.api.post('/api/cases').set('authorization', applicant).send(app);
      assert.equal(third.status, 409);
      assert.equal(third.body.caseId, second);
    });
  });
});
