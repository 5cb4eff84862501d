import { strict as assert } from 'node:assert';
import { createSlaActivities } from '../../activities/sla';
import { createCaseWorker } from '../../worker/worker';
import { overdueItemsKey } from '../../workflows/search-attributes';
import { eventually } from '../eventually';
import { plausibleYear } from './calendar-fixtures';
import { Scenario, itemOf, statusOf } from './scenario';

// SLAs with the compressed clock (every day a working day of N seconds), the
// supervisor's view through the API, notifications through the SMS gateway, and
// the administrator's calendar. Everything is polled, nothing timed.

interface BreachRow {
  caseId: string;
  item: string;
  department: string;
  deadline: string;
  breachedAt: string;
  escalationLevel: number;
  resolvedAt: string | null;
}
interface SmsMessage {
  to: string;
  template: string;
  params: Record<string, unknown>;
}

const poll = <T>(what: string, probe: () => Promise<T | undefined>) => eventually(probe, what);

async function sms(s: Scenario, to: string): Promise<SmsMessage[]> {
  const res = await fetch(`${s.env.simulator.url}/sms/messages?to=${encodeURIComponent(to)}`);
  return ((await res.json()) as { messages: SmsMessage[] }).messages;
}

describe('SLAs, escalation and the supervisor view', function () {
  this.timeout(120_000);

  it('breaches at the deadline, escalates a working day later, resolves on decision, and shows it to supervisors', async function () {
    // From now, not a moment before: the summary counts every decision in its window, and
    // the suite before this one may have decided a hospital item a moment ago.
    const since = new Date().toISOString();
    const auditor = `Bearer ${await (await Scenario.start()).auth({ sub: 'auditor-1', role: 'auditor' })}`;

    // On time: the real calendar gives at least until tomorrow 17:30.
    const punctual = await Scenario.start();
    let punctualCase = '';
    await punctual.run(async (s) => {
      punctualCase = await s.submit(s.application());
      await s.waitForItems(punctualCase, { birth_certificate: 'in_review', vaccination_certificate: 'in_review' });
      assert.equal((await s.decide(punctualCase, 'birth_certificate', 'hospital', 'approve')).status, 200);
      assert.equal((await s.decide(punctualCase, 'vaccination_certificate', 'hospital', 'approve')).status, 200);
    });

    // Late: a working day is one second.
    const late = await Scenario.start({ slaDaySeconds: 1 });
    await late.run(async (s) => {
      const caseId = await s.submit(s.application());
      let view = await s.waitFor(caseId, (v) => itemOf(v, 'birth_certificate').escalationLevel >= 1, 'the breach of the birth certificate');
      const deadline = itemOf(view, 'birth_certificate').deadline!;

      const open = await s.api.get(`/api/sla/breaches?open=true&department=hospital&from=${encodeURIComponent(since)}`).set('authorization', auditor);
      assert.equal(open.status, 200, JSON.stringify(open.body));
      const breach = (open.body.breaches as BreachRow[]).find((b) => b.caseId === caseId && b.item === 'birth_certificate');
      assert.ok(breach, JSON.stringify(open.body));
      assert.equal(breach.department, 'hospital');
      assert.equal(breach.resolvedAt, null);
      assert.equal(breach.deadline, deadline, 'the breach carries the deadline recorded for the item');
      assert.ok(Date.parse(breach.breachedAt) >= Date.parse(breach.deadline), 'recorded at the deadline, not before');

      const overdue = (await s.env.client.workflow.getHandle(caseId).describe()).typedSearchAttributes.get(overdueItemsKey);
      assert.ok(overdue?.includes('hospital:birth_certificate'), `OverdueItems: ${JSON.stringify(overdue)}`);

      view = await s.waitFor(caseId, (v) => itemOf(v, 'birth_certificate').escalationLevel >= 2, 'escalation to the department head');
      assert.equal(statusOf(view, 'birth_certificate'), 'in_review', 'escalation never decides for the department');
      const head = await poll('the SMS to the department head', async () => (await sms(s, 'department_head@hospital')).find((m) => m.params.caseId === caseId && m.params.item === 'birth_certificate'));
      assert.equal(head.template, 'sla_escalated');
      assert.equal(head.params.level, 2);
      const supervisorSms = await poll('the SMS to the department supervisor', async () => (await sms(s, 'department_supervisor@hospital')).find((m) => m.params.caseId === caseId && m.params.item === 'birth_certificate'));
      assert.equal(supervisorSms.params.level, 1);
      assert.equal(supervisorSms.params.deadline, deadline);

      // A rejection resolves the breach (and cancels the dependants: no police item to race with).
      assert.equal((await s.decide(caseId, 'birth_certificate', 'hospital', 'reject', '分娩记录不符')).status, 200);
      await s.waitFor(caseId, (v) => itemOf(v, 'vaccination_certificate').escalationLevel >= 1, 'the breach of the vaccination certificate');
      assert.equal((await s.decide(caseId, 'vaccination_certificate', 'hospital', 'approve')).status, 200);
      await s.waitFor(caseId, (v) => v.status === 'partially_completed', 'the case to close');

      const resolved = await s.api.get(`/api/sla/breaches?open=false&from=${encodeURIComponent(since)}`).set('authorization', auditor);
      assert.equal(resolved.status, 200);
      const mine = (resolved.body.breaches as BreachRow[]).filter((b) => b.caseId === caseId);
      assert.deepEqual(mine.map((b) => b.item).sort(), ['birth_certificate', 'vaccination_certificate']);
      assert.ok(mine.every((b) => b.resolvedAt && Date.parse(b.resolvedAt) >= Date.parse(b.breachedAt)));
      assert.ok(mine.find((b) => b.item === 'birth_certificate')!.escalationLevel >= 2);
      const after = (await s.env.client.workflow.getHandle(caseId).describe()).typedSearchAttributes.get(overdueItemsKey);
      assert.deepEqual(after ?? [], [], 'nothing overdue once decided');

      const summary = await s.api.get(`/api/sla/summary?from=${encodeURIComponent(since)}`).set('authorization', auditor);
      assert.equal(summary.status, 200, JSON.stringify(summary.body));
      process.stdout.write(`      [sla] breaches: ${JSON.stringify(mine)}\n      [sla] summary: ${JSON.stringify(summary.body.departments)}\n`);
      const hospital = summary.body.departments.find((d: { department: string }) => d.department === 'hospital');
      // Two decided on time (the punctual case), two decided after their breach (this one).
      assert.deepEqual({ decided: hospital.decided, onTime: hospital.onTime, breached: hospital.breached, onTimeRate: hospital.onTimeRate }, { decided: 4, onTime: 2, breached: 2, onTimeRate: 0.5 });
      assert.equal(typeof hospital.medianWorkingHoursToDecide, 'number');
      assert.ok(hospital.medianWorkingHoursToDecide >= 0);
      await s.recordGolden(caseId, 'sla-escalated-rejected-items');
    });
    assert.ok(punctualCase);
  });

  it('stops the clock while the applicant supplies, then sets a fresh deadline', async function () {
    const s = await Scenario.start({ slaDaySeconds: 2 });
    await s.run(async () => {
      const app = s.application();
      const caseId = await s.submit(app);
      const applicant = `Bearer ${await s.applicantToken(app)}`;
      await s.waitForItems(caseId, { vaccination_certificate: 'in_review' });
      const asked = await s.decide(caseId, 'vaccination_certificate', 'hospital', 'request_supplement', '请补充乙肝疫苗接种记录');
      assert.equal(asked.status, 200);
      const levelWhenAsked = itemOf(asked.body, 'vaccination_certificate').escalationLevel;
      const breachesWhenAsked = (await s.env.db.sql`select count(*)::int as n from sla_breaches where case_id = ${caseId} and item = 'vaccination_certificate'`)[0].n;

      // Several compressed days pass (the birth certificate, left alone, climbs the ladder)...
      await s.waitFor(caseId, (v) => itemOf(v, 'birth_certificate').escalationLevel >= 3, 'three working days to pass');
      // ...and the item waiting for the applicant neither escalates nor breaches.
      let view = await s.view(caseId);
      assert.equal(statusOf(view, 'vaccination_certificate'), 'awaiting_supplement');
      assert.equal(itemOf(view, 'vaccination_certificate').deadline, undefined);
      assert.equal(itemOf(view, 'vaccination_certificate').escalationLevel, levelWhenAsked);
      const open = await s.env.db.sql`select count(*)::int as n from sla_breaches where case_id = ${caseId} and item = 'vaccination_certificate' and resolved_at is null`;
      assert.equal(open[0].n, 0, 'a request for supplement resolves any breach and opens none');

      const supplied = await s.api.post(`/api/cases/${caseId}/supplement`).set('authorization', applicant).send({ item: 'vaccination_certificate', documents: [{ name: '乙肝疫苗接种记录', reference: 'upload-7' }] });
      assert.equal(supplied.status, 200, JSON.stringify(supplied.body));
      const fresh = itemOf(supplied.body, 'vaccination_certificate');
      assert.equal(fresh.escalationLevel, 0);
      const [received] = await s.env.db.sql`select at from case_events where case_id = ${caseId} and type = 'supplement_received'`;
      assert.ok(Date.parse(fresh.deadline!) > new Date(received.at).getTime(), 'the deadline counts from the complete materials');

      // Left undecided, the fresh deadline passes: a new breach of its own.
      view = await s.waitFor(caseId, (v) => itemOf(v, 'vaccination_certificate').escalationLevel >= 1, 'the breach of the fresh deadline');
      const rows = await s.env.db.sql`select seq, deadline from sla_breaches where case_id = ${caseId} and item = 'vaccination_certificate' order by seq`;
      assert.equal(rows.length, breachesWhenAsked + 1);
      assert.equal(new Date(rows[rows.length - 1].deadline).toISOString(), fresh.deadline);

      // The applicant was told at each step; the phone number is sent to the gateway, never stored.
      const told = await poll('the applicant notifications', async () => {
        const res = await s.api.get(`/api/notifications?caseId=${caseId}`).set('authorization', applicant);
        assert.equal(res.status, 200, JSON.stringify(res.body));
        const templates = (res.body.notifications as { template: string; item: string }[]).map((n) => `${n.template}:${n.item}`);
        return ['item_started:birth_certificate', 'item_started:vaccination_certificate', 'supplement_needed:vaccination_certificate'].every((t) => templates.includes(t)) ? res.body.notifications : undefined;
      });
      const needed = told.find((n: { template: string }) => n.template === 'supplement_needed');
      // The case worker's words stay in the case view; an SMS carries codes only.
      assert.equal(needed.params.comment, undefined);
      assert.ok(!JSON.stringify(told).includes('请补充乙肝疫苗接种记录'));
      assert.ok(!JSON.stringify(told).includes(app.applicant.phone), 'no phone number in stored notifications');
      assert.ok(!JSON.stringify(told).includes(app.applicant.idNumber));
      assert.match(needed.address, /^\d{3}\*+\d{4}$/);
      const delivered = await poll('the SMS to the applicant', async () => (await sms(s, app.applicant.phone)).find((m) => m.params.caseId === caseId && m.template === 'supplement_needed'));
      assert.equal(delivered.params.item, 'vaccination_certificate');
      const stored = await s.env.db.sql`select count(*)::int as n from notifications where case_id = ${caseId} and sent_at is not null`;
      assert.ok(stored[0].n >= 3);

      // Another applicant sees none of them.
      const stranger = s.application();
      const theirs = await s.api.get(`/api/notifications?caseId=${caseId}`).set('authorization', `Bearer ${await s.applicantToken(stranger)}`);
      assert.deepEqual(theirs.body.notifications, []);

      for (const [item, dept] of [['birth_certificate', 'hospital'], ['vaccination_certificate', 'hospital']] as const) {
        assert.equal((await s.decide(caseId, item, dept, 'reject')).status, 200);
      }
      await s.waitFor(caseId, (v) => v.status !== 'in_progress', 'the case to close');
      await s.recordGolden(caseId, 'sla-supplement-notified-items');
    });
  });

  it('scopes the supervisor view to the department in the token and checks every query parameter', async function () {
    // Its own breaches, one at the hospital and one at the police, on a 1-second working day.
    const s = await Scenario.start({ slaDaySeconds: 1 });
    let caseId = '';
    await s.run(async () => {
      caseId = await s.submit(s.application());
      await s.waitFor(caseId, (v) => itemOf(v, 'birth_certificate').escalationLevel >= 1, 'the hospital to breach');
      assert.equal((await s.decide(caseId, 'birth_certificate', 'hospital', 'approve')).status, 200);
      await s.waitFor(caseId, (v) => itemOf(v, 'hukou_registration').escalationLevel >= 1, 'the police to breach');
    });
    const as = async (principal: Parameters<Scenario['auth']>[0]) => `Bearer ${await s.auth(principal)}`;
    const police = await as({ sub: 'sup-police', role: 'supervisor', department: 'police' });
    const chief = await as({ sub: 'sup-all', role: 'supervisor' });
    const departmentsOf = (rows: BreachRow[]) => new Set(rows.filter((b) => b.caseId === caseId).map((b) => b.department));

    const own = await s.api.get('/api/sla/breaches').set('authorization', police);
    assert.equal(own.status, 200);
    assert.deepEqual([...departmentsOf(own.body.breaches)], ['police'], 'a police supervisor sees the police breach and not the hospital one');
    assert.ok((own.body.breaches as BreachRow[]).every((b) => b.department === 'police'));
    const all = await s.api.get('/api/sla/breaches').set('authorization', chief);
    assert.deepEqual([...departmentsOf(all.body.breaches)].sort(), ['hospital', 'police'], 'an unscoped supervisor sees every department');
    assert.equal((await s.api.get('/api/sla/breaches?department=police').set('authorization', police)).status, 200);
    const other = await s.api.get('/api/sla/breaches?department=hospital').set('authorization', police);
    assert.equal(other.status, 403);
    assert.equal(other.body.error, 'forbidden');
    assert.equal((await s.api.get('/api/sla/summary?department=hospital').set('authorization', police)).status, 403);
    const summary = await s.api.get('/api/sla/summary').set('authorization', police);
    assert.deepEqual(summary.body.departments.map((d: { department: string }) => d.department), ['police']);

    const bad = await s.api.get('/api/sla/breaches?department=zoo&open=maybe&from=yesterday&region=mars').set('authorization', chief);
    assert.equal(bad.status, 400);
    assert.deepEqual(bad.body.details.map((d: { path: string }) => d.path).sort(), ['department', 'from', 'open', 'region']);
    const backwards = await s.api.get('/api/sla/summary?from=2026-02-01&to=2026-01-01').set('authorization', chief);
    assert.equal(backwards.status, 400);
    assert.deepEqual(backwards.body.details.map((d: { path: string }) => d.path), ['to']);
    assert.equal((await s.api.get('/api/sla/summary?from=2026-01-01&to=2026-01-31T12:00:00%2B08:00').set('authorization', chief)).status, 200);

    assert.equal((await s.api.get('/api/sla/breaches')).status, 401);
    assert.equal((await s.api.get('/api/sla/summary').set('authorization', await as({ sub: 'w', role: 'case_worker', department: 'police', institution: 'police:110105' }))).status, 403);
    assert.equal((await s.api.get('/api/notifications')).status, 401);
    assert.equal((await s.api.get('/api/notifications').set('authorization', await as({ sub: 'a', role: 'auditor' }))).status, 403);
    type Note = { department: string; template: string };
    const escalationNotes = (who: string) =>
      poll('the escalation notices', async () => {
        const notes = (await s.api.get(`/api/notifications?caseId=${caseId}`).set('authorization', who)).body.notifications as Note[];
        return notes.some((n) => n.template === 'sla_escalated') ? notes : undefined;
      });
    assert.ok((await escalationNotes(police)).every((n) => n.department === 'police'), 'a police supervisor reads police notices only');
    assert.ok((await escalationNotes(await as({ sub: 'sup-h', role: 'supervisor', department: 'hospital' }))).every((n) => n.department === 'hospital'));
  });

  it('alerts the supervisor when the calendar does not cover the day, and never guesses a deadline', async function () {
    const s = await Scenario.start();
    const worker = await createCaseWorker({
      connection: s.env.connection,
      config: s.env.config,
      workflowBundle: s.env.bundle,
      taskQueue: s.taskQueue,
      deps: { db: s.env.db.db, departmentsUrl: s.env.simulator.url, calendar: { version: 'empty', years: [], isWorkday: () => undefined } },
    });
    await worker.runUntil(async () => {
      const caseId = await s.submit(s.application());
      const view = await s.waitForItems(caseId, { birth_certificate: 'in_review' });
      assert.equal(itemOf(view, 'birth_certificate').deadline, undefined);
      const events = await s.env.db.sql`select type from case_events where case_id = ${caseId} and item = 'birth_certificate' and type = 'deadline_unavailable'`;
      assert.equal(events.length, 1);
      const alert = await poll('the missing-calendar alert', async () => (await sms(s, 'department_supervisor@hospital')).find((m) => m.params.caseId === caseId && m.params.item === 'birth_certificate' && m.template === 'calendar_missing'));
      assert.equal(alert.params.item, 'birth_certificate');
      const notes = await s.api.get(`/api/notifications?caseId=${caseId}`).set('authorization', `Bearer ${await s.auth({ sub: 'sup-h', role: 'supervisor', department: 'hospital' })}`);
      assert.ok((notes.body.notifications as { template: string }[]).some((n) => n.template === 'calendar_missing'));
      // The department still decides; the case goes on without a deadline.
      assert.equal((await s.decide(caseId, 'birth_certificate', 'hospital', 'approve')).status, 200);
    });
  });

  it('lets an administrator load a newly published year, which the next deadline uses', async function () {
    const s = await Scenario.start();
    const admin = `Bearer ${await s.auth({ sub: 'admin-1', role: 'admin' })}`;
    const sla = createSlaActivities({ db: s.env.db.db, officeClose: '17:30' });
    // Far-future years: what this test loads changes no other test's deadlines, and it withdraws them after.
    const newYearsEve = { from: '2099-12-31T10:00:00+08:00', workingDays: 1 };
    await assert.rejects(sla.computeDeadline(newYearsEve), /does not cover 2100/);

    try {
      assert.equal((await s.api.put('/api/admin/calendar/2100').send(plausibleYear(2100))).status, 401);
      assert.equal((await s.api.put('/api/admin/calendar/2100').set('authorization', `Bearer ${await s.auth({ sub: 'sup', role: 'supervisor' })}`).send(plausibleYear(2100))).status, 403);
      const fine = plausibleYear(2100);
      const bad = await s.api
        .put('/api/admin/calendar/2100')
        .set('authorization', admin)
        .send({ holidays: [...fine.holidays.slice(0, 14), '2100-01-01', '2099-12-31', '2100-02-30'], workdays: ['not-a-date', '2100-01-01', ...fine.workdays] });
      assert.equal(bad.status, 400);
      assert.deepEqual(bad.body.details.map((d: { path: string }) => d.path).sort(), ['holidays.15', 'holidays.16', 'workdays.0', 'workdays.1']);
      assert.equal((await s.api.put('/api/admin/calendar/21x0').set('authorization', admin).send(fine)).status, 400);

      // 2099 and 2100 as an administrator might load them: New Year's Day a holiday.
      assert.equal((await s.api.put('/api/admin/calendar/2099').set('authorization', admin).send(plausibleYear(2099, ['2099-01-01']))).status, 200);
      const loaded = await s.api.put('/api/admin/calendar/2100').set('authorization', admin).send(plausibleYear(2100, ['2100-01-01', '2100-01-04']));
      assert.equal(loaded.status, 200, JSON.stringify(loaded.body));
      const first = await sla.computeDeadline(newYearsEve);
      // Thursday 2099-12-31 → Friday 01-01 (holiday), Saturday, Sunday, Monday 01-04 (holiday) → Tuesday.
      assert.equal(first.deadline, new Date('2100-01-05T17:30:00+08:00').toISOString());
      assert.equal(first.calendarVersion, loaded.body.version);

      const listed = await s.api.get('/api/admin/calendar').set('authorization', admin);
      assert.equal(listed.status, 200);
      assert.deepEqual(listed.body.years.find((y: { year: number }) => y.year === 2100), { ...listed.body.years.find((y: { year: number }) => y.year === 2100), source: 'loaded', holidays: 16, workdays: 5, loadedBy: 'admin-1' });
      assert.equal(listed.body.years.find((y: { year: number }) => y.year === 2026).source, 'chinese-days');

      // The same lists again: same version. Corrected lists: a new version and new deadlines.
      const again = await s.api.put('/api/admin/calendar/2100').set('authorization', admin).send(plausibleYear(2100, ['2100-01-04', '2100-01-01']));
      assert.equal(again.body.version, loaded.body.version);
      const corrected = await s.api.put('/api/admin/calendar/2100').set('authorization', admin).send(plausibleYear(2100, ['2100-01-01']));
      assert.notEqual(corrected.body.version, loaded.body.version);
      const second = await sla.computeDeadline(newYearsEve);
      assert.equal(second.deadline, new Date('2100-01-04T17:30:00+08:00').toISOString());
      assert.equal(second.calendarVersion, corrected.body.version);
    } finally {
      for (const year of [2099, 2100]) await s.api.delete(`/api/admin/calendar/${year}`).set('authorization', admin);
    }
    await assert.rejects(sla.computeDeadline(newYearsEve), /does not cover 2100/);
  });
});
