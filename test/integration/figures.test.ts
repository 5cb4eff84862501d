import { strict as assert } from 'node:assert';
import { currentCalendar, workingMsBetween } from '../../domain/calendar';
import type { Application } from '../../policy/types';
import { sampleApplication } from '../../scripts/sample-application';
import type { CaseView } from '../../workflows/messages';
import { uniqueSeq } from '../applicants';
import { Scenario } from './scenario';

// GET /api/metrics/cases (DESIGN §7 "Figures") on the real servers. The cases of this
// test are the only ones in the Anning district (620105): a supervisor of that division
// sees exactly them, whatever else the run submits.

const DIVISION = '620105';
const HOSPITAL = `H${DIVISION}001`;
const DAY = 86_400_000;

function anningFamily(items: Application['items'], bornAt = new Date(Date.now() - 2 * DAY)): Application {
  const app = sampleApplication({ region: 'lanzhou', seq: uniqueSeq(), bornAt });
  const hukou = { divisionCode: DIVISION, householdType: 'family' as const };
  return {
    ...app,
    items,
    delivery: { ...app.delivery, institutionCode: HOSPITAL, divisionCode: DIVISION },
    mother: { ...app.mother, hukou },
    father: { ...app.father!, hukou },
  };
}

/** percentile_cont of PostgreSQL: linear between the two nearest ranks. */
function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const rank = p * (sorted.length - 1);
  const low = Math.floor(rank);
  return sorted[low] + (rank - low) * ((sorted[Math.ceil(rank)] ?? sorted[low]) - sorted[low]);
}

describe('the figures', function () {
  let s: Scenario;

  before(async function () {
    s = await Scenario.start();
  });

  it('answers each field with what the cases imply', async function () {
    this.timeout(180_000);
    const supervisor = `Bearer ${await s.auth({ sub: 'supervisor-anning', role: 'supervisor', division: DIVISION })}`;
    const registrar = `Bearer ${await s.auth({ sub: 'registrar-anning', role: 'case_worker', department: 'hospital', institution: HOSPITAL })}`;
    const health = `Bearer ${await s.auth({ sub: 'health-anning', role: 'case_worker', department: 'health', institution: `health:${DIVISION}` })}`;
    const decide = async (caseId: string, key: string, auth: string, decision: string) => {
      const res = await s.api.post(`/api/cases/${caseId}/items/${key}/decision`).set('authorization', auth).send({ decision });
      assert.equal(res.status, 200, JSON.stringify(res.body));
    };
    const closed: CaseView[] = [];

    await s.run(async () => {
      // A: the certificate issued, the parenting guidance refused: partially completed, its record matched at once.
      const a = anningFamily(['birth_certificate', 'parenting_guidance_registration']);
      const caseA = await s.submit(a);
      await s.waitForItems(caseA, { birth_certificate: 'in_review' });
      await decide(caseA, 'birth_certificate', registrar, 'approve');
      await s.waitForItems(caseA, { parenting_guidance_registration: 'in_review' });
      await decide(caseA, 'parenting_guidance_registration', health, 'reject');
      closed.push(await s.waitFor(caseA, (v) => v.status === 'partially_completed', 'A partially completed'));

      // B: the hospital recorded the birth three hours earlier than the form says: one supplement corrects it.
      const b = anningFamily(['birth_certificate']);
      const recorded = new Date(Date.parse(b.delivery.bornAt) - 3 * 3_600_000).toISOString();
      await s.recordDelivery(b, recorded);
      const caseB = await s.submit(b, { deliveryRecorded: false });
      await s.waitForItems(caseB, { birth_certificate: 'awaiting_supplement' });
      const supplied = await s.api
        .post(`/api/cases/${caseB}/supplement`)
        .set('authorization', `Bearer ${await s.applicantToken(b)}`)
        .send({ item: 'birth_certificate', documents: [{ name: '出生时间说明', reference: 'upload-b-1' }], corrections: { bornAt: recorded } });
      assert.equal(supplied.status, 200, JSON.stringify(supplied.body));
      await s.waitForItems(caseB, { birth_certificate: 'in_review' });
      await decide(caseB, 'birth_certificate', registrar, 'approve');
      closed.push(await s.waitFor(caseB, (v) => v.status === 'completed', 'B completed'));

      // C: withdrawn once at work.
      const c = anningFamily(['birth_certificate']);
      const caseC = await s.submit(c);
      await s.waitForItems(caseC, { birth_certificate: 'in_review' });
      const withdrawn = await s.api.post(`/api/cases/${caseC}/withdraw`).set('authorization', `Bearer ${await s.applicantToken(c)}`).send({});
      assert.equal(withdrawn.status, 200, JSON.stringify(withdrawn.body));

      // D: applied for thirteen months after the birth, past the registration window (12 months); still at work.
      const d = anningFamily(['birth_certificate'], new Date(Date.now() - 395 * DAY));
      const caseD = await s.submit(d);
      await s.waitForItems(caseD, { birth_certificate: 'in_review' });

      // E: a birth the hospital recorded that nobody applied for.
      const e = anningFamily(['birth_certificate']);
      await s.recordDelivery(e);
    });

    const from = new Date(Date.now() - 430 * DAY).toISOString();
    const to = new Date(Date.now() + DAY).toISOString();
    const api = s.env.api(s.taskQueue, { config: { ...s.env.config, taskQueue: s.taskQueue, departmentsUrl: s.env.simulator.url } });
    const res = await api.get(`/api/metrics/cases?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}&region=lanzhou`).set('authorization', supervisor);
    assert.equal(res.status, 200, JSON.stringify(res.body));

    const calendar = await currentCalendar(s.env.db.db);
    const days = closed.map((v) => workingMsBetween(new Date(v.submittedAt), new Date(v.closedAt!), calendar) / DAY);
    const { medianWorkingDaysToClose, p90WorkingDaysToClose, ...rest } = res.body;
    assert.ok(Math.abs(medianWorkingDaysToClose - percentile(days, 0.5)) < 1e-6, `median ${medianWorkingDaysToClose} of ${days.join(', ')}`);
    assert.ok(Math.abs(p90WorkingDaysToClose - percentile(days, 0.9)) < 1e-6, `p90 ${p90WorkingDaysToClose} of ${days.join(', ')}`);
    assert.deepEqual(rest, {
      from,
      to,
      cases: 4,
      completed: 1,
      partiallyCompleted: 1,
      withdrawn: 1,
      ineligible: 0,
      // A's certificate and B's within 5 working days, A's guidance refused; C withdrawn and D open do not count.
      childItemsWithin5WorkingDays: 2 / 3,
      supplementsPerCase: 1 / 4,
      dataQuality: {
        // A, B (its record three hours off), C have a case in time; D's came late; E has none.
        completeness: 3 / 5,
        timeliness: 3 / 4,
        // B's first check found a different birth time.
        accuracy: 3 / 4,
      },
    });

    // Per department: every case asked for the hospital's certificate, only A for the health office's guidance.
    const figuresOf = async (department: string, auth = supervisor) =>
      api.get(`/api/metrics/cases?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}&region=lanzhou&department=${department}`).set('authorization', auth);
    assert.equal((await figuresOf('hospital')).body.cases, 4);
    assert.equal((await figuresOf('health')).body.cases, 1);
    const policeChief = `Bearer ${await s.auth({ sub: 'chief-anning', role: 'supervisor', department: 'police', division: DIVISION })}`;
    assert.equal((await figuresOf('hospital', policeChief)).status, 403);
    assert.equal((await figuresOf('police', policeChief)).status, 200);

    const wrongOrder = await api.get(`/api/metrics/cases?from=${encodeURIComponent(to)}&to=${encodeURIComponent(from)}`).set('authorization', supervisor);
    assert.equal(wrongOrder.status, 400);
    const applicant = await api.get('/api/metrics/cases').set('authorization', `Bearer ${await s.auth({ sub: 'someone', role: 'applicant' })}`);
    assert.equal(applicant.status, 403);
  });
});
