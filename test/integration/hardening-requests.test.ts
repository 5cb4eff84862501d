import { strict as assert } from 'node:assert';
import { createServer } from 'node:net';
import { createClient } from '../../runtime/temporal';
import { Scenario } from './scenario';

// Issue 12 §1 and §3 on the real servers: text no route lets through, and requests
// that answer within their bound when the case or the engine cannot.

/** A port on loopback that nothing listens on. */
function closedPort(): Promise<number> {
  return new Promise((ok, fail) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => ok(port));
    });
    server.once('error', fail);
  });
}

describe('bounded requests and text at the edge', function () {
  this.timeout(120_000);
  let s: Scenario;

  before(async function () {
    s = await Scenario.start();
  });

  it('refuses NUL, other controls, lone surrogates and invisible names with a 400 naming the field; stores names in NFC', async function () {
    const cases: [string, (a: ReturnType<Scenario['application']>) => void, string][] = [
      ['NUL in the child name', (a) => (a.child.name = '王\u0000小宝'), 'child.name'],
      ['bell in the mother name', (a) => (a.mother.name = '李\u0007红'), 'mother.name'],
      ['lone surrogate', (a) => (a.child.name = '王\uD800宝'), 'child.name'],
      ['zero-width only', (a) => (a.child.name = '\u200B\u200B'), 'child.name'],
      ['bidi override only', (a) => (a.child.name = '\u202E\u202D '), 'child.name'],
      ['only whitespace', (a) => (a.child.name = ' \u3000 '), 'child.name'],
    ];
    for (const [what, spoil, field] of cases) {
      const app = s.application();
      spoil(app);
      const res = await s.api.post('/api/cases').set('authorization', `Bearer ${await s.applicantToken(app)}`).send(app);
      assert.equal(res.status, 400, `${what}: ${res.status} ${JSON.stringify(res.body)}`);
      const paths = (res.body.details as { path: string }[]).map((d) => d.path);
      assert.ok(paths.includes(field), `${what}: ${JSON.stringify(paths)}`);
      assert.ok(!JSON.stringify(res.body).includes('王'), 'the value is not echoed');
    }
    const token = await s.auth({ sub: 'w', role: 'case_worker', department: 'hospital', institution: 'H000000000' });
    const bad = await s.api.post('/api/cases/case-0123456789abcdef01234567/items/birth_certificate/decision').set('authorization', `Bearer ${token}`).send({ decision: 'reject', comment: 'x\u0000y' });
    assert.equal(bad.status, 400);
    assert.deepEqual(bad.body.details.map((d: { path: string }) => d.path), ['comment']);
  });

  it('answers a decision 202 with the case location when the worker is away, and the case takes it when the worker is back', async function () {
    const app = s.application();
    let caseId = '';
    await s.run(async () => {
      caseId = await s.submit(app);
      await s.waitForItems(caseId, { birth_certificate: 'in_review' });
    });
    // No worker now: the case cannot answer the update.
    const api = s.env.api(s.taskQueue, { config: { ...s.env.config, updateWaitMs: 1500 } });
    const token = await s.caseWorker(caseId, 'hospital');
    const started = Date.now();
    const res = await api.post(`/api/cases/${caseId}/items/birth_certificate/decision`).set('authorization', `Bearer ${token}`).send({ decision: 'approve' });
    const took = Date.now() - started;
    assert.equal(res.status, 202, JSON.stringify(res.body));
    assert.equal(res.headers.location, `/api/cases/${caseId}`);
    assert.ok(took < 6000, `answered in ${took} ms`);
    await s.run(async () => {
      await s.waitFor(caseId, (v) => v.items.find((i) => i.item === 'birth_certificate')?.status === 'completed', 'the decision the case took after the 202');
    });
  });

  it('answers POST /api/cases 503 with Retry-After within its bound when Temporal cannot be reached', async function () {
    const client = createClient(s.env.config, `127.0.0.1:${await closedPort()}`);
    const api = s.env.api(s.taskQueue, { client, config: { ...s.env.config, startWaitMs: 2000 } });
    const app = s.application();
    await s.recordDelivery(app);
    const started = Date.now();
    const res = await api.post('/api/cases').set('authorization', `Bearer ${await s.applicantToken(app)}`).send(app);
    const took = Date.now() - started;
    assert.equal(res.status, 503, JSON.stringify(res.body));
    assert.ok(Number(res.headers['retry-after']) > 0, `Retry-After ${res.headers['retry-after']}`);
    assert.ok(took < 8000, `answered in ${took} ms`);
    // Nothing half-started: the same application goes through once the engine is back.
    await s.run(async () => {
      const again = await s.api.post('/api/cases').set('authorization', `Bearer ${await s.applicantToken(app)}`).send(app);
      assert.equal(again.status, 201, JSON.stringify(again.body));
    });
  });
});
