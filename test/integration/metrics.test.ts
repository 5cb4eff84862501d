import { strict as assert } from 'node:assert';
import { openDatabase } from '../../db/client';
import { Scenario } from './scenario';

// GET /metrics: the service's figures and the Temporal SDK's, in Prometheus text, for
// a scraper without a token.

/** The value of one series, 0 when it is absent; `labels` in the order the text writes them. */
function series(text: string, name: string, labels = ''): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name}${labels ? `{${labels}}` : ''} `));
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
}

describe('metrics', function () {
  let s: Scenario;
  let caseId = '';

  before(async function () {
    this.timeout(120_000);
    s = await Scenario.start();
    // A worker runs in this process for a while: the SDK's exporter has figures to show.
    await s.run(async () => {
      caseId = await s.submit(s.application());
      await s.waitForItems(caseId, { birth_certificate: 'in_review' });
    });
  });

  const scrape = async () => {
    const res = await s.api.get('/metrics');
    assert.equal(res.status, 200, 'no token needed');
    assert.match(String(res.headers['content-type']), /^text\/plain; version=0\.0\.4/);
    return res.text;
  };

  it('counts requests by route pattern and status, with their latency', async function () {
    const route = 'method="GET",route="/api/cases/:caseId",status="200"';
    const before = await scrape();
    const token = await s.auth({ sub: 'sup-1', role: 'supervisor' });
    assert.equal((await s.api.get(`/api/cases/${caseId}`).set('authorization', `Bearer ${token}`)).status, 200);
    assert.equal((await s.api.get(`/api/cases/${caseId}`).set('authorization', `Bearer ${token}`)).status, 200);
    assert.equal((await s.api.get('/api/cases/case-0123456789abcdef01234567')).status, 401);
    assert.equal((await s.api.get('/no/such/page')).status, 404);
    const after = await scrape();

    assert.equal(series(after, 'newborn_http_requests_total', route) - series(before, 'newborn_http_requests_total', route), 2);
    assert.equal(series(after, 'newborn_http_request_duration_seconds_count', route) - series(before, 'newborn_http_request_duration_seconds_count', route), 2);
    assert.ok(series(after, 'newborn_http_request_duration_seconds_bucket', `le="+Inf",${route}`) >= 2);
    // A refusal keeps the route's pattern; a path no route takes is never a label of its own.
    assert.equal(series(after, 'newborn_http_requests_total', 'method="GET",route="/api/cases/:caseId",status="401"') - series(before, 'newborn_http_requests_total', 'method="GET",route="/api/cases/:caseId",status="401"'), 1);
    assert.equal(series(after, 'newborn_http_requests_total', 'method="GET",route="unmatched",status="404"') - series(before, 'newborn_http_requests_total', 'method="GET",route="unmatched",status="404"'), 1);
    assert.ok(!after.includes(caseId), 'no case ID in any label');
    assert.ok(!after.includes('/no/such/page'));
    assert.ok(series(after, 'process_resident_memory_bytes') > 0, "Node's own figures too");
  });

  it('shows the read model: cases by status, open breaches by department, projection lag', async function () {
    const text = await scrape();
    const counts = await s.env.db.sql<{ status: string; n: number }[]>`select status, count(*)::int as n from cases group by status`;
    for (const status of ['in_progress', 'completed', 'partially_completed', 'ineligible', 'withdrawn']) {
      assert.equal(series(text, 'newborn_cases', `status="${status}"`), counts.find((c) => c.status === status)?.n ?? 0, status);
    }
    assert.ok(series(text, 'newborn_cases', 'status="in_progress"') >= 1, 'this test’s case is open');
    const breaches = await s.env.db.sql<{ department: string; n: number }[]>`select department, count(*)::int as n from sla_breaches where resolved_at is null group by department`;
    for (const b of breaches) assert.equal(series(text, 'newborn_sla_breaches_open', `department="${b.department}"`), b.n);
    const [{ age }] = await s.env.db.sql<{ age: number }[]>`select extract(epoch from now() - max(updated_at))::float8 as age from cases where status = 'in_progress'`;
    const lag = series(text, 'newborn_projection_lag_seconds');
    assert.ok(lag > 0 && lag <= age + 5, `lag ${lag} s, newest open case projected ${age} s ago`);
    assert.equal(series(text, 'newborn_read_model_up'), 1);
  });

  it("appends the Temporal SDK's metrics once a worker ran in this process", async function () {
    const text = await scrape();
    assert.ok(s.env.sdkMetricsUrl);
    assert.equal(series(text, 'newborn_temporal_sdk_metrics_up'), 1);
    assert.match(text, /^temporal_workflow_task_execution_latency_count\{.*workflow_type="newbornCaseWorkflow".*\} [1-9]/m);
    assert.match(text, /^temporal_sticky_cache_size\{/m);
  });

  it('still answers when the read model cannot be read, and says so', async function () {
    const broken = openDatabase('postgres://postgres@127.0.0.1:5432/newborn_no_such_database', { max: 1 });
    try {
      const res = await s.env.api(s.taskQueue, { db: broken.db }).get('/metrics');
      assert.equal(res.status, 200);
      assert.equal(series(res.text, 'newborn_read_model_up'), 0);
      assert.ok(series(res.text, 'newborn_http_requests_total', 'method="GET",route="/metrics",status="200"') >= 1);
    } finally {
      await broken.close();
    }
  });
});
