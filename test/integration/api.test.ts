import { strict as assert } from 'node:assert';
import type { Principal } from '../../api/auth';
import { sampleApplication } from '../../scripts/sample-application';
import { uniqueSeq } from '../applicants';
import { Scenario } from './scenario';

// The HTTP contract (DESIGN §6) at its edges: who may call what, and what bad input gets back.

const someCase = 'case-000000000000000000000000';
const PRINCIPALS: Record<string, Principal> = {
  applicant: { sub: 'applicant-x', role: 'applicant' },
  case_worker: { sub: 'w-1', role: 'case_worker', department: 'hospital', institution: 'H110105001' },
  supervisor: { sub: 's-1', role: 'supervisor', department: 'hospital' },
  auditor: { sub: 'a-1', role: 'auditor' },
  admin: { sub: 'root', role: 'admin' },
};

const ROUTES: { method: 'get' | 'post' | 'delete'; path: string; roles: string[] }[] = [
  { method: 'post', path: '/api/eligibility', roles: ['applicant'] },
  { method: 'post', path: '/api/cases', roles: ['applicant'] },
  { method: 'get', path: `/api/cases/${someCase}`, roles: ['applicant', 'case_worker', 'supervisor', 'auditor'] },
  { method: 'get', path: '/api/cases', roles: ['supervisor', 'auditor'] },
  { method: 'get', path: '/api/tasks', roles: ['case_worker'] },
  { method: 'post', path: `/api/cases/${someCase}/items/birth_certificate/decision`, roles: ['case_worker'] },
  { method: 'get', path: `/api/cases/${someCase}/items/birth_certificate`, roles: ['case_worker', 'auditor'] },
  { method: 'post', path: `/api/cases/${someCase}/items/birth_certificate/claim`, roles: ['case_worker', 'supervisor'] },
  { method: 'delete', path: `/api/cases/${someCase}/items/birth_certificate/claim`, roles: ['case_worker', 'supervisor'] },
  { method: 'get', path: '/api/audit/access', roles: ['auditor'] },
  { method: 'post', path: `/api/cases/${someCase}/supplement`, roles: ['applicant'] },
  { method: 'post', path: `/api/cases/${someCase}/withdraw`, roles: ['applicant'] },
  { method: 'get', path: '/api/sla/breaches', roles: ['supervisor', 'auditor'] },
  { method: 'get', path: '/api/sla/summary', roles: ['supervisor', 'auditor'] },
  { method: 'get', path: `/api/cases/${someCase}/history`, roles: ['auditor'] },
  { method: 'post', path: '/api/audit/replay', roles: ['auditor'] },
];

describe('the HTTP contract', function () {
  let s: Scenario;
  before(async function () {
    s = await Scenario.start();
  });

  describe('who may call what', function () {
    for (const route of ROUTES) {
      it(`${route.method.toUpperCase()} ${route.path.replace(someCase, ':caseId')}: 401 without a token, 403 for ${Object.keys(PRINCIPALS).filter((r) => !route.roles.includes(r)).join(', ')}`, async function () {
        const anonymous = await s.api[route.method](route.path).send({});
        assert.equal(anonymous.status, 401);
        assert.equal(anonymous.body.error, 'unauthenticated');
        // A worker answers the routes that ask one (an auditor's replay).
        await s.run(async () => {
          for (const [role, principal] of Object.entries(PRINCIPALS)) {
            const res = await s.api[route.method](route.path).set('authorization', `Bearer ${await s.auth(principal)}`).send({});
            if (route.roles.includes(role)) assert.notEqual(res.status, 403, `${role} is allowed`);
            else assert.equal(res.status, 403, `${role} must be refused, got ${res.status}`);
            assert.ok(res.status < 500, `${role}: ${res.status} ${JSON.stringify(res.body)}`);
          }
        });
      });
    }

    it('refuses a forged or malformed token with 401', async function () {
      const good = await s.auth(PRINCIPALS.auditor);
      const forged = `${good.slice(0, -4)}AAAA`;
      assert.equal((await s.api.get('/api/cases').set('authorization', `Bearer ${forged}`)).status, 401);
      assert.equal((await s.api.get('/api/cases').set('authorization', 'Basic abc')).status, 401);
    });

    it("does not show one applicant another's case", async function () {
      await s.run(async () => {
        const app = s.application();
        const caseId = await s.submit(app);
        const other = await s.auth({ sub: s.application().applicant.idNumber, role: 'applicant' });
        assert.equal((await s.api.get(`/api/cases/${caseId}`).set('authorization', `Bearer ${other}`)).status, 403);
        assert.equal((await s.api.post(`/api/cases/${caseId}/withdraw`).set('authorization', `Bearer ${other}`).send({})).status, 403);
        const own = await s.api.get(`/api/cases/${caseId}`).set('authorization', `Bearer ${await s.applicantToken(app)}`);
        assert.equal(own.status, 200);
        assert.equal(own.body.caseId, caseId);
        assert.equal(JSON.stringify(own.body).includes(app.mother.idNumber), false, 'no ID number in the case view');
      });
    });

    it('refuses an application made with somebody else’s ID number', async function () {
      const app = s.application();
      const res = await s.api.post('/api/cases').set('authorization', `Bearer ${await s.auth({ sub: s.application().applicant.idNumber, role: 'applicant' })}`).send(app);
      assert.equal(res.status, 403);
    });
  });

  describe('bad input', function () {
    it('lists every failing field of an application at once, without echoing ID numbers', async function () {
      const app = s.application();
      const badId = `${app.mother.idNumber.slice(0, 17)}${app.mother.idNumber.endsWith('0') ? '1' : '0'}`;
      const body = {
        ...app,
        mother: { ...app.mother, idNumber: badId },
        delivery: { ...app.delivery, bornAt: new Date(Date.now() + 86_400_000).toISOString(), divisionCode: '11010' },
      };
      const res = await s.api.post('/api/cases').set('authorization', `Bearer ${await s.applicantToken(app)}`).send(body);
      assert.equal(res.status, 400);
      assert.equal(res.body.error, 'invalid_request');
      const paths = res.body.details.map((d: { path: string }) => d.path);
      for (const path of ['mother.idNumber', 'delivery.bornAt', 'delivery.divisionCode']) assert.ok(paths.includes(path), `${path} in ${paths}`);
      assert.equal(JSON.stringify(res.body).includes(badId), false);
    });

    it('answers malformed JSON, unknown items and bad decisions with 400, never 500', async function () {
      const app = s.application();
      const applicant = await s.applicantToken(app);
      const malformed = await s.api.post('/api/cases').set('authorization', `Bearer ${applicant}`).set('content-type', 'application/json').send('{"region": ');
      assert.equal(malformed.status, 400);
      assert.equal(malformed.body.error, 'invalid_json');

      const unknownItem = await s.api.post('/api/cases').set('authorization', `Bearer ${applicant}`).send({ ...app, items: ['hukou_registration', 'flying_licence'] });
      assert.equal(unknownItem.status, 400);
      assert.deepEqual(unknownItem.body.details.map((d: { path: string }) => d.path).sort(), ['items.1']);

      const missingPrerequisite = await s.api.post('/api/cases').set('authorization', `Bearer ${applicant}`).send({ ...app, items: ['hukou_registration'] });
      assert.equal(missingPrerequisite.status, 400);

      const worker = await s.auth(PRINCIPALS.case_worker);
      const decision = await s.api.post(`/api/cases/${someCase}/items/birth_certificate/decision`).set('authorization', `Bearer ${worker}`).send({ decision: 'maybe' });
      assert.equal(decision.status, 400);
      assert.deepEqual(decision.body.details.map((d: { path: string }) => d.path), ['decision']);
      const badCase = await s.api.get('/api/cases/not-a-case').set('authorization', `Bearer ${worker}`);
      assert.equal(badCase.status, 400);
      const badQuery = await s.api.get('/api/cases?status=lost&page=0').set('authorization', `Bearer ${await s.auth(PRINCIPALS.auditor)}`);
      assert.equal(badQuery.status, 400);
      assert.deepEqual(badQuery.body.details.map((d: { path: string }) => d.path).sort(), ['page', 'status']);
    });

    it('gives the whole one-time notice (一次告知) item by item, and refuses only when no item is eligible', async function () {
      const app = s.application();
      // Unmarried and over a year old: the birth certificate (first issuance) and the vaccination certificate remain.
      const partly = { ...app, marriage: { status: 'unmarried' as const }, delivery: { ...app.delivery, bornAt: '2025-01-05T10:00:00+08:00' } };
      const applicant = await s.applicantToken(app);
      const notice = await s.api.post('/api/eligibility').set('authorization', `Bearer ${applicant}`).send(partly);
      assert.equal(notice.status, 200);
      assert.equal(notice.body.eligible, true, 'at least one item is eligible');
      assert.deepEqual(notice.body.reasons.map((r: { code: string }) => r.code).sort(), ['CHILD_OVER_AGE_LIMIT', 'PARENTS_NOT_MARRIED'], 'the union of the items’ reasons');
      const verdict = Object.fromEntries(notice.body.items.map((i: { item: string; eligible: boolean; reasons: { code: string }[] }) => [i.item, [i.eligible, i.reasons.map((r) => r.code)]]));
      assert.deepEqual(verdict, {
        birth_certificate: [true, []],
        vaccination_certificate: [true, []],
        hukou_registration: [false, ['CHILD_OVER_AGE_LIMIT', 'PARENTS_NOT_MARRIED']],
        medical_insurance_enrollment: [false, ['PREREQUISITE_INELIGIBLE']],
        social_security_card: [false, ['PREREQUISITE_INELIGIBLE']],
      });
      const birth = notice.body.items.find((i: { item: string }) => i.item === 'birth_certificate');
      assert.ok(!birth.materials.some((m: { name: string }) => m.name === '结婚证'), 'no marriage certificate asked of an unmarried mother');

      // Born in Beijing: no item of the Lanzhou pack can be done jointly.
      const lanzhou = sampleApplication({ region: 'lanzhou', seq: uniqueSeq() });
      const elsewhere = { ...lanzhou, delivery: { ...lanzhou.delivery, divisionCode: '110105' } };
      const refusedNotice = await s.api.post('/api/eligibility').set('authorization', `Bearer ${await s.applicantToken(lanzhou)}`).send(elsewhere);
      assert.equal(refusedNotice.body.eligible, false);
      assert.ok(refusedNotice.body.items.every((i: { eligible: boolean }) => !i.eligible));
      const refused = await s.api.post('/api/cases').set('authorization', `Bearer ${await s.applicantToken(lanzhou)}`).send(elsewhere);
      assert.equal(refused.status, 422);
      assert.equal(refused.body.error, 'ineligible');
      assert.deepEqual(refused.body.reasons.map((r: { code: string }) => r.code), ['NOT_BORN_IN_REGION']);
      assert.ok(refused.body.reasons.every((r: { message: string }) => /[\u4e00-\u9fff]/.test(r.message)), 'messages in Chinese');
    });

    it('lists the items and materials of an eligible application, tailored to the family', async function () {
      const app = s.application();
      const res = await s.api.post('/api/eligibility').set('authorization', `Bearer ${await s.applicantToken(app)}`).send(app);
      assert.equal(res.status, 200);
      assert.equal(res.body.eligible, true);
      assert.deepEqual(res.body.items.map((i: { item: string }) => i.item), ['birth_certificate', 'vaccination_certificate', 'hukou_registration', 'medical_insurance_enrollment', 'social_security_card']);
      assert.ok(res.body.items.every((i: { eligible: boolean; reasons: unknown[] }) => i.eligible && i.reasons.length === 0));
      const hukou = res.body.items.find((i: { item: string }) => i.item === 'hukou_registration');
      assert.ok(hukou.materials.some((m: { replacedByLicence?: string }) => m.replacedByLicence), 'an e-licence replaces a paper document');
      assert.ok(hukou.materials.some((m: { name: string; replacedByLicence?: string }) => m.name === '结婚证' && m.replacedByLicence === 'marriage_certificate'));

      // A married couple without a certificate number: the e-licence cannot be found for them, so they bring the certificate.
      const noNumber = { ...app, marriage: { status: 'married' as const } };
      const told = await s.api.post('/api/eligibility').set('authorization', `Bearer ${await s.applicantToken(app)}`).send(noNumber);
      const certificate = told.body.items.find((i: { item: string }) => i.item === 'hukou_registration').materials.find((m: { name: string }) => m.name === '结婚证');
      assert.equal(certificate.replacedByLicence, undefined);
      assert.match(certificate.note, /结婚证原件/);
    });
  });

  describe('operations', function () {
    it('answers /healthz, /readyz and /api/openapi.json without a token', async function () {
      assert.equal((await s.api.get('/healthz')).status, 200);
      const ready = await s.api.get('/readyz');
      assert.equal(ready.status, 200, JSON.stringify(ready.body));
      const doc = await s.api.get('/api/openapi.json');
      assert.equal(doc.status, 200);
      assert.ok(doc.body.paths['/api/cases/{caseId}/items/{itemKey}/decision']);
    });

    it('lists cases for supervisors and a department inbox for its case workers', async function () {
      await s.run(async () => {
        const caseId = await s.submit(s.application());
        await s.waitForItems(caseId, { birth_certificate: 'in_review', vaccination_certificate: 'in_review' });
        const hospital = await s.api.get('/api/tasks').set('authorization', `Bearer ${await s.auth(PRINCIPALS.case_worker)}`);
        assert.equal(hospital.status, 200);
        const mine = hospital.body.tasks.filter((t: { caseId: string }) => t.caseId === caseId).map((t: { item: string }) => t.item).sort();
        assert.deepEqual(mine, ['birth_certificate', 'vaccination_certificate']);
        assert.ok(hospital.body.tasks.every((t: { department: string; status: string }) => t.department === 'hospital' && t.status === 'in_review'));
        const police = await s.api.get('/api/tasks').set('authorization', `Bearer ${await s.auth({ sub: 'p', role: 'case_worker', department: 'police', institution: 'police:110105' })}`);
        assert.equal(police.body.tasks.filter((t: { caseId: string }) => t.caseId === caseId).length, 0);

        const list = await s.api.get('/api/cases?status=in_progress&region=national').set('authorization', `Bearer ${await s.auth(PRINCIPALS.supervisor)}`);
        assert.equal(list.status, 200);
        assert.ok(list.body.total >= 1);
        assert.ok(list.body.cases.some((c: { caseId: string }) => c.caseId === caseId));
      });
    });
  });
});
