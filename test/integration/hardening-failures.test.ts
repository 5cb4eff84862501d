import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { activityFailure } from '../../activities/guard';
import { shippedCatalogue } from '../../policy/pack-files';
import { ACTIVITY_FAILURES } from '../../runtime/failures';
import { Scenario, itemOf } from './scenario';

// Issue 12 §1 (defence in depth) and §2: data a store refuses does not wedge a case, and
// no failure carries what the case holds. The API refuses a NUL at the edge, so the case
// is started as another client of the engine could start it.

const execFileAsync = promisify(execFile);
const temporalCli = join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'newborn-one-thing', 'temporal-cli-v1.5.1', 'temporal');

describe('data a store refuses', function () {
  this.timeout(120_000);
  let s: Scenario;

  before(async function () {
    s = await Scenario.start();
  });

  it('wraps a driver error into its SQLSTATE: no query parameter in the message or the stack', async function () {
    const secret = `秘密名字${Date.now()}`;
    let driverError: unknown;
    try {
      await s.env.db.sql`select ${`${secret}\u0000`}::text as x`;
    } catch (err) {
      driverError = err;
    }
    assert.ok(driverError, 'PostgreSQL refuses a NUL');
    const failure = activityFailure(driverError) as { type?: string; nonRetryable?: boolean; message: string; stack?: string; details?: unknown[] };
    assert.equal(failure.type, ACTIVITY_FAILURES.dataRefused);
    assert.equal(failure.nonRetryable, true);
    assert.deepEqual(failure.details, ['22021']);
    assert.ok(!`${failure.message}${failure.stack}`.includes(secret), 'the failure does not quote the query');

    // A connection lost under drizzle: its wrapper's message lists the parameters, and no SQLSTATE comes with it.
    const lost = Object.assign(new Error(`Failed query: insert into licences ...\nparams: ${secret}`), { name: 'DrizzleQueryError', cause: Object.assign(new Error('write CONNECTION_CLOSED 127.0.0.1:5432'), { code: 'CONNECTION_CLOSED' }) });
    const retried = activityFailure(lost) as { type?: string; nonRetryable?: boolean; message: string; stack?: string };
    assert.equal(retried.type, ACTIVITY_FAILURES.databaseError);
    assert.equal(retried.nonRetryable, false, 'an outage is retried');
    assert.ok(!`${retried.message}${retried.stack}`.includes(secret));
  });

  it('puts the item a store refused before a supervisor, with the code, and the case goes on; no failure in the history is in clear', async function () {
    const pack = shippedCatalogue().current('national');
    const app = s.application();
    const childName = `王\u0000${Date.now()}宝`;
    app.child = { ...app.child, name: childName };
    const caseId = await s.startPastTheApi(app, pack);
    await s.run(async () => {
      // No API projected this case on submission: it appears with the workflow's first projection.
      await s.waitForCase(caseId);
      await s.waitForItems(caseId, { birth_certificate: 'in_review' });
      const decided = await s.decide(caseId, 'birth_certificate', 'hospital', 'approve');
      assert.ok([200, 202].includes(decided.status), `${decided.status} ${JSON.stringify(decided.body)}`);
      const view = await s.waitFor(caseId, (v) => itemOf(v, 'birth_certificate').status === 'needs_attention', 'the refused licence needs attention');
      assert.equal(itemOf(view, 'birth_certificate').reason, 'DATA_REFUSED_22021');

      const hospital = await s.auth({ sub: 'sup-h', role: 'supervisor', department: 'hospital' });
      const listed = await s.api.get('/api/attention').set('authorization', `Bearer ${hospital}`);
      assert.equal(listed.status, 200, JSON.stringify(listed.body));
      assert.deepEqual(listed.body.items.filter((i: { caseId: string }) => i.caseId === caseId).map((i: { item: string; reason: string }) => [i.item, i.reason]), [['birth_certificate', 'DATA_REFUSED_22021']]);
      const police = await s.auth({ sub: 'sup-p', role: 'supervisor', department: 'police' });
      const elsewhere = await s.api.get('/api/attention').set('authorization', `Bearer ${police}`);
      assert.equal(elsewhere.body.items.filter((i: { caseId: string }) => i.caseId === caseId).length, 0, "another department's supervisor does not see it");

      // The case goes on: another item is still decided, and answers at once (its licence
      // carries the same name, so it may need attention too, but it never hangs).
      const others = view.items.filter((i) => i.item !== 'birth_certificate' && i.status === 'in_review');
      assert.ok(others.length > 0, 'another item is in review');
      const other = others[0];
      const res = await s.decide(caseId, other.item, other.department, 'approve');
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.ok(['completed', 'needs_attention'].includes(itemOf(res.body, other.item).status), itemOf(res.body, other.item).status);
    });

    const { stdout } = await execFileAsync(temporalCli, ['workflow', 'show', '--workflow-id', caseId, '--namespace', s.env.config.namespace, '--address', s.env.devServer.address, '--output', 'json'], { maxBuffer: 64 * 1024 * 1024 });
    assert.ok(stdout.includes('ActivityTaskFailed') || stdout.includes('ACTIVITY_TASK_FAILED'), 'the refused activity is in the history');
    const readable = stdout.replace(/"([A-Za-z0-9+/]{8,}={0,2})"/g, (_m, b64: string) => Buffer.from(b64, 'base64').toString('utf8'));
    for (const secret of [childName.split('\u0000')[1], app.mother.name, app.mother.idNumber]) {
      assert.ok(!stdout.includes(secret) && !readable.includes(secret), `found ${secret} in the history`);
    }
    assert.ok(!/invalid byte sequence|0x00/.test(readable), "the driver's message is not in the history");
  });
});
