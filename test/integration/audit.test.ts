import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { promisify } from 'node:util';
import { WorkflowNotFoundError } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { historyFromJSON, type History } from '@temporalio/common/lib/proto-utils';
import { Worker, bundleWorkflowCode } from '@temporalio/worker';
import pino from 'pino';
import { findArchived, verifyChain } from '../../db/archive';
import { archivedHistories } from '../../db/schema';
import type { Application } from '../../policy/types';
import { startArchiver, sweepClosedCases } from '../../worker/archiver';
import { buildTimeline } from '../../domain/history';
import { replayCases } from '../../worker/replay';
import { dataConverter } from '../../runtime/temporal';
import { newWorker, testEnv } from '../harness';
import { Scenario, itemOf } from './scenario';

// Audit: histories archived once and kept after the engine forgets them, a readable
// timeline from them, replay against today's code, a tamper-evident chain, and no
// personal data in clear wherever the engine or the logs keep it.

const execFileAsync = promisify(execFile);
const temporalCli = join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'newborn-one-thing', 'temporal-cli-v1.5.1', 'temporal');

/** Polls until `probe` answers something truthy, instead of sleeping for a guessed time. */
async function eventually<T>(probe: () => Promise<T | undefined | false>, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('audit', function () {
  let s: Scenario;
  let app: Application;
  let completed = '';
  let withdrawn = '';
  let open = '';
  const logLines: string[] = [];
  let auditor = '';

  const get = (path: string) => s.api.get(path).set('authorization', `Bearer ${auditor}`);
  const post = (path: string, body: object) => s.api.post(path).set('authorization', `Bearer ${auditor}`).send(body);
  /** Replays run in a worker: one polls the scenario's task queue while the API waits for its answer. */
  const replay = async (body: object) => {
    let res: Awaited<ReturnType<typeof post>> | undefined;
    await s.run(async () => {
      res = await post('/api/audit/replay', body);
    });
    return res!;
  };

  before(async function () {
    this.timeout(120_000);
    // A compressed clock (1 s working days): the case also breaches and escalates.
    s = await Scenario.start({ slaDaySeconds: 1 });
    auditor = await s.auth({ sub: 'auditor-7', role: 'auditor' });
    const base = s.application();
    // Unusual names and phones, so that finding them anywhere means a leak.
    app = {
      ...base,
      child: { name: '欧阳小星' },
      mother: { ...base.mother, name: '欧阳明月', phone: '13712340001' },
      father: { ...base.father!, name: '司马长风', phone: '13912340002' },
      applicant: { ...base.applicant, phone: '13712340001' },
      logistics: { method: 'ems', recipient: '欧阳明月', phone: '13712340001', address: '北京市朝阳区望京街道十号院' },
    };
    const logs = new Writable({
      write(chunk, _enc, done) {
        logLines.push(String(chunk));
        done();
      },
    });
    const logged = s.env.api(s.taskQueue, { logger: pino({ level: 'debug' }, logs) });

    await s.run(async () => {
      await s.recordDelivery(app);
      const submitted = await logged.post('/api/cases').set('authorization', `Bearer ${await s.applicantToken(app)}`).send(app);
      assert.equal(submitted.status, 201, JSON.stringify(submitted.body));
      completed = submitted.body.caseId;
      const applicant = await s.applicantToken(app);
      await s.waitFor(completed, (v) => itemOf(v, 'birth_certificate').escalationLevel >= 1, 'the birth certificate to breach its deadline');
      const worker = (department: 'hospital' | 'police' | 'medical_insurance' | 'hrss') => s.caseWorker(completed, department, `staff-${department}-9`);
      const decide = async (item: string, department: 'hospital' | 'police' | 'medical_insurance' | 'hrss', decision: string, comment?: string) => {
        const res = await logged
          .post(`/api/cases/${completed}/items/${item}/decision`)
          .set('authorization', `Bearer ${await worker(department)}`)
          .send({ decision, ...(comment && { comment }) });
        assert.equal(res.status, 200, JSON.stringify(res.body));
      };
      await decide('birth_certificate', 'hospital', 'approve', '分娩记录核对无误');
      await s.waitForItems(completed, { vaccination_certificate: 'in_review' });
      await decide('vaccination_certificate', 'hospital', 'request_supplement', '请补充乙肝疫苗接种记录');
      const supplied = await logged.post(`/api/cases/${completed}/supplement`).set('authorization', `Bearer ${applicant}`).send({ item: 'vaccination_certificate', documents: [{ name: '乙肝疫苗接种记录', reference: 'upload-7' }] });
      assert.equal(supplied.status, 200, JSON.stringify(supplied.body));
      await decide('vaccination_certificate', 'hospital', 'approve');
      await s.waitForItems(completed, { hukou_registration: 'in_review' });
      await decide('hukou_registration', 'police', 'approve');
      await s.waitForItems(completed, { medical_insurance_enrollment: 'in_review', social_security_card: 'in_review' });
      await decide('medical_insurance_enrollment', 'medical_insurance', 'approve');
      await decide('social_security_card', 'hrss', 'approve');
      await s.waitFor(completed, (v) => v.status === 'completed', 'the case to complete');

      const other = s.application();
      withdrawn = await s.submit(other);
      await s.waitForItems(withdrawn, { birth_certificate: 'in_review' });
      const w = await s.api.post(`/api/cases/${withdrawn}/withdraw`).set('authorization', `Bearer ${await s.applicantToken(other)}`).send({ reason: '已在窗口办理' });
      assert.equal(w.status, 200, JSON.stringify(w.body));

      open = await s.submit(s.application());
      await s.waitForItems(open, { birth_certificate: 'in_review' });
      // Both closed cases finish their last notices on this worker, so they are closed (and archivable) when it stops.
      await Promise.all([completed, withdrawn].map((id) => s.env.client.workflow.getHandle(id).result()));
    });
  });

  describe('archive', function () {
    it('archives every closed case exactly once, even with several sweepers at once, and never an open one', async function () {
      const sweeps = await Promise.all([0, 1, 2].map(() => sweepClosedCases(s.env.client, s.env.db.db)));
      const archived = sweeps.flatMap((r) => r.archived);
      assert.equal(new Set(archived).size, archived.length, 'no case archived twice');
      assert.deepEqual(sweeps.flatMap((r) => r.failures), []);
      for (const [caseId, status] of [[completed, 'completed'], [withdrawn, 'withdrawn']]) {
        const entry = await findArchived(s.env.db.db, caseId);
        assert.ok(entry, `${caseId} archived`);
        assert.match(entry.digest, /^[0-9a-f]{64}$/);
        // The engine says COMPLETED for both: the archive keeps how the case itself ended.
        assert.equal(entry.status, status, 'the case’s own status');
        assert.ok(entry.closedAt.getTime() <= entry.archivedAt.getTime());
      }
      assert.equal(await findArchived(s.env.db.db, open), undefined, 'an open case is not archived');

      const again = await sweepClosedCases(s.env.client, s.env.db.db);
      assert.deepEqual(again.archived, [], 'a second sweep archives nothing new');
      assert.ok(again.skipped >= 2);
      const [{ n }] = await s.env.db.sql`select count(*)::int as n from archived_histories where case_id in (${completed}, ${withdrawn})`;
      assert.equal(n, 2);
      assert.equal((await verifyChain(s.env.db.db)).ok, true);

      // As the engine's retention would: the dev server takes half a minute to delete, so
      // it starts now and the last test, which reads the case from the archive, waits for it.
      await s.env.client.workflowService.deleteWorkflowExecution({ namespace: s.env.config.namespace, workflowExecution: { workflowId: withdrawn } });
    });

    it('archives cases that close while the archiver runs, from its periodic sweep', async function () {
      const archiver = startArchiver(s.env.client, s.env.db.db, pino({ level: 'silent' }), { intervalMs: 200 });
      try {
        await archiver.sweep(); // the sweep at start, over every closed case
        let late = '';
        await s.run(async () => {
          const other = s.application();
          late = await s.submit(other);
          await s.waitForItems(late, { birth_certificate: 'in_review' });
          const w = await s.api.post(`/api/cases/${late}/withdraw`).set('authorization', `Bearer ${await s.applicantToken(other)}`).send({});
          assert.equal(w.status, 200);
          // The update answers once the case is withdrawn; the workflow closes after its last notices are sent, on this worker.
          await s.env.client.workflow.getHandle(late).result();
        });
        const entry = await eventually(() => findArchived(s.env.db.db, late), 'the periodic sweep to archive the new closed case');
        assert.equal(entry.caseId, late);
        assert.equal(entry.status, 'withdrawn');
      } finally {
        await archiver.stop();
      }
    });
  });

  describe('timeline', function () {
    it('tells a closed case from submission to completion, with every decision, its case worker and comment', async function () {
      const res = await get(`/api/cases/${completed}/history`);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.body.source, 'archive');
      const events: { at: string; type: string; item?: string; actor?: string; detail?: Record<string, unknown> }[] = res.body.events;
      const times = events.map((e) => Date.parse(e.at));
      assert.deepEqual(times, [...times].sort((a, b) => a - b), 'chronological');
      const types = events.map((e) => e.type);
      assert.equal(types[0], 'case_submitted');
      assert.equal(events[0].detail?.applicant, `${app.applicant.idNumber.slice(0, 6)}********${app.applicant.idNumber.slice(-4)}`, 'the applicant, masked');
      assert.equal(types[1], 'eligibility_checked');
      assert.equal(events[1].detail?.eligible, true);
      assert.equal(types.at(-1), 'case_closed');
      assert.deepEqual(events.at(-1)?.detail, { status: 'completed' });
      for (const type of ['item_started', 'deadline_set', 'sla_breached', 'escalated', 'item_decided', 'supplement_received', 'licence_issued']) {
        assert.ok(types.includes(type), `a ${type} event`);
      }
      assert.equal(events.filter((e) => e.type === 'item_started').length, 5);
      assert.equal(events.filter((e) => e.type === 'licence_issued').length, 5);
      const birth = events.find((e) => e.type === 'item_decided' && e.item === 'birth_certificate');
      assert.equal(birth?.actor, 'staff-hospital-9');
      assert.deepEqual(birth?.detail, { decision: 'approve', comment: '分娩记录核对无误' });
      const asked = events.find((e) => e.type === 'item_decided' && e.detail?.decision === 'request_supplement');
      assert.equal(asked?.detail?.comment, '请补充乙肝疫苗接种记录');
      const supplied = events.find((e) => e.type === 'supplement_received');
      assert.deepEqual(supplied?.detail, { documents: ['乙肝疫苗接种记录'] });
      assert.ok(Date.parse(asked!.at) <= Date.parse(supplied!.at));
    });

    it('tells an open case from the engine, and a withdrawal', async function () {
      const live = await get(`/api/cases/${open}/history`);
      assert.equal(live.status, 200);
      assert.equal(live.body.source, 'temporal');
      const types = live.body.events.map((e: { type: string }) => e.type);
      assert.ok(types.includes('item_started'));
      assert.ok(!types.includes('case_closed'));

      const gone = await get(`/api/cases/${withdrawn}/history`);
      assert.deepEqual(gone.body.events.at(-2).type, 'case_withdrawn');
      assert.deepEqual(gone.body.events.at(-2).detail, { reason: '已在窗口办理' });
    });

    it('answers 404 for an unknown case and 400 for a malformed case ID', async function () {
      for (const path of ['history', 'history/raw']) {
        const unknown = await get(`/api/cases/case-0123456789abcdef01234567/${path}`);
        assert.equal(unknown.status, 404);
        assert.equal(unknown.body.error, 'not_found');
        assert.equal((await get(`/api/cases/not-a-case/${path}`)).status, 400);
      }
    });

    it('is for auditors only', async function () {
      for (const path of [`/api/cases/${completed}/history`, `/api/cases/${completed}/history/raw`, '/api/audit/verify']) {
        assert.equal((await s.api.get(path)).status, 401);
        for (const principal of [{ sub: 'x', role: 'supervisor' as const }, { sub: 'y', role: 'case_worker' as const, department: 'hospital' as const, institution: app.delivery.institutionCode }, { sub: app.applicant.idNumber, role: 'applicant' as const }]) {
          assert.equal((await s.api.get(path).set('authorization', `Bearer ${await s.auth(principal)}`)).status, 403);
        }
      }
    });
  });

  describe('personal data', function () {
    const secrets = () => [app.mother.idNumber, app.father!.idNumber, app.applicant.idNumber, app.mother.name, app.father!.name, app.child.name, app.mother.phone, app.father!.phone, app.applicant.phone, '望京街道'].filter((x): x is string => Boolean(x));

    /** Every string in a JSON document, and what a base64 string decodes to: plain payloads would show there. */
    function readable(value: unknown, out: string[] = []): string[] {
      if (typeof value === 'string') {
        out.push(value);
        if (/^[A-Za-z0-9+/]+={0,2}$/.test(value) && value.length % 4 === 0) out.push(Buffer.from(value, 'base64').toString('utf8'));
      } else if (Array.isArray(value)) value.forEach((v) => readable(v, out));
      else if (value && typeof value === 'object') Object.entries(value).forEach(([k, v]) => (out.push(k), readable(v, out)));
      return out;
    }

    it('is nowhere in clear in the history as the Temporal CLI prints it', async function () {
      const { stdout } = await execFileAsync(temporalCli, ['workflow', 'show', '--workflow-id', completed, '--namespace', s.env.config.namespace, '--address', s.env.devServer.address, '--output', 'json'], { maxBuffer: 64 * 1024 * 1024 });
      assert.ok(stdout.includes('WORKFLOW_EXECUTION_COMPLETED') || stdout.includes('WorkflowExecutionCompleted'), 'the whole history was printed');
      const text = [stdout, ...readable(JSON.parse(stdout))].join('\n');
      for (const secret of secrets()) assert.ok(!text.includes(secret), `found ${secret} in the history`);
      assert.ok(text.includes('binary/encrypted'), 'payloads are encrypted');
    });

    it('is not in the workflow ID, the search attributes, the logs or the read model; ID numbers are kept as HMAC and masked', async function () {
      const description = await s.env.client.workflow.getHandle(completed).describe();
      const attributes = Object.fromEntries(description.typedSearchAttributes.getAll().map((pair) => [pair.key.name, pair.value]));
      assert.ok(Object.keys(attributes).length >= 3, 'the case has its search attributes');
      const visible = JSON.stringify({ id: description.workflowId, attributes, memo: description.memo });
      for (const secret of secrets()) assert.ok(!visible.includes(secret), `found ${secret} in the workflow ID or search attributes`);

      assert.ok(logLines.length > 0, 'the API logged');
      for (const secret of secrets()) assert.ok(!logLines.join('').includes(secret), `found ${secret} in the logs`);

      const rows = await s.env.db.sql`
        select row_to_json(c)::text as c, (select json_agg(i)::text from case_items i where i.case_id = c.case_id) as i,
               (select json_agg(e)::text from case_events e where e.case_id = c.case_id) as e
        from cases c where c.case_id = ${completed}`;
      const readModel = JSON.stringify(rows);
      for (const secret of [app.mother.idNumber, app.father!.idNumber, app.mother.phone!, app.mother.name, app.father!.name]) assert.ok(!readModel.includes(secret), `found ${secret} in the read model`);
      const [row] = await s.env.db.sql`select applicant_hash, applicant_masked from cases where case_id = ${completed}`;
      assert.match(row.applicant_hash, /^[0-9a-f]{64}$/);
      assert.equal(row.applicant_masked, `${app.applicant.idNumber.slice(0, 6)}********${app.applicant.idNumber.slice(-4)}`);
    });

    it('decrypts for the Temporal UI through the codec endpoint, for auditors only', async function () {
      const raw = JSON.parse((await get(`/api/cases/${completed}/history/raw`)).text);
      const payloads = raw.events[0].workflowExecutionStartedEventAttributes.input.payloads;
      const origin = `http://127.0.0.1:${s.env.config.temporalPort + 1000}`;

      const preflight = await s.api.options('/api/codec/decode').set('origin', origin).set('access-control-request-method', 'POST').set('access-control-request-headers', 'authorization,content-type,x-namespace');
      assert.equal(preflight.status, 204);
      assert.equal(preflight.headers['access-control-allow-origin'], origin);
      assert.equal(preflight.headers['access-control-allow-credentials'], 'true');
      const foreign = await s.api.options('/api/codec/decode').set('origin', 'https://evil.example').set('access-control-request-method', 'POST');
      assert.equal(foreign.headers['access-control-allow-origin'], undefined);

      assert.equal((await s.api.post('/api/codec/decode').send({ payloads })).status, 401);
      const caseWorker = await s.auth({ sub: 'w', role: 'case_worker', department: 'hospital', institution: app.delivery.institutionCode });
      assert.equal((await s.api.post('/api/codec/decode').set('authorization', `Bearer ${caseWorker}`).send({ payloads })).status, 403);

      const decoded = await s.api.post('/api/codec/decode').set('origin', origin).set('x-namespace', 'default').set('authorization', `Bearer ${auditor}`).send({ payloads });
      assert.equal(decoded.status, 200, JSON.stringify(decoded.body));
      assert.equal(decoded.headers['access-control-allow-origin'], origin);
      const input = JSON.parse(Buffer.from(decoded.body.payloads[0].data, 'base64').toString('utf8'));
      assert.equal(input.caseId, completed);
      assert.equal(input.application.mother.name, app.mother.name);

      // The embedded UI has no login: a cookie set once by the login link stands in for the header.
      const login = await s.api.get(`/api/codec/login?token=${auditor}`);
      assert.equal(login.status, 200);
      const cookie = String(login.headers['set-cookie']).split(';')[0];
      assert.match(String(login.headers['set-cookie']), /HttpOnly/i);
      assert.equal((await s.api.post('/api/codec/decode').set('cookie', cookie).send({ payloads })).status, 200);

      assert.equal((await s.api.post('/api/codec/encode').set('authorization', `Bearer ${auditor}`).send({ payloads: decoded.body.payloads })).status, 403, 'auditors read, never write');
      // Separation of duties: the admin manages calendars and tokens, and never reads personal data.
      const admin = await s.auth({ sub: 'root', role: 'admin' });
      assert.equal((await s.api.post('/api/codec/decode').set('authorization', `Bearer ${admin}`).send({ payloads })).status, 403, 'admins never decode');
      assert.equal((await s.api.get(`/api/codec/login?token=${admin}`)).status, 403);
      // Encoding (the UI sending a signal with input) reveals nothing, and stays the admin's.
      const encoded = await s.api.post('/api/codec/encode').set('authorization', `Bearer ${admin}`).send({ payloads: decoded.body.payloads });
      assert.equal(encoded.status, 200);
      assert.notEqual(encoded.body.payloads[0].data, decoded.body.payloads[0].data);
      const back = await s.api.post('/api/codec/decode').set('authorization', `Bearer ${auditor}`).send({ payloads: encoded.body.payloads });
      assert.deepEqual(back.body.payloads, decoded.body.payloads);

      const bad = await s.api.post('/api/codec/decode').set('authorization', `Bearer ${auditor}`).send({ payloads: [{ metadata: { encoding: Buffer.from('binary/encrypted').toString('base64'), 'encryption-key-id': Buffer.from('test').toString('base64') }, data: 'AAAA' }] });
      assert.equal(bad.status, 400);
      assert.equal((await s.api.post('/api/codec/decode').set('authorization', `Bearer ${auditor}`).send({ nothing: true })).status, 400);
    });
  });

  describe('replay', function () {
    it('replays every archived case against the current workflow code', async function () {
      const started = Date.now();
      const res = await replay({});
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.deepEqual(res.body.failures, []);
      const [{ n }] = await s.env.db.sql`select count(*)::int as n from archived_histories`;
      assert.equal(res.body.replayed, n);
      process.stdout.write(`      [audit] replayed ${res.body.replayed} archived cases in ${Date.now() - started} ms, ${res.body.failures.length} failures\n`);
    });

    it('replays named cases, open ones from the engine, and reports unknown ones', async function () {
      const unknown = 'case-0123456789abcdef01234567';
      const res = await replay({ caseIds: [completed, open, unknown] });
      assert.equal(res.status, 200);
      assert.equal(res.body.replayed, 2);
      assert.deepEqual(res.body.failures.map((f: { caseId: string }) => f.caseId), [unknown]);
      assert.equal((await post('/api/audit/replay', { caseIds: ['nope'] })).status, 400);
      assert.equal((await post('/api/audit/replay', { caseIds: [] })).status, 400);
    });

    it('names each case that no longer replays, with the reason', async function () {
      // A worker whose replays are checked against altered code, as after a careless deploy.
      const altered = await bundleWorkflowCode({ workflowsPath: require.resolve('../fixtures/altered-workflow'), logger: { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} } });
      const { worker, taskQueue } = await newWorker(s.env, { replayBundle: altered });
      const res = await worker.runUntil(s.env.api(taskQueue).post('/api/audit/replay').set('authorization', `Bearer ${auditor}`).send({ caseIds: [completed] }));
      assert.equal(res.status, 200);
      assert.equal(res.body.replayed, 1);
      assert.equal(res.body.failures.length, 1);
      assert.equal(res.body.failures[0].caseId, completed);
      assert.match(res.body.failures[0].error, /Determinism|nondetermin/i);
    });
  });

  describe('tamper evidence', function () {
    it('verifies the chain, and names the first broken link when an archived row is altered', async function () {
      const before = await get('/api/audit/verify');
      assert.equal(before.status, 200);
      assert.equal(before.body.ok, true, JSON.stringify(before.body));
      assert.ok(before.body.entries >= 3);
      assert.match(before.body.head, /^[0-9a-f]{64}$/);
      process.stdout.write(`      [audit] verify: ${JSON.stringify(before.body)}\n`);

      const entry = (await findArchived(s.env.db.db, withdrawn))!;
      await s.env.db.sql`update archived_histories set history = replace(history, 'WORKFLOW_EXECUTION_COMPLETED', 'WORKFLOW_EXECUTION_TERMINATED') where case_id = ${withdrawn}`;
      try {
        const after = await get('/api/audit/verify');
        assert.equal(after.body.ok, false);
        assert.deepEqual(after.body.firstBroken, { seq: entry.seq, caseId: withdrawn, reason: after.body.firstBroken.reason });
        assert.match(after.body.firstBroken.reason, /altered/);
        process.stdout.write(`      [audit] verify after altering entry ${entry.seq}: ${JSON.stringify(after.body)}\n`);
      } finally {
        await s.env.db.sql`update archived_histories set history = ${entry.history} where case_id = ${withdrawn}`;
      }
      // Re-linking a forged entry does not help: the next entry's link no longer matches.
      const next = await s.env.db.sql`select seq from archived_histories where seq = ${entry.seq + 1}`;
      if (next.length > 0) {
        await s.env.db.sql`update archived_histories set digest = ${'f'.repeat(64)} where case_id = ${withdrawn}`;
        try {
          const after = await get('/api/audit/verify');
          assert.equal(after.body.firstBroken.seq, entry.seq);
        } finally {
          await s.env.db.sql`update archived_histories set digest = ${entry.digest} where case_id = ${withdrawn}`;
        }
      }
      // Removing an entry shows at the one after it.
      await s.env.db.sql`delete from archived_histories where case_id = ${withdrawn}`;
      try {
        const after = await get('/api/audit/verify');
        assert.equal(after.body.ok, false);
        assert.match(after.body.firstBroken.reason, new RegExp(`entry ${entry.seq} is missing`));
      } finally {
        await s.env.db.db.insert(archivedHistories).values(entry);
      }
      assert.equal((await get('/api/audit/verify')).body.ok, true);
    });
  });

  describe('after the engine has deleted the case', function () {
    it('still gives the timeline and the raw history, which the replayer accepts', async function () {
      this.timeout(120_000);
      await eventually(
        () =>
          s.env.client.workflow
            .getHandle(withdrawn)
            .describe()
            .then(
              () => false,
              (err) => err instanceof WorkflowNotFoundError,
            ),
        'the engine to delete the case',
        100_000,
      );
      const entry = (await findArchived(s.env.db.db, withdrawn))!;

      const timeline = await get(`/api/cases/${withdrawn}/history`);
      assert.equal(timeline.status, 200);
      assert.equal(timeline.body.source, 'archive');
      assert.deepEqual(timeline.body.events.at(-1), { at: timeline.body.events.at(-1).at, type: 'case_closed', detail: { status: 'withdrawn' } });
      const raw = await get(`/api/cases/${withdrawn}/history/raw`);
      assert.equal(raw.status, 200);
      assert.match(String(raw.headers['content-type']), /application\/json/);
      assert.equal(raw.text, entry.history, 'the archived history, byte for byte');
      await Worker.runReplayHistory({ workflowBundle: s.env.bundle, dataConverter: dataConverter(s.env.config) }, historyFromJSON(JSON.parse(raw.text)), withdrawn);
      const replayed = await replay({ caseIds: [withdrawn] });
      assert.deepEqual(replayed.body, { replayed: 1, failures: [] });
    });
  });
});

// Timelines of committed golden histories: no engine needed to read them, only the test
// payload key they are encrypted with.
describe('timeline of a committed history', function () {
  type Entry = { at: string; type: string; item?: string; actor?: string; detail?: Record<string, unknown> };
  const golden = (name: string): History => historyFromJSON(JSON.parse(readFileSync(join(__dirname, '..', 'histories', `${name}.json`), 'utf8')));
  const timeline = async (history: History): Promise<Entry[]> => buildTimeline(history, dataConverter((await testEnv()).config));
  const scheduled = (history: History) => (history.events ?? []).flatMap((e) => (e.activityTaskScheduledEventAttributes ? [e.activityTaskScheduledEventAttributes] : []));
  /** What happened, by whom, to which item: the same whichever way the events travelled. */
  const account = (events: Entry[]) => events.map((e) => `${e.type}:${e.item ?? ''}:${e.actor ?? ''}`).sort();

  function assertCompletedNationalCase(events: Entry[]): void {
    const types = events.map((e) => e.type);
    assert.deepEqual(types.slice(0, 2), ['case_submitted', 'eligibility_checked']);
    assert.match(String(events[0].detail?.applicant), /^\d{6}\*{8}[\dX]{4}$/, 'the applicant, masked');
    assert.deepEqual(events.at(-1), { at: events.at(-1)?.at, type: 'case_closed', detail: { status: 'completed' } });
    for (const type of ['item_started', 'deadline_set', 'item_decided', 'licence_issued']) assert.equal(types.filter((t) => t === type).length, 5, `five ${type}`);
    assert.deepEqual(events.filter((e) => e.type === 'item_decided').map((e) => e.actor).sort(), ['worker-hospital', 'worker-hospital', 'worker-hrss', 'worker-medical_insurance', 'worker-police']);
    const times = events.map((e) => Date.parse(e.at));
    assert.deepEqual(times, [...times].sort((a, b) => a - b), 'chronological');
  }

  it('reads a case from before the record had an envelope from its projectCase snapshots', async function () {
    const history = golden('national-completed');
    assert.ok(scheduled(history).some((a) => a.activityType?.name === 'projectCase'), 'a history of the old shape');
    assertCompletedNationalCase(await timeline(history));
  });

  it('reads the versioned record wherever it travels, whatever the activity carrying it is called', async function () {
    const history = golden('national-completed-case-events');
    assert.ok(!scheduled(history).some((a) => a.activityType?.name === 'projectCase'), 'a history of the new shape');
    const events = await timeline(history);
    assertCompletedNationalCase(events);
    // The same case, told the same way as in the old shape.
    assert.deepEqual(account(events), account(await timeline(golden('national-completed'))));
    for (const activity of scheduled(history)) activity.activityType = { name: `renamed-${activity.activityType?.name}` };
    assert.deepEqual(await timeline(history), events, 'no activity name is needed to find the record');
  });

  it('shows a record no reader understands as unreadable, where it was, instead of leaving a gap', async function () {
    const history = golden('national-completed-case-events');
    const before = await timeline(history);
    const { payloadCodecs = [] } = dataConverter((await testEnv()).config);
    // A later version of the record, as a newer worker might write it.
    let hidden = 0;
    for (const activity of scheduled(history)) {
      const [payload] = await payloadCodecs[0].decode(activity.input?.payloads ?? []);
      const value = payload && defaultPayloadConverter.fromPayload<{ schema?: string; events?: { type: string }[] }>(payload);
      if (value?.schema !== 'newborn.case-events' || !value.events?.some((e) => e.type === 'licence_issued')) continue;
      activity.input = { payloads: await payloadCodecs[0].encode([defaultPayloadConverter.toPayload({ ...value, version: 2 })]) };
      hidden = value.events.length;
      break;
    }
    const after = await timeline(history);
    const unreadable = after.filter((e) => e.type === 'record_unreadable');
    assert.equal(unreadable.length, 1);
    assert.equal(unreadable[0].detail?.version, 2);
    assert.match(String(unreadable[0].detail?.error), /no reader for version 2/);
    assert.ok(hidden > 0);
    assert.equal(after.length, before.length - hidden + 1, 'the events of that record, and nothing else, are replaced by the notice');
    assert.ok(after.filter((e) => e.type === 'licence_issued').length < before.filter((e) => e.type === 'licence_issued').length);
    const at = after.indexOf(unreadable[0]);
    assert.ok(at > 0 && at < after.length - 1, 'in its place among the events');
  });
});

// A root hook, so it runs once at the very end of the whole run: every case any test
// closed is archived, replays with today's workflow code, and the chain holds.
after(async function () {
  this.timeout(300_000);
  const env = await testEnv();
  const sweep = await sweepClosedCases(env.client, env.db.db);
  assert.deepEqual(sweep.failures, []);
  const started = Date.now();
  const report = await replayCases({ client: env.client, db: env.db.db, config: env.config, bundle: env.bundle });
  const ms = Date.now() - started;
  const chain = await verifyChain(env.db.db);
  process.stdout.write(`    [audit] every closed case of this run: ${report.replayed} replayed in ${ms} ms, ${report.failures.length} failures; chain ${chain.ok ? 'intact' : 'BROKEN'} over ${chain.entries} entries\n`);
  assert.deepEqual(report.failures, []);
  assert.equal(chain.ok, true);
});

