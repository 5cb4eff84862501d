import { strict as assert } from 'node:assert';
import { WorkflowNotFoundError } from '@temporalio/client';
import type { Principal } from '../../api/auth';
import type { Application } from '../../policy/types';
import { sampleApplication } from '../../scripts/sample-application';
import { uniqueSeq } from '../applicants';
import { caseViewQuery } from '../../workflows/messages';
import { sweepClosedCases } from '../../worker/archiver';
import { eventually } from '../eventually';
import { Scenario, itemOf, statusOf } from './scenario';

// Places and people, claiming work, and what a case worker reads (DESIGN §7), on the
// real servers: a Lanzhou family whose child's hukou goes to the Chengguan police
// station (police:620102), delivered at hospital H620102001.

const HOSPITAL = 'H620102001';
const STATION = 'police:620102';
const OTHER_STATION = 'police:620103';
const BANK_ACCOUNT = '6222020200112233445';


function lanzhouFamily(): Application {
  return {
    ...sampleApplication({ region: 'lanzhou', seq: uniqueSeq() }),
    socialSecurityCard: { bankCode: 'ICBC', deliverByPost: true },
    maternityBenefit: { bankName: '中国工商银行', bankAccount: BANK_ACCOUNT },
    logistics: { method: 'pickup' },
    documents: [{ item: 'maternity_expense_reimbursement', name: '分娩住院医疗费用票据及费用清单', reference: 'upload-bill-17' }],
  };
}

interface Received {
  institution?: string;
  sections: string[];
  data: Record<string, unknown>;
  documents: { name: string; reference: string }[];
  proofs: { number: string }[];
}

describe('items in their institutions', function () {
  let s: Scenario;
  let app: Application;
  let caseId: string;
  const bearer = async (principal: Principal) => `Bearer ${await s.auth(principal)}`;
  const worker = (sub: string, department: Principal['department'], institution: string): Principal => ({ sub, role: 'case_worker', department, institution });
  const registrarA = worker('registrar-a', 'hospital', HOSPITAL);
  const registrarB = worker('registrar-b', 'hospital', HOSPITAL);
  const officer = worker('officer-7', 'police', STATION);
  const strangerOfficer = worker('officer-8', 'police', OTHER_STATION);
  const auditor: Principal = { sub: 'auditor-3', role: 'auditor' };
  const received = async (department: string, item: string): Promise<Received[]> =>
    ((await (await fetch(`${s.env.simulator.url}/departments/${department}/applications?caseRef=${caseId}&item=${item}`)).json()) as { applications: Received[] }).applications;

  before(async function () {
    s = await Scenario.start();
    app = lanzhouFamily();
  });

  it('routes each item to one institution: the delivering hospital, or the office of the hukou county', async function () {
    await s.run(async () => {
      caseId = await s.submit(app);
      const view = await s.waitForItems(caseId, { birth_certificate: 'in_review', vaccination_certificate: 'in_review' });
      assert.deepEqual(
        Object.fromEntries(view.items.map((i) => [i.item, i.institution])),
        {
          birth_certificate: HOSPITAL,
          vaccination_certificate: HOSPITAL,
          hukou_registration: STATION,
          medical_insurance_enrollment: 'medical_insurance:620102',
          social_security_card: 'hrss:620102',
          maternity_expense_reimbursement: 'medical_insurance:620102',
          parenting_guidance_registration: 'health:620102',
        },
      );
      const [row] = await s.env.db.sql`select institution, division from case_items where case_id = ${caseId} and item = 'hukou_registration'`;
      assert.deepEqual({ ...row }, { institution: STATION, division: '620102' });
      assert.deepEqual(await s.env.client.workflow.getHandle(caseId).query(caseViewQuery), view, 'the read model holds what the workflow holds');
      const hospital = (await received('hospital', 'birth_certificate'))[0];
      assert.equal(hospital.institution, HOSPITAL, 'the department system is told which office');
    });
  });

  it('lets two case workers claim an item at once: exactly one wins, the other is told who holds it', async function () {
    await s.run(async () => {
      const [a, b] = [await bearer(registrarA), await bearer(registrarB)];
      const claim = (token: string) => s.api.post(`/api/cases/${caseId}/items/birth_certificate/claim`).set('authorization', token).send({});
      const answers = await Promise.all([claim(a), claim(b), claim(a), claim(b)]);
      const winners = new Set(answers.filter((r) => r.status === 200).map((r) => r.body.assignee));
      assert.equal(winners.size, 1, `one holder: ${answers.map((r) => `${r.status} ${JSON.stringify(r.body)}`).join('; ')}`);
      const [holder] = winners;
      const loserToken = holder === registrarA.sub ? b : a;
      const loser = holder === registrarA.sub ? registrarB : registrarA;
      for (const r of answers) {
        if (r.status === 200) continue;
        assert.equal(r.status, 409);
        assert.deepEqual({ error: r.body.error, assignee: r.body.assignee }, { error: 'claimed', assignee: holder });
      }
      assert.ok(answers.some((r) => r.status === 409), 'the other claim was refused');
      assert.equal(itemOf(await s.view(caseId), 'birth_certificate').assignee, holder, 'the read model shows the holder');

      // The one who does not hold it may not decide it or release it.
      const decided = await s.api.post(`/api/cases/${caseId}/items/birth_certificate/decision`).set('authorization', loserToken).send({ decision: 'approve' });
      assert.equal(decided.status, 409);
      assert.deepEqual([decided.body.error, decided.body.assignee], ['claimed', holder]);
      const released = await s.api.delete(`/api/cases/${caseId}/items/birth_certificate/claim`).set('authorization', loserToken);
      assert.equal(released.status, 409);

      // The inbox: mine, unassigned, all.
      const inbox = async (token: string, assignee: string) =>
        ((await s.api.get(`/api/tasks?assignee=${assignee}`).set('authorization', token)).body.tasks as { caseId: string; key: string; assignee?: string; deadline: string; escalationLevel: number }[]).filter((t) => t.caseId === caseId);
      const holderToken = loserToken === a ? b : a;
      assert.deepEqual((await inbox(holderToken, 'me')).map((t) => t.key), ['birth_certificate']);
      assert.deepEqual((await inbox(loserToken, 'me')).map((t) => t.key), []);
      // Lanzhou's vaccination certificate is the hospital system's to decide, at the first dose: held by it, for nobody to take.
      assert.deepEqual((await inbox(loserToken, 'unassigned')).map((t) => t.key), []);
      const all = await inbox(loserToken, 'all');
      assert.deepEqual(all.map((t) => [t.key, t.assignee]).sort(), [['birth_certificate', holder], ['vaccination_certificate', 'system:hospital']]);
      assert.ok(all.every((t) => t.deadline && t.escalationLevel === 0));

      // A supervisor of the hospitals reassigns; one of another department may not.
      const police = await bearer({ sub: 'chief-p', role: 'supervisor', department: 'police' });
      assert.equal((await s.api.post(`/api/cases/${caseId}/items/birth_certificate/claim`).set('authorization', police).send({ assignee: loser.sub, reassign: true })).status, 403);
      const chief = await bearer({ sub: 'chief-h', role: 'supervisor', department: 'hospital', division: '6201' });
      const held = await s.api.post(`/api/cases/${caseId}/items/birth_certificate/claim`).set('authorization', chief).send({ assignee: loser.sub });
      assert.equal(held.status, 409, 'without reassign, a held item stays with its holder');
      assert.equal((await s.api.post(`/api/cases/${caseId}/items/birth_certificate/claim`).set('authorization', chief).send({})).status, 400);
      const moved = await s.api.post(`/api/cases/${caseId}/items/birth_certificate/claim`).set('authorization', chief).send({ assignee: loser.sub, reassign: true });
      assert.equal(moved.status, 200, JSON.stringify(moved.body));
      assert.equal(moved.body.assignee, loser.sub);
      assert.equal((await s.api.post(`/api/cases/${caseId}/items/birth_certificate/decision`).set('authorization', holderToken).send({ decision: 'approve' })).status, 409);
      const approved = await s.api.post(`/api/cases/${caseId}/items/birth_certificate/decision`).set('authorization', loserToken).send({ decision: 'approve' });
      assert.equal(approved.status, 200, JSON.stringify(approved.body));
      assert.equal(itemOf(approved.body, 'birth_certificate').decidedBy, loser.sub);

      // The item its department's system decides is nobody's to claim, decide or release.
      for (const attempt of [
        s.api.post(`/api/cases/${caseId}/items/vaccination_certificate/decision`).set('authorization', holderToken).send({ decision: 'approve' }),
        s.api.post(`/api/cases/${caseId}/items/vaccination_certificate/claim`).set('authorization', holderToken).send({}),
        s.api.delete(`/api/cases/${caseId}/items/vaccination_certificate/claim`).set('authorization', chief),
      ]) {
        const refused = await attempt;
        assert.deepEqual([refused.status, refused.body.error, refused.body.assignee], [409, 'claimed', 'system:hospital']);
      }

      const timeline = await s.api.get(`/api/cases/${caseId}/history`).set('authorization', await bearer(auditor));
      const claims = timeline.body.events.filter((e: { type: string }) => e.type === 'item_claimed' || e.type === 'item_released');
      assert.deepEqual(
        claims.map((e: { type: string; item: string; actor: string; detail: Record<string, string> }) => [e.type, e.item, e.actor, e.detail.assignee]),
        [
          ['item_claimed', 'birth_certificate', holder, holder],
          ['item_claimed', 'birth_certificate', 'chief-h', loser.sub],
        ],
        'claims are part of the durable history',
      );
    });
  });

  it("keeps an item from the case workers of other institutions: 404, and not in their inbox", async function () {
    await s.run(async () => {
      await s.waitForItems(caseId, { hukou_registration: 'in_review' });
      const own = await bearer(officer);
      const stranger = await bearer(strangerOfficer);
      const base = `/api/cases/${caseId}/items/hukou_registration`;

      assert.equal((await s.api.get(base).set('authorization', stranger)).status, 404);
      assert.equal((await s.api.post(`${base}/claim`).set('authorization', stranger).send({})).status, 404);
      assert.equal((await s.api.delete(`${base}/claim`).set('authorization', stranger)).status, 404);
      const decided = await s.api.post(`${base}/decision`).set('authorization', stranger).send({ decision: 'approve' });
      assert.equal(decided.status, 404);
      assert.equal(decided.body.error, 'not_found');
      assert.equal((await s.api.get(`/api/cases/${caseId}`).set('authorization', stranger)).status, 404, 'the case is not disclosed either');
      const theirs = await s.api.get('/api/tasks').set('authorization', stranger);
      assert.equal(theirs.status, 200);
      assert.ok(!theirs.body.tasks.some((t: { caseId: string }) => t.caseId === caseId), 'not in their inbox');

      const mine = await s.api.get('/api/tasks').set('authorization', own);
      const task = mine.body.tasks.find((t: { caseId: string }) => t.caseId === caseId);
      assert.deepEqual([task.key, task.item, task.institution, task.status, task.assignee], ['hukou_registration', 'hukou_registration', STATION, 'in_review', undefined]);
      assert.equal((await s.api.get(`/api/cases/${caseId}`).set('authorization', own)).status, 200);
      // A hospital registrar of this case is no police officer.
      assert.equal((await s.api.get(base).set('authorization', await bearer(registrarA))).status, 404);
      assert.equal((await s.api.post(`${base}/decision`).set('authorization', await bearer(registrarA)).send({ decision: 'approve' })).status, 403);

      // Tokens that name no office, or one of another department, act for none.
      for (const principal of [{ sub: 'x', role: 'case_worker', department: 'police' }, worker('y', 'police', HOSPITAL)] as Principal[]) {
        assert.equal((await s.api.get('/api/tasks').set('authorization', await bearer(principal))).status, 403);
      }

      // Supervisors see what their division holds.
      const list = async (principal: Principal) => (await s.api.get('/api/cases?region=lanzhou&pageSize=200').set('authorization', await bearer(principal))).body.cases.map((c: { caseId: string }) => c.caseId);
      assert.ok((await list({ sub: 'c', role: 'supervisor', department: 'police', division: '6201' })).includes(caseId));
      assert.ok(!(await list({ sub: 'd', role: 'supervisor', department: 'police', division: '31' })).includes(caseId));
      assert.equal((await s.api.get(`/api/cases/${caseId}`).set('authorization', await bearer({ sub: 'd', role: 'supervisor', division: '31' }))).status, 404);

      assert.equal((await s.api.post(`${base}/decision`).set('authorization', own).send({ decision: 'approve' })).status, 200);
      // The next steps reach their departments on this worker, not on one that stops mid-call.
      await s.waitForItems(caseId, { social_security_card: 'in_review', medical_insurance_enrollment: 'in_review' });
    });
  });

  it('gives each department the sections of the application it needs and nothing more, and its case workers read them', async function () {
    await s.run(async () => {
      await s.waitForItems(caseId, { social_security_card: 'in_review', maternity_expense_reimbursement: 'in_review' });
      const registrar = await bearer(registrarA);
      const birth = await s.api.get(`/api/cases/${caseId}/items/birth_certificate`).set('authorization', registrar);
      assert.equal(birth.status, 200, JSON.stringify(birth.body));
      assert.equal(birth.body.key, 'birth_certificate');
      assert.equal(birth.body.institution, HOSPITAL);
      assert.equal(birth.body.status, 'completed');
      assert.equal(birth.body.data.child.name, app.child.name);
      assert.equal(birth.body.data.mother.idNumber, app.mother.idNumber);
      assert.deepEqual(Object.keys(birth.body.data).sort(), ['child', 'delivery', 'father', 'mother']);

      const hrss = await bearer(worker('clerk-3', 'hrss', 'hrss:620102'));
      const card = await s.api.get(`/api/cases/${caseId}/items/social_security_card`).set('authorization', hrss);
      assert.equal(card.status, 200, JSON.stringify(card.body));
      assert.equal(card.body.data.socialSecurityCard.bankCode, 'ICBC');
      assert.deepEqual(Object.keys(card.body.data).sort(), ['child', 'logistics', 'socialSecurityCard']);
      assert.ok(!JSON.stringify(card.body).includes(BANK_ACCOUNT), 'not the maternity bank account');
      assert.ok(!JSON.stringify(card.body).includes(app.mother.idNumber), "not the mother's ID number");
      const hukouLicence = itemOf(await s.view(caseId), 'hukou_registration').licence!;
      assert.deepEqual(card.body.proofs, [hukouLicence], 'the licences handed on');

      // The department systems received exactly that, once per idempotency key.
      const [sent] = await received('hrss', 'social_security_card');
      assert.deepEqual(sent.sections, ['child', 'socialSecurityCard', 'logistics']);
      assert.deepEqual(sent.data, { child: app.child, socialSecurityCard: app.socialSecurityCard, logistics: app.logistics });
      const [maternity] = await received('medical_insurance', 'maternity_expense_reimbursement');
      assert.equal((maternity.data.maternityBenefit as { bankAccount: string }).bankAccount, BANK_ACCOUNT);
      assert.equal(maternity.data.father, undefined);
      assert.deepEqual(maternity.documents, [{ name: '分娩住院医疗费用票据及费用清单', reference: 'upload-bill-17' }], 'the bills travel with their item');
      const [police] = await received('police', 'hukou_registration');
      assert.deepEqual(Object.keys(police.data).sort(), ['birthRegistration', 'child', 'father', 'marriage', 'mother']);
      assert.deepEqual(police.documents, []);

      const insurer = await bearer(worker('clerk-4', 'medical_insurance', 'medical_insurance:620102'));
      const bills = await s.api.get(`/api/cases/${caseId}/items/maternity_expense_reimbursement`).set('authorization', insurer);
      assert.deepEqual(bills.body.documents, [{ name: '分娩住院医疗费用票据及费用清单', reference: 'upload-bill-17' }]);
      // Any status: a pending item's file is there for an auditor too.
      const pending = await s.api.get(`/api/cases/${caseId}/items/parenting_guidance_registration`).set('authorization', await bearer(auditor));
      assert.equal(pending.status, 200);
      assert.equal((await s.api.get(`/api/cases/${caseId}/items/outpatient_record_booklet`).set('authorization', await bearer(auditor))).status, 404, 'not an item of the Lanzhou pack');
    });
  });

  it('records every read of personal data and lists it to auditors', async function () {
    await s.run(async () => {
      const auditorToken = await bearer(auditor);
      const raw = await s.api.get(`/api/cases/${caseId}/history/raw`).set('authorization', auditorToken);
      assert.equal(raw.status, 200);
      const payloads = JSON.parse(raw.text).events[0].workflowExecutionStartedEventAttributes.input.payloads;
      assert.equal((await s.api.post('/api/codec/decode').set('authorization', auditorToken).send({ payloads })).status, 200);

      const log = await s.api.get(`/api/audit/access?caseId=${caseId}`).set('authorization', auditorToken);
      assert.equal(log.status, 200, JSON.stringify(log.body));
      const accesses = log.body.accesses as { at: string; actor: string; role: string; institution?: string; caseId: string; itemKey?: string; kind: string; sections: string[] }[];
      const hospital = accesses.find((a) => a.actor === registrarA.sub && a.itemKey === 'birth_certificate');
      assert.ok(hospital, `the hospital case worker is named: ${JSON.stringify(accesses)}`);
      assert.deepEqual([hospital.role, hospital.institution, hospital.kind, [...hospital.sections].sort()], ['case_worker', HOSPITAL, 'item_view', ['child', 'delivery', 'father', 'mother']]);
      assert.ok(accesses.some((a) => a.actor === 'clerk-3' && a.itemKey === 'social_security_card' && a.sections.includes('socialSecurityCard') && !a.sections.includes('maternityBenefit')));
      assert.ok(accesses.some((a) => a.actor === auditor.sub && a.kind === 'raw_history' && a.itemKey === undefined));
      const decoded = accesses.find((a) => a.kind === 'codec_decode');
      assert.ok(decoded?.sections.includes('mother') && decoded.sections.includes('maternityBenefit'), 'a decode of the case input reads the whole application');
      assert.ok(accesses.every((a) => a.caseId === caseId));
      assert.ok(accesses.every((a, i) => i === 0 || accesses[i - 1].at <= a.at), 'oldest first');

      const byActor = await s.api.get(`/api/audit/access?actor=${registrarA.sub}&from=${encodeURIComponent(new Date(Date.now() - 3_600_000).toISOString())}`).set('authorization', auditorToken);
      assert.ok(byActor.body.accesses.length >= 1 && byActor.body.accesses.every((a: { actor: string }) => a.actor === registrarA.sub));
      assert.equal((await s.api.get('/api/audit/access?from=yesterday').set('authorization', auditorToken)).status, 400);
      assert.equal((await s.api.get('/api/audit/access').set('authorization', await bearer(registrarA))).status, 403);
      await s.recordGolden(caseId, 'lanzhou-institutions-claims-rollup');
    });
  });

  it('reads an item of a case the engine has let go from its archived history', async function () {
    // The engine deletes in the background: under the whole suite's load, that can take a while.
    this.timeout(240_000);
    await s.run(async () => {
      const national = { ...sampleApplication({ seq: uniqueSeq() }), items: ['vaccination_certificate' as const], documents: [{ item: 'vaccination_certificate' as const, name: '出生证明复印件', reference: 'upload-5' }] };
      const closed = await s.submit(national);
      await s.waitForItems(closed, { vaccination_certificate: 'in_review' });
      // Deciding an unclaimed item claims it; its holder may release it.
      const requested = await s.decide(closed, 'vaccination_certificate', 'hospital', 'request_supplement', '请补充接种记录');
      assert.equal(requested.status, 200);
      assert.equal(itemOf(requested.body, 'vaccination_certificate').assignee, 'worker-hospital');
      assert.equal((await s.api.delete(`/api/cases/${closed}/items/vaccination_certificate/claim`).set('authorization', `Bearer ${await s.caseWorker(closed, 'hospital')}`)).status, 200);
      assert.equal(itemOf(await s.view(closed), 'vaccination_certificate').assignee, undefined);
      const supplied = await s.api.post(`/api/cases/${closed}/supplement`).set('authorization', `Bearer ${await s.applicantToken(national)}`).send({ item: 'vaccination_certificate', documents: [{ name: '接种记录', reference: 'upload-6' }] });
      assert.equal(supplied.status, 200, JSON.stringify(supplied.body));
      assert.equal((await s.decide(closed, 'vaccination_certificate', 'hospital', 'approve')).status, 200);
      await s.waitFor(closed, (v) => v.status === 'completed', 'the case to close');
      const path = `/api/cases/${closed}/items/vaccination_certificate`;
      const registrar = await s.caseWorker(closed, 'hospital');
      const live = await s.api.get(path).set('authorization', `Bearer ${registrar}`);
      assert.equal(live.status, 200);
      assert.deepEqual(live.body.documents, [{ name: '出生证明复印件', reference: 'upload-5' }, { name: '接种记录', reference: 'upload-6' }]);
      assert.equal(statusOf(await s.view(closed), 'hukou_registration'), 'not_applied');
      assert.equal((await s.api.get(`/api/cases/${closed}/items/hukou_registration`).set('authorization', `Bearer ${await s.auth(auditor)}`)).status, 404);
      await s.recordGolden(closed, 'national-documents-case-events');

      await sweepClosedCases(s.env.client, s.env.db.db);
      const handle = s.env.client.workflow.getHandle(closed);
      await s.env.client.workflowService.deleteWorkflowExecution({ namespace: s.env.config.namespace, workflowExecution: { workflowId: closed } });
      const asked = Date.now();
      await eventually(
        () => handle.describe().then(() => false, (err: unknown) => err instanceof WorkflowNotFoundError),
        'the engine to forget the case',
        { timeoutMs: 180_000 },
      );
      process.stdout.write(`      [items] the engine deleted the case in ${Date.now() - asked} ms\n`);
      const archived = await s.api.get(path).set('authorization', `Bearer ${registrar}`);
      assert.equal(archived.status, 200, JSON.stringify(archived.body));
      assert.deepEqual({ ...archived.body }, { ...live.body }, 'the same file from the archive');
    });
  });
});
