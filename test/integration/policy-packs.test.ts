import { strict as assert } from 'node:assert';
import { childKey } from '../../activities/identity';
import { licences } from '../../db/schema';
import { PACKS, createPackRegistry } from '../../policy/packs';
import type { ItemDefinition, PolicyPack, Region } from '../../policy/types';
import { sampleApplication } from '../../scripts/sample-application';
import type { CaseView } from '../../workflows/messages';
import { Scenario, itemOf, statusOf } from './scenario';

// Each region's pack through the one workflow, the pinning of pack versions, the
// workflow's own verification of the applicant's claims, and the licence store.

let seq = 600;

/** Case workers of every department approving whatever reaches them, until the case closes. */
async function approveEverything(s: Scenario, caseId: string): Promise<CaseView> {
  for (;;) {
    const view = await s.view(caseId);
    if (view.status !== 'in_progress') return view;
    const waiting = view.items.filter((i) => i.status === 'in_review');
    for (const it of waiting) {
      const res = await s.decide(caseId, it.item, it.department, 'approve');
      assert.equal(res.status, 200, JSON.stringify(res.body));
    }
    if (waiting.length === 0) await new Promise((r) => setTimeout(r, 100));
  }
}

/** Every item reached its department only after all its prerequisites were decided. */
function assertPolicyOrder(pack: PolicyPack, view: CaseView): void {
  for (const def of pack.items) {
    const it = itemOf(view, def.item);
    assert.equal(it.status, 'completed', `${def.item} completed`);
    for (const pre of def.prerequisites) {
      assert.ok(Date.parse(it.startedAt!) >= Date.parse(itemOf(view, pre).decidedAt!), `${def.item} started after ${pre} was decided`);
    }
  }
}

function orderTable(view: CaseView): string {
  return view.items.map((i) => `      ${i.item.padEnd(32)} ${i.startedAt}  ${i.decidedAt}  ${i.licence?.number}`).join('\n');
}

const sameStart = (view: CaseView, a: string, b: string) => {
  const [x, y] = [a, b].map((code) => Date.parse(view.items.find((i) => i.item === code)!.startedAt!));
  return Math.abs(x - y) < 5_000;
};

describe('policy packs', function () {
  for (const region of ['lanzhou', 'shanghai'] as Region[]) {
    it(`runs every item of the ${region} pack in the order of its prerequisites`, async function () {
      const s = await Scenario.start();
      const pack = PACKS[region][PACKS[region].length - 1];
      await s.run(async () => {
        const caseId = await s.submit(sampleApplication({ region, seq: seq++ }));
        const first = await s.waitFor(caseId, (v) => v.items.some((i) => i.status === 'in_review'), 'the first items in review');
        const roots = pack.items.filter((d: ItemDefinition) => d.prerequisites.length === 0).map((d) => d.item);
        await s.waitForItems(caseId, Object.fromEntries(roots.map((r) => [r, 'in_review'])));
        assert.equal(first.items.length, pack.items.length);
        const done = await approveEverything(s, caseId);
        assert.equal(done.status, 'completed');
        assert.equal(done.policyVersion, pack.version);
        assertPolicyOrder(pack, done);
        if (region === 'lanzhou') {
          assert.ok(sameStart(done, 'hukou_registration', 'parenting_guidance_registration'), 'both follow the birth certificate at once');
          assert.ok(sameStart(done, 'hukou_registration', 'maternity_expense_reimbursement'));
        } else {
          assert.ok(sameStart(done, 'birth_certificate', 'maternity_medical_certificate'), "the mother's chain starts with the baby's");
          assert.ok(sameStart(done, 'medical_insurance_enrollment', 'outpatient_record_booklet'), 'both follow the hukou registration');
        }
        if (process.env.PRINT_ITEM_ORDER) process.stdout.write(`    ${region} ${caseId}\n${orderTable(done)}\n`);
        await s.recordGolden(caseId, `${region}-completed`);
      });
    });
  }

  it('keeps a running case on the pack version it started with when a new version is published', async function () {
    const s = await Scenario.start();
    const packs = createPackRegistry();
    const api = s.env.api(s.taskQueue, { packs });
    const v1 = packs.current('national');
    const submit = async () => {
      const app = sampleApplication({ seq: seq++ });
      const res = await api.post('/api/cases').set('authorization', `Bearer ${await s.applicantToken(app)}`).send(app);
      assert.equal(res.status, 201, JSON.stringify(res.body));
      return res.body.caseId as string;
    };
    await s.run(async () => {
      const old = await submit();
      await s.waitForItems(old, { birth_certificate: 'in_review' });

      // Version 2 adds parenting guidance (科学育儿指导) after the birth certificate.
      const guidance = PACKS.lanzhou[0].items.find((i) => i.item === 'parenting_guidance_registration')!;
      packs.publish({ ...v1, version: '2026.1', items: [...v1.items, guidance] });
      const fresh = await submit();

      const freshView = await s.waitForItems(fresh, { birth_certificate: 'in_review' });
      assert.equal(freshView.policyVersion, '2026.1');
      assert.equal(statusOf(freshView, 'parenting_guidance_registration'), 'pending');

      const oldDone = await approveEverything(s, old);
      assert.equal(oldDone.policyVersion, v1.version);
      assert.equal(oldDone.status, 'completed');
      assert.deepEqual(oldDone.items.map((i) => i.item), v1.items.map((i) => i.item), 'the old case never gained the new item');

      const freshDone = await approveEverything(s, fresh);
      assert.equal(freshDone.items.length, 6);
      assert.equal(statusOf(freshDone, 'parenting_guidance_registration'), 'completed');
    });
  });

  it('approves an item the pack says needs no review, with nobody deciding', async function () {
    const s = await Scenario.start();
    const packs = createPackRegistry();
    const v1 = packs.current('national');
    packs.publish({ ...v1, version: '2026.2', items: v1.items.map((i) => (i.item === 'vaccination_certificate' ? { ...i, reviewRequired: false } : i)) });
    const api = s.env.api(s.taskQueue, { packs });
    await s.run(async () => {
      const app = sampleApplication({ seq: seq++ });
      const res = await api.post('/api/cases').set('authorization', `Bearer ${await s.applicantToken(app)}`).send(app);
      assert.equal(res.status, 201);
      const view = await s.waitForItems(res.body.caseId, { vaccination_certificate: 'completed', birth_certificate: 'in_review' });
      const vaccination = itemOf(view, 'vaccination_certificate');
      assert.equal(vaccination.decidedBy, 'system');
      assert.match(vaccination.licence!.number, /^YFJZ/);
      assert.equal(vaccination.deadline, undefined, 'no SLA for an item nobody reviews');
    });
  });

  describe('the workflow verifies what the applicant claimed', function () {
    it('closes the case as ineligible, with every reason, when the registries contradict the form', async function () {
      const s = await Scenario.start();
      const app = sampleApplication({ region: 'lanzhou', seq: seq++ });
      // The civil-affairs registry knows them as divorced; the police registry knows both hukou in Beijing.
      await fetch(`${s.env.simulator.url}/admin/registries`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          marriages: [{ idNumbers: [app.mother.idNumber, app.father!.idNumber], status: 'divorced' }],
          hukou: [app.mother.idNumber, app.father!.idNumber].map((idNumber) => ({ idNumber, hukou: { divisionCode: '110105', householdType: 'family' } })),
        }),
      });
      await s.run(async () => {
        const caseId = await s.submit(app);
        const view = await s.waitFor(caseId, (v) => v.status !== 'in_progress', 'the case to close');
        assert.equal(view.status, 'ineligible');
        assert.deepEqual(view.reasons!.map((r) => r.code).sort(), ['HUKOU_NOT_LOCAL', 'NO_ELIGIBLE_REGISTRATION_PARENT', 'PARENTS_NOT_MARRIED']);
        assert.ok(view.items.every((i) => i.status === 'cancelled' && !i.startedAt), 'no department was troubled');
        await s.recordGolden(caseId, 'lanzhou-ineligible-verified');
      });
    });

    it('refuses a birth certificate that was already issued (first issuance only)', async function () {
      const s = await Scenario.start();
      const app = sampleApplication({ seq: seq++ });
      // Issued at the hospital's own window before the parents applied online.
      await s.env.db.db.insert(licences).values({
        number: `CSYX2026${String(Date.now()).slice(-10)}`,
        type: 'birth_medical_certificate',
        subjectKey: childKey(s.env.config.idHashKey, app.mother.idNumber, app.delivery.bornAt),
        subjectName: app.child.name,
        issuer: 'hospital',
        idempotencyKey: `window-${seq}`,
      });
      await s.run(async () => {
        const caseId = await s.submit(app);
        const view = await s.waitFor(caseId, (v) => v.status !== 'in_progress', 'the case to close');
        assert.equal(view.status, 'ineligible');
        assert.deepEqual(view.reasons!.map((r) => r.code), ['BIRTH_CERTIFICATE_ALREADY_ISSUED']);
      });
    });
  });

  describe('licences (电子证照)', function () {
    it('voids the old licence as it reissues, once, even under concurrent requests', async function () {
      const s = await Scenario.start();
      await s.run(async () => {
        const app = sampleApplication({ seq: seq++ });
        const caseId = await s.submit(app);
        await s.waitForItems(caseId, { birth_certificate: 'in_review' });
        const approved = await s.decide(caseId, 'birth_certificate', 'hospital', 'approve');
        const original = itemOf(approved.body, 'birth_certificate').licence!.number;
        const hospital = await s.auth({ sub: 'registrar-1', role: 'case_worker', department: 'hospital' });
        const police = await s.auth({ sub: 'officer-9', role: 'case_worker', department: 'police' });

        const wrongDept = await s.api.post(`/api/licences/${original}/reissue`).set('authorization', `Bearer ${police}`).send({ kind: 'reissue' });
        assert.equal(wrongDept.status, 403);
        const invalid = await s.api.post(`/api/licences/${original}/reissue`).set('authorization', `Bearer ${hospital}`).send({ kind: 'lost' });
        assert.equal(invalid.status, 400);
        assert.deepEqual(invalid.body.details.map((d: { path: string }) => d.path), ['kind']);

        const attempts = await Promise.all(
          Array.from({ length: 6 }, () => s.api.post(`/api/licences/${original}/reissue`).set('authorization', `Bearer ${hospital}`).send({ kind: 'reissue', comment: '原证遗失' })),
        );
        const ok = attempts.filter((r) => r.status === 200);
        assert.equal(ok.length, 1, `exactly one reissue wins: ${attempts.map((r) => r.status)}`);
        assert.ok(attempts.filter((r) => r.status !== 200).every((r) => r.status === 409 && r.body.replacedBy === ok[0].body.issued.number));
        const successor = ok[0].body.issued.number;
        assert.notEqual(successor, original);

        const rows = await s.env.db.sql`select number, status from licences where case_id = ${caseId} and item = 'birth_certificate' order by issued_at`;
        assert.deepEqual(rows.map((r) => [r.number, r.status]), [[original, 'void'], [successor, 'valid']]);
        assert.equal(itemOf(await s.view(caseId), 'birth_certificate').licence!.number, successor, 'the case shows the licence in force');

        // The database itself refuses a second valid licence of a type for one subject.
        await assert.rejects(
          s.env.db.sql`insert into licences (number, type, subject_key, subject_name, issuer, idempotency_key)
                       select 'CSYX20269999999999', type, subject_key, subject_name, issuer, 'forged' from licences where number = ${successor}`,
          /licences_one_valid_per_subject_idx/,
        );
        const read = await s.api.get(`/api/licences/${successor}`).set('authorization', `Bearer ${hospital}`);
        assert.equal(read.status, 200);
        assert.equal(read.body.status, 'valid');
        assert.equal(read.body.subjectKey, undefined, 'the subject key stays inside the store');
      });
    });
  });
});
