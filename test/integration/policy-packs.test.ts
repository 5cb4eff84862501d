import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { childKey } from '../../domain/identity';
import { PackVersionConflictError, createPackRegistry } from '../../db/packs';
import { licences } from '../../db/schema';
import { SHIPPED_PACKS_DIR, loadPackFiles, shippedCatalogue, shippedPacks } from '../../policy/pack-files';
import { packDocument } from '../../policy/pack-schema';
import { itemDefinition, itemsOf } from '../../policy/packs';
import type { Application, ItemCode, ItemDefinition, PolicyPack, PublishedPack, Region } from '../../policy/types';
import { sampleApplication } from '../../scripts/sample-application';
import { uniqueSeq } from '../applicants';
import type { CaseInput, CaseView } from '../../workflows/messages';
import { dataConverter } from '../../runtime/temporal';
import { Scenario, itemOf, statusOf } from './scenario';

// Each region's pack through the one workflow, packs as data (a region added by a file,
// versions published to the database and pinned by the cases), the workflow's own
// verification of the applicant's claims, and the licence store.

let seq = 600;
const FIXTURE_PACKS_DIR = join(__dirname, '..', 'fixtures', 'packs');

/** The workflow input a case was started with, as its history holds it. */
async function caseInput(s: Scenario, caseId: string): Promise<CaseInput> {
  const history = await s.env.client.workflow.getHandle(caseId).fetchHistory();
  let payloads = history.events![0].workflowExecutionStartedEventAttributes!.input!.payloads as Payload[];
  for (const codec of dataConverter(s.env.config).payloadCodecs ?? []) payloads = await codec.decode(payloads);
  return defaultPayloadConverter.fromPayload<CaseInput>(payloads[0]);
}

/** A married couple of Hangzhou (division 330106) with a child born there. */
function hangzhouApplication(n: number): Application {
  const app = sampleApplication({ seq: n });
  const local = '330106';
  return {
    ...app,
    region: 'test_hangzhou',
    delivery: { ...app.delivery, institutionCode: `H${local}001`, divisionCode: local },
    mother: { ...app.mother, hukou: { divisionCode: local, householdType: 'family' } },
    father: { ...app.father!, hukou: { divisionCode: local, householdType: 'family' } },
  };
}

/** A pack as cases started before packs were data files carry it: no concerns, decidedBy, regionName or hash. */
function oldShape(pack: PublishedPack): PolicyPack {
  const { hash: _h, regionName: _n, items, ...rest } = structuredClone(pack) as PublishedPack;
  return { ...rest, items: items.map(({ concerns: _c, decidedBy, sla: _s, ...item }) => ({ ...item, reviewRequired: decidedBy === 'case_worker' })) };
}

/**
 * Case workers of every department approving whatever reaches them, until the case
 * closes; an item its department's system decides gets that system's event instead
 * (the hospital reports the first dose of vaccine).
 */
async function approveEverything(s: Scenario, caseId: string, pack?: PolicyPack, app?: Application): Promise<CaseView> {
  const reported = new Set<string>();
  for (;;) {
    const view = await s.view(caseId);
    if (view.status !== 'in_progress') return view;
    // The parents' own steps (Shanghai's medical insurance): paid at the gateway, named to the case.
    for (const it of view.items.filter((i) => i.status === 'awaiting_applicant' && !reported.has(i.item))) {
      const amountFen = (pack && itemDefinition(pack, it.item)?.payment?.amountFen) ?? 0;
      assert.ok(app && amountFen > 0, `${it.item} awaits the applicant: the test needs the application and the pack`);
      const order = (await s.simulator('POST', '/payments', { caseId, item: it.item, amountFen })) as { reference: string };
      await s.simulator('POST', `/payments/${order.reference}/pay`, {});
      const paid = await s.api.post(`/api/cases/${caseId}/items/${it.item}/payment`).set('authorization', `Bearer ${await s.applicantToken(app)}`).send({ reference: order.reference });
      assert.equal(paid.status, 200, JSON.stringify(paid.body));
      reported.add(it.item);
    }
    const waiting = view.items.filter((i) => i.status === 'in_review' && !reported.has(i.item));
    for (const it of waiting) {
      const def = pack && itemDefinition(pack, it.item);
      if (def?.decidedBy === 'department_event') {
        await s.simulator('POST', `/admin/departments/${it.department}/events`, { caseRef: caseId, item: it.item, type: def.event });
        reported.add(it.item);
        continue;
      }
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
      const pack = shippedCatalogue().current(region);
      await s.run(async () => {
        const app = sampleApplication({ region, seq: uniqueSeq() });
        const caseId = await s.submit(app);
        const first = await s.waitFor(caseId, (v) => v.items.some((i) => i.status === 'in_review'), 'the first items in review');
        const roots = pack.items.filter((d: ItemDefinition) => d.prerequisites.length === 0).map((d) => d.item);
        await s.waitForItems(caseId, Object.fromEntries(roots.map((r) => [r, 'in_review'])));
        assert.equal(first.items.length, pack.items.length);
        const done = await approveEverything(s, caseId, pack, app);
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
        await s.recordGolden(caseId, `${region}-completed-items`);
      });
    });
  }

  it('adds a region by a pack file alone, and runs its case to completion', async function () {
    // Compressed SLA time: one working day lasts an hour, so the items' own SLAs show as hours.
    const s = await Scenario.start({ slaDaySeconds: 3600 });
    const packs = createPackRegistry(s.env.db.db, loadPackFiles([SHIPPED_PACKS_DIR, FIXTURE_PACKS_DIR]));
    const api = s.env.api(s.taskQueue, { packs });
    const app = hangzhouApplication(seq++);
    const applicant = `Bearer ${await s.applicantToken(app)}`;
    const supervisor = `Bearer ${await s.auth({ sub: 'sup-1', role: 'supervisor' })}`;

    // An instance without the file does not know the region.
    const unknown = await s.api.post('/api/eligibility').set('authorization', applicant).send(app);
    assert.equal(unknown.status, 400);
    assert.deepEqual(unknown.body.details.map((d: { path: string }) => d.path), ['region']);
    assert.equal((await s.api.get('/api/cases?region=test_hangzhou').set('authorization', supervisor)).status, 400);

    const notice = await api.post('/api/eligibility').set('authorization', applicant).send(app);
    assert.equal(notice.status, 200, JSON.stringify(notice.body));
    assert.equal(notice.body.eligible, true);
    assert.equal(notice.body.items.length, 7);
    const elsewhere = await api.post('/api/eligibility').set('authorization', applicant).send({ ...app, delivery: { ...app.delivery, divisionCode: '620102' } });
    assert.deepEqual(elsewhere.body.reasons.map((r: { code: string }) => r.code), ['NOT_BORN_IN_REGION']);
    assert.ok(elsewhere.body.reasons[0].message.includes('杭州市'), 'the notice names the region as its pack does');

    await s.run(async () => {
      await s.recordDelivery(app);
      const res = await api.post('/api/cases').set('authorization', applicant).send(app);
      assert.equal(res.status, 201, JSON.stringify(res.body));
      const caseId: string = res.body.caseId;
      const first = await s.waitForItems(caseId, { birth_certificate: 'in_review', vaccination_certificate: 'in_review' });
      const [birth, vaccination] = (['birth_certificate', 'vaccination_certificate'] as const).map((i) => itemOf(first, i));
      // The pack gives the vaccination certificate two working days, the others the pack-wide one.
      const apart = Date.parse(vaccination.deadline!) - Date.parse(birth.deadline!) - (Date.parse(vaccination.startedAt!) - Date.parse(birth.startedAt!));
      assert.ok(Math.abs(apart - 3600_000) < 1000, `one compressed working day apart: ${apart} ms`);

      const done = await approveEverything(s, caseId);
      assert.equal(done.status, 'completed');
      assert.equal(done.region, 'test_hangzhou');
      assert.equal(done.policyVersion, '2026.1');
      assert.deepEqual(done.items.map((i) => i.item), itemsOf((await packs.catalogue()).current('test_hangzhou')));
      const guidance = itemOf(done, 'parenting_guidance_registration');
      assert.equal(guidance.decidedBy, 'system', 'the pack lets parenting guidance through without a case worker');
      assert.equal(guidance.deadline, undefined);

      // The maternity expenses concern the mother: her licence, not the child's.
      const rows = await s.env.db.sql`select item, subject_name from licences where case_id = ${caseId} order by item`;
      const subject = Object.fromEntries(rows.map((r) => [r.item, r.subject_name]));
      assert.equal(subject.maternity_expense_reimbursement, app.mother.name);
      assert.equal(subject.birth_certificate, app.child.name);

      const input = await caseInput(s, caseId);
      assert.equal(input.pack.version, '2026.1');
      assert.equal(input.pack.hash, (await packs.catalogue()).current('test_hangzhou').hash, 'the case pins the hash next to the version');
      const listed = await api.get('/api/cases?region=test_hangzhou').set('authorization', supervisor);
      assert.deepEqual(listed.body.cases.map((c: { caseId: string }) => c.caseId), [caseId]);
      await s.recordGolden(caseId, 'test-hangzhou-completed-items');
    });
  });

  it('keeps a running case on the pack version it started with when a new version is published, in every instance and after a restart', async function () {
    const s = await Scenario.start();
    // Two API instances, as two processes would have: one publishes, the other serves the applicants.
    const publisher = createPackRegistry(s.env.db.db, shippedPacks());
    const serving = createPackRegistry(s.env.db.db, shippedPacks());
    const api = s.env.api(s.taskQueue, { packs: serving });
    // A region of its own, so the other suites' national cases keep the shipped pack.
    const region = 'test_pinning';
    const v1 = await publisher.publish({ ...packDocument(shippedCatalogue().current('national')), region, regionName: '测试区', version: '2026.1' }, 'policy-admin');
    const submit = async () => {
      const app = { ...sampleApplication({ seq: uniqueSeq() }), region };
      await s.recordDelivery(app);
      const res = await api.post('/api/cases').set('authorization', `Bearer ${await s.applicantToken(app)}`).send(app);
      assert.equal(res.status, 201, JSON.stringify(res.body));
      return res.body.caseId as string;
    };
    await s.run(async () => {
      const old = await submit();
      await s.waitForItems(old, { birth_certificate: 'in_review' });

      // Version 2 adds parenting guidance (科学育儿指导) after the birth certificate.
      const guidance = itemDefinition(shippedCatalogue().current('lanzhou'), 'parenting_guidance_registration')!;
      const document = packDocument(v1);
      const v2 = await publisher.publish({ ...document, version: '2026.2', items: [...document.items, guidance] }, 'policy-admin');
      assert.notEqual(v2.hash, v1.hash);
      const fresh = await submit();

      const freshView = await s.waitForItems(fresh, { birth_certificate: 'in_review' });
      assert.equal(freshView.policyVersion, '2026.2');
      assert.equal(statusOf(freshView, 'parenting_guidance_registration'), 'pending');
      assert.deepEqual([(await caseInput(s, old)).pack.hash, (await caseInput(s, fresh)).pack.hash], [v1.hash, v2.hash]);

      // A restarted instance reads both versions back, unchanged.
      const restarted = await createPackRegistry(s.env.db.db, shippedPacks()).catalogue();
      assert.deepEqual(restarted.versions(region).map((p) => [p.version, p.hash]), [['2026.1', v1.hash], ['2026.2', v2.hash]]);
      assert.deepEqual(restarted.current(region), v2);
      // A published version never changes, and a new one must be newer.
      await assert.rejects(serving.publish({ ...document, title: '改过的标题' }, 'policy-admin'), PackVersionConflictError);
      await assert.rejects(serving.publish({ ...document, version: '2025.9' }, 'policy-admin'), /not newer than 2026\.2/);
      await assert.rejects(serving.publish({ ...packDocument(shippedCatalogue().current('national')), version: '2024.1' }, 'policy-admin'), /already published/);
      await assert.rejects(serving.publish({ ...document, version: '2026.3', items: [guidance] }, 'policy-admin'), /prerequisite birth_certificate is not in the pack/);

      const oldDone = await approveEverything(s, old);
      assert.equal(oldDone.policyVersion, v1.version);
      assert.equal(oldDone.status, 'completed');
      assert.deepEqual(oldDone.items.map((i) => i.item), v1.items.map((i) => i.item), 'the old case never gained the new item');

      const freshDone = await approveEverything(s, fresh);
      assert.equal(freshDone.items.length, 6);
      assert.equal(statusOf(freshDone, 'parenting_guidance_registration'), 'completed');
    });
  });

  it('refuses a published row altered in the database', async function () {
    const s = await Scenario.start();
    const region = 'test_tampered';
    await createPackRegistry(s.env.db.db, []).publish({ ...packDocument(shippedCatalogue().current('national')), region, version: '2026.1' }, 'policy-admin');
    try {
      await s.env.db.sql`update policy_packs set body = jsonb_set(body, '{ageLimitMonths}', '72') where region = ${region}`;
      await assert.rejects(createPackRegistry(s.env.db.db, []).catalogue(), /policy_packs row test_tampered 2026\.1 does not match its hash/);
      await assert.rejects(s.env.db.sql`update policy_packs set hash = 'not a hash' where region = ${region}`, /policy_packs_hash_check/);
    } finally {
      await s.env.db.sql`delete from policy_packs where region = ${region}`;
    }
  });

  it('approves an item the pack says needs no review, with nobody deciding', async function () {
    const s = await Scenario.start();
    const region = 'test_automatic';
    const national = packDocument(shippedCatalogue().current('national'));
    await createPackRegistry(s.env.db.db, []).publish(
      { ...national, region, version: '2026.1', items: national.items.map((i) => (i.item === 'vaccination_certificate' ? { ...i, decidedBy: 'automatic' } : i)) },
      'policy-admin',
    );
    await s.run(async () => {
      // The scenario's own API was never told about the version: it reads it from the database.
      const caseId = await s.submit({ ...sampleApplication({ seq: uniqueSeq() }), region });
      const view = await s.waitForItems(caseId, { vaccination_certificate: 'completed', birth_certificate: 'in_review' });
      const vaccination = itemOf(view, 'vaccination_certificate');
      assert.equal(vaccination.decidedBy, 'system');
      assert.match(vaccination.licence!.number, /^YFJZ/);
      assert.equal(vaccination.deadline, undefined, 'no SLA for an item nobody reviews');
    });
  });

  it('runs a case started with a pack of the old shape as it always ran', async function () {
    const s = await Scenario.start();
    const app = sampleApplication({ region: 'lanzhou', seq: uniqueSeq() });
    const pack = oldShape(shippedCatalogue().current('lanzhou'));
    pack.items = pack.items.map((i) => (i.item === 'vaccination_certificate' ? { ...i, reviewRequired: false } : i));
    // Started as the API started cases before packs were data.
    const caseId = await s.startPastTheApi(app, pack);
    await s.run(async () => {
      // No API projected this case on submission: it appears with the workflow's first projection.
      await s.waitForCase(caseId);
      const first = await s.waitForItems(caseId, { birth_certificate: 'in_review', vaccination_certificate: 'completed' });
      assert.equal(itemOf(first, 'vaccination_certificate').decidedBy, 'system', 'reviewRequired: false still lets the item through');
      assert.ok(itemOf(first, 'birth_certificate').deadline, 'the pack-wide SLA applies');
      const done = await approveEverything(s, caseId);
      assert.equal(done.status, 'completed');
      const rows = await s.env.db.sql`select item, subject_name from licences where case_id = ${caseId}`;
      const subject = Object.fromEntries(rows.map((r) => [r.item, r.subject_name]));
      assert.equal(subject.maternity_expense_reimbursement, app.mother.name, 'the old list of mother items still applies');
      assert.equal(subject.hukou_registration, app.child.name);
    });
  });

  describe('the workflow verifies what the applicant claimed', function () {
    it('marks the hukou registration ineligible, with every reason, when the registries contradict the form, and goes on with the rest', async function () {
      const s = await Scenario.start();
      const app = sampleApplication({ region: 'lanzhou', seq: uniqueSeq() });
      // The civil-affairs registry knows them as divorced; the police registry knows both hukou in Beijing.
      await s.simulator('PUT', '/admin/registries', {
        marriages: [{ idNumbers: [app.mother.idNumber, app.father!.idNumber], status: 'divorced' }],
        hukou: [app.mother.idNumber, app.father!.idNumber].map((idNumber) => ({ idNumber, hukou: { divisionCode: '110105', householdType: 'family' } })),
      });
      await s.run(async () => {
        const caseId = await s.submit(app);
        const view = await s.waitForItems(caseId, { hukou_registration: 'ineligible', birth_certificate: 'in_review' });
        assert.equal(view.status, 'in_progress', 'the items that remain eligible go on');
        assert.deepEqual(itemOf(view, 'hukou_registration').reasons!.map((r) => r.code), ['PARENTS_NOT_MARRIED', 'HUKOU_NOT_LOCAL', 'NO_ELIGIBLE_REGISTRATION_PARENT']);
        for (const item of ['medical_insurance_enrollment', 'social_security_card'] as const) {
          assert.deepEqual([statusOf(view, item), itemOf(view, item).reason], ['cancelled', 'PREREQUISITE_INELIGIBLE']);
        }
        assert.ok(!itemOf(view, 'hukou_registration').startedAt, 'the police were not troubled');
        // The parents are told of what the verification found, after their 201.
        const told = await s.notifications(app, caseId, (n) => n.some((x) => x.template === 'item_ineligible'));
        assert.deepEqual(told.filter((n) => n.template === 'item_ineligible').map((n) => [n.item, n.params.reasons]), [['hukou_registration', 'PARENTS_NOT_MARRIED,HUKOU_NOT_LOCAL,NO_ELIGIBLE_REGISTRATION_PARENT']]);
        assert.deepEqual(told.filter((n) => n.template === 'item_cancelled').map((n) => n.item).sort(), ['medical_insurance_enrollment', 'social_security_card']);
        await s.recordGolden(caseId, 'lanzhou-hukou-ineligible-verified');
      });
    });

    it('closes the case as ineligible when no requested item remains, and tells the parents (first issuance only)', async function () {
      const s = await Scenario.start();
      const app = { ...sampleApplication({ seq: uniqueSeq() }), items: ['birth_certificate', 'hukou_registration'] as ItemCode[] };
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
        assert.deepEqual(itemOf(view, 'birth_certificate').reasons!.map((r) => r.code), ['BIRTH_CERTIFICATE_ALREADY_ISSUED']);
        assert.deepEqual([statusOf(view, 'hukou_registration'), itemOf(view, 'hukou_registration').reason], ['cancelled', 'PREREQUISITE_INELIGIBLE']);
        const told = await s.notifications(app, caseId, (n) => n.some((x) => x.template === 'case_closed'));
        const closed = told.find((n) => n.template === 'case_closed')!;
        assert.deepEqual(closed.params, { caseId, status: 'ineligible', reasons: 'BIRTH_CERTIFICATE_ALREADY_ISSUED' });
        assert.equal(told.filter((n) => n.template === 'item_ineligible').length, 0, 'a case that ends at once is told once, as a whole');
      });
    });
  });

  describe('licences (电子证照)', function () {
    it('voids the old licence as it reissues, once, even under concurrent requests', async function () {
      const s = await Scenario.start();
      await s.run(async () => {
        const app = sampleApplication({ seq: uniqueSeq() });
        const caseId = await s.submit(app);
        await s.waitForItems(caseId, { birth_certificate: 'in_review' });
        const approved = await s.decide(caseId, 'birth_certificate', 'hospital', 'approve');
        const original = itemOf(approved.body, 'birth_certificate').licence!.number;
        const hospital = await s.caseWorker(caseId, 'hospital', 'registrar-1');
        const police = await s.caseWorker(caseId, 'police', 'officer-9');
        const otherHospital = await s.auth({ sub: 'registrar-2', role: 'case_worker', department: 'hospital', institution: 'H110105999' });

        // Only the issuing office reissues; for any other the licence does not exist.
        for (const stranger of [police, otherHospital]) {
          assert.equal((await s.api.post(`/api/licences/${original}/reissue`).set('authorization', `Bearer ${stranger}`).send({ kind: 'reissue' })).status, 404);
          assert.equal((await s.api.get(`/api/licences/${original}`).set('authorization', `Bearer ${stranger}`)).status, 404);
        }
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
        // The store keeps what was done, by whom, why, and for which office; the case's timeline tells it.
        const [stored] = await s.env.db.sql`select replaces, reissue_kind, reissued_by, reissue_comment, issuer_institution from licences where number = ${successor}`;
        assert.deepEqual({ ...stored }, { replaces: original, reissue_kind: 'reissue', reissued_by: 'registrar-1', reissue_comment: '原证遗失', issuer_institution: app.delivery.institutionCode });
        const timeline = await s.api.get(`/api/cases/${caseId}/history`).set('authorization', `Bearer ${await s.auth({ sub: 'auditor-1', role: 'auditor' })}`);
        assert.equal(timeline.status, 200);
        const reissued = timeline.body.events.filter((e: { type: string }) => e.type === 'licence_reissued');
        assert.deepEqual(reissued.map((e: { item: string; actor: string; detail: unknown }) => [e.item, e.actor, e.detail]), [
          ['birth_certificate', 'registrar-1', { kind: 'reissue', voided: original, number: successor, type: 'birth_medical_certificate', institution: app.delivery.institutionCode, comment: '原证遗失' }],
        ]);
        const at = timeline.body.events.findIndex((e: { type: string }) => e.type === 'licence_reissued');
        assert.ok(timeline.body.events.slice(0, at).some((e: { type: string; item?: string }) => e.type === 'licence_issued' && e.item === 'birth_certificate'), 'after the first issue');

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
