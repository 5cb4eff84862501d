import { strict as assert } from 'node:assert';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { UPDATE_ERRORS, caseViewQuery, decideItemUpdate, supplyDocumentsUpdate, withdrawCaseUpdate } from '../../workflows/messages';
import { Scenario, itemOf, statusOf } from './scenario';

// Golden histories recorded here stand for cases started with eligibility per item and
// the clock from the hand-off (`-items`); those with `-case-events` for cases started
// with the case's events in their own envelope, before that; those without a suffix
// for cases started before either.

// A national case through the real engine, database and department simulator, as
// the parents and the case workers of each department would live it.

describe('a national newborn case', function () {
  it('runs the items in the order of the policy, handing each licence to the next department', async function () {
    const s = await Scenario.start();
    await s.run(async () => {
      const caseId = await s.submit(s.application());

      // Birth certificate and vaccination start together; the rest waits for the birth certificate.
      let view = await s.waitForItems(caseId, { birth_certificate: 'in_review', vaccination_certificate: 'in_review' });
      assert.equal(statusOf(view, 'hukou_registration'), 'pending');
      assert.equal(statusOf(view, 'medical_insurance_enrollment'), 'pending');
      assert.equal(statusOf(view, 'social_security_card'), 'pending');
      assert.ok(itemOf(view, 'birth_certificate').deadline, 'a deadline is set when the item reaches the hospital');

      const approved = await s.decide(caseId, 'birth_certificate', 'hospital', 'approve');
      assert.equal(approved.status, 200, JSON.stringify(approved.body));
      const birthCertificate = itemOf(approved.body, 'birth_certificate');
      assert.equal(birthCertificate.status, 'completed');
      assert.match(birthCertificate.licence!.number, /^CSYX\d{14}$/);
      assert.equal(birthCertificate.decidedBy, 'worker-hospital');

      view = await s.waitForItems(caseId, { hukou_registration: 'in_review' });
      assert.equal(statusOf(view, 'medical_insurance_enrollment'), 'pending');
      // The police received the birth certificate's e-licence as proof: no paper needed.
      const police = (await (await fetch(`${s.env.simulator.url}/departments/police/applications?caseRef=${caseId}`)).json()) as { applications: { proofs: unknown[] }[] };
      assert.deepEqual(police.applications[0].proofs, [birthCertificate.licence]);

      assert.equal((await s.decide(caseId, 'hukou_registration', 'police', 'approve')).status, 200);
      // Medical insurance and the social security card start in parallel.
      view = await s.waitForItems(caseId, { medical_insurance_enrollment: 'in_review', social_security_card: 'in_review' });
      const started = [itemOf(view, 'medical_insurance_enrollment').startedAt!, itemOf(view, 'social_security_card').startedAt!].map(Date.parse);
      assert.ok(Math.abs(started[0] - started[1]) < 5_000, 'both started from the same hukou licence');
      assert.ok(started[0] >= Date.parse(itemOf(view, 'hukou_registration').decidedAt!));

      for (const [item, dept] of [['medical_insurance_enrollment', 'medical_insurance'], ['social_security_card', 'hrss'], ['vaccination_certificate', 'hospital']] as const) {
        assert.equal((await s.decide(caseId, item, dept, 'approve')).status, 200);
      }
      view = await s.waitFor(caseId, (v) => v.status === 'completed', 'the case to complete');
      assert.ok(view.closedAt);
      assert.ok(view.items.every((i) => i.status === 'completed' && i.licence));
      assert.equal(new Set(view.items.map((i) => i.licence!.number)).size, 5, 'five distinct licences');
      // Projected change by change, the read model holds what the workflow holds.
      assert.deepEqual(view, await s.env.client.workflow.getHandle(caseId).query(caseViewQuery));
      await s.recordGolden(caseId, 'national-completed-rollup');
    });
  });

  it('cancels the dependants of a rejected item while independent items go on', async function () {
    const s = await Scenario.start();
    await s.run(async () => {
      const caseId = await s.submit(s.application());
      await s.waitForItems(caseId, { birth_certificate: 'in_review', vaccination_certificate: 'in_review' });
      const rejected = await s.decide(caseId, 'birth_certificate', 'hospital', 'reject', '出生医学证明信息与分娩记录不符');
      assert.equal(rejected.status, 200);
      assert.equal(statusOf(rejected.body, 'birth_certificate'), 'rejected');

      const view = await s.waitForItems(caseId, { hukou_registration: 'cancelled', medical_insurance_enrollment: 'cancelled', social_security_card: 'cancelled' });
      for (const item of ['hukou_registration', 'medical_insurance_enrollment', 'social_security_card'] as const) {
        assert.equal(itemOf(view, item).reason, 'PREREQUISITE_REJECTED');
      }
      assert.equal(statusOf(view, 'vaccination_certificate'), 'in_review');
      assert.equal(view.status, 'in_progress');

      assert.equal((await s.decide(caseId, 'vaccination_certificate', 'hospital', 'approve')).status, 200);
      const closed = await s.waitFor(caseId, (v) => v.status !== 'in_progress', 'the case to close');
      assert.equal(closed.status, 'partially_completed');
      await s.recordGolden(caseId, 'national-rejection-cascade-rollup');
    });
  });

  it('returns an item to review when the applicant supplies what was asked for', async function () {
    const s = await Scenario.start();
    await s.run(async () => {
      const app = s.application();
      const caseId = await s.submit(app);
      const applicant = await s.applicantToken(app);
      await s.waitForItems(caseId, { vaccination_certificate: 'in_review' });

      const nothingYet = await s.api.post(`/api/cases/${caseId}/supplement`).set('authorization', `Bearer ${applicant}`).send({ item: 'vaccination_certificate', documents: [{ name: '接种记录', reference: 'doc-1' }] });
      assert.equal(nothingYet.status, 409);

      const asked = await s.decide(caseId, 'vaccination_certificate', 'hospital', 'request_supplement', '请补充新生儿乙肝疫苗接种记录');
      assert.equal(asked.status, 200);
      assert.equal(statusOf(asked.body, 'vaccination_certificate'), 'awaiting_supplement');
      assert.equal(itemOf(asked.body, 'vaccination_certificate').deadline, undefined, 'the clock stops while waiting for the applicant');

      const again = await s.decide(caseId, 'vaccination_certificate', 'hospital', 'approve');
      assert.equal(again.status, 409, 'no decision while the applicant has the file');

      const supplied = await s.api.post(`/api/cases/${caseId}/supplement`).set('authorization', `Bearer ${applicant}`).send({ item: 'vaccination_certificate', documents: [{ name: '乙肝疫苗接种记录', reference: 'upload-42' }] });
      assert.equal(supplied.status, 200, JSON.stringify(supplied.body));
      assert.equal(statusOf(supplied.body, 'vaccination_certificate'), 'in_review');
      assert.ok(itemOf(supplied.body, 'vaccination_certificate').deadline, 'a fresh deadline from the day the materials are complete');

      const hospital = (await (await fetch(`${s.env.simulator.url}/departments/hospital/applications?caseRef=${caseId}`)).json()) as { applications: { item: string; supplements: unknown[] }[] };
      const vaccination = hospital.applications.find((a: { item: string }) => a.item === 'vaccination_certificate');
      assert.deepEqual(vaccination?.supplements, [[{ name: '乙肝疫苗接种记录', reference: 'upload-42' }]]);

      assert.equal(statusOf((await s.decide(caseId, 'vaccination_certificate', 'hospital', 'approve')).body, 'vaccination_certificate'), 'completed');
      await s.recordGolden(caseId, 'national-supplement-answered-in-review-rollup');
    });
  });

  it('ends when the applicant withdraws, and only once', async function () {
    const s = await Scenario.start();
    await s.run(async () => {
      const app = s.application();
      const caseId = await s.submit(app);
      const applicant = await s.applicantToken(app);
      await s.waitForItems(caseId, { birth_certificate: 'in_review' });
      await s.decide(caseId, 'birth_certificate', 'hospital', 'approve');

      const withdrawn = await s.api.post(`/api/cases/${caseId}/withdraw`).set('authorization', `Bearer ${applicant}`).send({ reason: '已在窗口单独办理' });
      assert.equal(withdrawn.status, 200, JSON.stringify(withdrawn.body));
      assert.equal(withdrawn.body.status, 'withdrawn');
      assert.equal(statusOf(withdrawn.body, 'birth_certificate'), 'completed', 'an issued licence stays issued');
      for (const item of ['vaccination_certificate', 'hukou_registration', 'medical_insurance_enrollment', 'social_security_card'] as const) {
        assert.equal(statusOf(withdrawn.body, item), 'cancelled');
        assert.equal(itemOf(withdrawn.body, item).reason, 'WITHDRAWN');
      }
      const twice = await s.api.post(`/api/cases/${caseId}/withdraw`).set('authorization', `Bearer ${applicant}`).send({});
      assert.equal(twice.status, 409);
      assert.equal(twice.body.error, 'case_closed');
      const late = await s.decide(caseId, 'vaccination_certificate', 'hospital', 'approve');
      assert.equal(late.status, 409);
      assert.deepEqual(await s.view(caseId), await s.env.client.workflow.getHandle(caseId).query(caseViewQuery), 'the read model holds what the workflow holds');
      await s.recordGolden(caseId, 'national-withdrawn-rollup');
    });
  });

  it('rejects an item that its department refuses outright, and goes on with the rest', async function () {
    const s = await Scenario.start();
    const refuse = (items: string[]) =>
      fetch(`${s.env.simulator.url}/admin/refusals`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ items }) });
    await refuse(['vaccination_certificate']);
    try {
      await s.run(async () => {
        const caseId = await s.submit(s.application());
        const view = await s.waitForItems(caseId, { vaccination_certificate: 'rejected', birth_certificate: 'in_review' });
        assert.equal(itemOf(view, 'vaccination_certificate').reason, 'DEPARTMENT_REFUSED');
        assert.equal(view.status, 'in_progress', 'a refusal ends the item, not the case');
        await s.recordGolden(caseId, 'national-department-refused-items');
      });
    } finally {
      await refuse([]);
    }
  });

  it('refuses a second case for the same child, naming the first', async function () {
    const s = await Scenario.start();
    await s.run(async () => {
      const app = s.application();
      const caseId = await s.submit(app);
      const again = await s.api.post('/api/cases').set('authorization', `Bearer ${await s.applicantToken(app)}`).send(app);
      assert.equal(again.status, 409);
      assert.deepEqual({ error: again.body.error, caseId: again.body.caseId }, { error: 'duplicate', caseId });
      assert.ok(!caseId.includes(app.mother.idNumber) && !caseId.includes(app.mother.idNumber.slice(0, 6)), 'no ID number in the case ID');
    });
  });

  it('refuses a decision from another department before anything reaches the history', async function () {
    const s = await Scenario.start();
    await s.run(async () => {
      const caseId = await s.submit(s.application());
      await s.waitForItems(caseId, { birth_certificate: 'in_review' });
      const wrong = await s.decide(caseId, 'birth_certificate', 'police', 'approve');
      assert.equal(wrong.status, 403);
      assert.equal(wrong.body.error, 'wrong_department');
      const notYet = await s.decide(caseId, 'hukou_registration', 'police', 'approve');
      assert.equal(notYet.status, 409);
      assert.equal(notYet.body.error, 'item_not_in_review');
      const updatesInHistory = async () =>
        ((await s.env.client.workflow.getHandle(caseId).fetchHistory()).events ?? []).filter((e) => e.workflowExecutionUpdateAdmittedEventAttributes || e.workflowExecutionUpdateAcceptedEventAttributes || e.workflowExecutionUpdateCompletedEventAttributes).length;
      assert.equal(await updatesInHistory(), 0, 'refused updates leave no trace in the history');
      // The same probe sees an accepted one: accepted and completed.
      assert.equal((await s.decide(caseId, 'birth_certificate', 'hospital', 'approve')).status, 200);
      assert.equal(await updatesInHistory(), 2);
    });
  });

  it('refuses malformed updates sent straight to the engine, before they reach the history, and goes on', async function () {
    const s = await Scenario.start();
    await s.run(async () => {
      const app = s.application();
      const caseId = await s.submit(app);
      await s.waitForItems(caseId, { vaccination_certificate: 'in_review' });
      assert.equal((await s.decide(caseId, 'vaccination_certificate', 'hospital', 'request_supplement', '请补充接种记录')).status, 200);
      const handle = s.env.client.workflow.getHandle(caseId);
      const refused = async (send: () => Promise<unknown>, type: string) =>
        assert.rejects(send, (err: unknown) => err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure && err.cause.type === type);
      // The API's schemas refuse these; another client of the engine is checked by the validators alone.
      const malformed: [() => Promise<unknown>, string][] = [
        [() => handle.executeUpdate(supplyDocumentsUpdate, { args: [{ item: 'vaccination_certificate', documents: 'scan.pdf' } as never] }), UPDATE_ERRORS.invalidInput],
        [() => handle.executeUpdate(supplyDocumentsUpdate, { args: [{ item: 'vaccination_certificate', documents: [{ name: 7 }] } as never] }), UPDATE_ERRORS.invalidInput],
        [() => handle.executeUpdate(decideItemUpdate, { args: [{ item: 'birth_certificate', decision: 'approve' } as never] }), UPDATE_ERRORS.invalidInput],
        [() => handle.executeUpdate(decideItemUpdate, { args: [{ item: 'birth_certificate', decision: 'stamp', actor: { sub: 'w', role: 'case_worker', department: 'hospital' } } as never] }), UPDATE_ERRORS.invalidInput],
        [() => handle.executeUpdate(decideItemUpdate, { args: [{ item: 'no_such_item', decision: 'approve', actor: { sub: 'w', role: 'case_worker', department: 'hospital' } } as never] }), UPDATE_ERRORS.unknownItem],
        [() => handle.executeUpdate(withdrawCaseUpdate, { args: [null as never] }), UPDATE_ERRORS.invalidInput],
      ];
      for (const [send, type] of malformed) await refused(send, type);
      const history = await handle.fetchHistory();
      assert.equal(history.events?.filter((e) => e.workflowExecutionUpdateAcceptedEventAttributes).length, 1, 'only the request for a supplement was accepted');

      // Nothing was left half-done: the case takes a proper supplement as if nothing had happened.
      const supplied = await s.api.post(`/api/cases/${caseId}/supplement`).set('authorization', `Bearer ${await s.applicantToken(app)}`).send({ item: 'vaccination_certificate', documents: [{ name: '接种记录', reference: 'upload-9' }] });
      assert.equal(supplied.status, 200, JSON.stringify(supplied.body));
      assert.equal(statusOf(supplied.body, 'vaccination_certificate'), 'in_review');
    });
  });

  it('picks up where it left off after the worker restarts mid-case', async function () {
    const s = await Scenario.start();
    let caseId = '';
    await s.run(async () => {
      caseId = await s.submit(s.application());
      await s.waitForItems(caseId, { birth_certificate: 'in_review' });
      assert.equal((await s.decide(caseId, 'birth_certificate', 'hospital', 'approve')).status, 200);
      await s.waitForItems(caseId, { hukou_registration: 'in_review' });
    });
    // The worker is gone; a case worker decides meanwhile (the update waits in the engine).
    const pendingDecision = s.decide(caseId, 'hukou_registration', 'police', 'approve');
    // A new worker on the same task queue: the case continues from its history.
    await s.run(async () => {
      assert.equal((await pendingDecision).status, 200);
      await s.waitForItems(caseId, { medical_insurance_enrollment: 'in_review', social_security_card: 'in_review' });
      for (const [item, dept] of [['medical_insurance_enrollment', 'medical_insurance'], ['social_security_card', 'hrss'], ['vaccination_certificate', 'hospital']] as const) {
        assert.equal((await s.decide(caseId, item, dept, 'approve')).status, 200);
      }
      const done = await s.waitFor(caseId, (v) => v.status === 'completed', 'completion after restart');
      assert.equal(done.items.filter((i) => i.licence).length, 5);
      await s.recordGolden(caseId, 'national-worker-restart-items');
    });
  });

  it('records a breach at the deadline and escalates a working day later (compressed clock)', async function () {
    const s = await Scenario.start({ slaDaySeconds: 1 });
    await s.run(async () => {
      const caseId = await s.submit(s.application());
      const view = await s.waitFor(caseId, (v) => itemOf(v, 'birth_certificate').escalationLevel >= 2, 'escalation to level 2');
      const bc = itemOf(view, 'birth_certificate');
      assert.equal(bc.status, 'in_review', 'escalation never decides for the department');
      const decided = await s.decide(caseId, 'birth_certificate', 'hospital', 'approve');
      assert.equal(statusOf(decided.body, 'birth_certificate'), 'completed');
      const rows = await s.env.db.sql`select escalation_level, resolved_at, deadline, breached_at from sla_breaches where case_id = ${caseId} and item = 'birth_certificate'`;
      assert.equal(rows.length, 1);
      assert.ok(rows[0].escalation_level >= 2);
      assert.ok(rows[0].resolved_at, 'the decision resolves the breach');
      assert.ok(rows[0].breached_at >= rows[0].deadline);
      await s.recordGolden(caseId, 'national-escalated-rollup');
    });
  });
});
