import { strict as assert } from 'node:assert';
import { drizzle } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import { seedReadModel } from '../../bench/seed';
import { dropDatabase, prepareDatabase, type Db } from '../../db/client';
import { PAGE_LIMIT, decodeCursor } from '../../db/pagination';
import { listCases, listTasks, type TaskCursor } from '../../db/queries';
import * as schema from '../../db/schema';
import { listBreaches, slaSummary, type BreachCursor } from '../../db/sla-queries';
import { DEPARTMENTS } from '../../policy/types';
import { Scenario } from './scenario';

// Issue 13 §1: lists read a page through an index (keyset), totals come from maintained
// counts (or a bounded count), and the SLA summary from per-day aggregates that the
// triggers keep in step with the rows they summarise. Run on a database of its own,
// seeded as the benchmark seeds it, so the figures here are the only ones in it.

describe('the read model at scale', function () {
  this.timeout(120_000);
  const url = `postgres://postgres@127.0.0.1:5432/newborn_test_scale_${process.pid}`;
  let sql: postgres.Sql;
  let db: Db;

  before(async function () {
    await prepareDatabase(url);
    const seeding = postgres(url, { max: 1, onnotice: () => {} });
    try {
      await seedReadModel(seeding, 3000, () => undefined);
    } finally {
      await seeding.end({ timeout: 5 });
    }
    sql = postgres(url, { max: 2, onnotice: () => {} });
    db = drizzle(sql, { schema }) as unknown as Db;
  });

  after(async function () {
    await sql?.end({ timeout: 5 });
    await dropDatabase(url);
  });

  /** The aggregates as they stand, and as recomputed from the rows. */
  async function aggregatesAgree(): Promise<void> {
    const read = async () => ({
      counts: await sql`select region, status, n::int from case_counts where n <> 0 order by 1, 2`,
      daily: await sql`select department, region, division, day::text, decided, on_time, breached from sla_daily where decided <> 0 or on_time <> 0 or breached <> 0 order by 1, 2, 3, 4`,
    });
    const kept = await read();
    await sql`select read_model_aggregates_rebuild()`;
    const rebuilt = await read();
    assert.deepEqual(kept.counts, rebuilt.counts);
    assert.deepEqual(kept.daily, rebuilt.daily);
  }

  it('walks every case exactly once, newest first, by cursor, and answers no cursor on the last page', async function () {
    const seen: string[] = [];
    let after: readonly [Date, string] | undefined;
    let previous: { submittedAt: string; caseId: string } | undefined;
    for (let pages = 0; pages < 100; pages++) {
      const page = await listCases(db, { page: 1, limit: 500, after });
      assert.equal(page.total, 3000);
      assert.equal(page.totalIsEstimate, false);
      for (const c of page.cases) {
        if (previous) assert.ok(previous.submittedAt > c.submittedAt || (previous.submittedAt === c.submittedAt && previous.caseId > c.caseId), 'newest first');
        previous = c;
        seen.push(c.caseId);
      }
      if (!page.nextCursor) break;
      after = decodeCursor(page.nextCursor, ['instant', 'text'] as const);
      assert.ok(after);
    }
    assert.equal(seen.length, 3000);
    assert.equal(new Set(seen).size, 3000);
    // page= still works, and agrees with the cursor's pages.
    const third = await listCases(db, { page: 3, limit: 500 });
    assert.deepEqual(
      third.cases.map((c) => c.caseId),
      seen.slice(1000, 1500),
    );
  });

  it("counts a county supervisor's cases exactly up to a thousand and estimates beyond, flagged", async function () {
    const county = await listCases(db, { page: 1, limit: 50, scope: { department: 'police', division: '620101' } });
    const [{ n }] = await sql<{ n: number }[]>`select count(distinct case_id)::int as n from case_items where department = 'police' and division = '620101' and status <> 'not_applied'`;
    assert.equal(county.total, n);
    assert.equal(county.totalIsEstimate, false);
    assert.ok(county.cases.length > 0 && county.cases.length <= 50);
    const province = await listCases(db, { page: 1, limit: 50, scope: { department: 'police', division: '62' } });
    assert.equal(province.totalIsEstimate, true);
    assert.ok(province.total > 1000);
  });

  it("pages an inbox and the breaches by cursor without losing or repeating a row", async function () {
    const [{ institution, n }] = await sql<{ institution: string; n: number }[]>`
      select institution, count(*)::int as n from case_items where status = 'in_review' and department = 'police' group by 1 order by 2 desc limit 1`;
    const keys: string[] = [];
    let after: TaskCursor | undefined;
    for (;;) {
      const page = await listTasks(db, { department: 'police', institution, limit: 2, after });
      keys.push(...page.tasks.map((t) => `${t.caseId}/${t.item}`));
      if (!page.nextCursor) break;
      after = decodeCursor(page.nextCursor, ['instantOrNull', 'text', 'int'] as const);
    }
    assert.equal(keys.length, n);
    assert.equal(new Set(keys).size, n);

    const [{ breaches }] = await sql<{ breaches: number }[]>`select count(*)::int as breaches from sla_breaches`;
    const seen = new Set<string>();
    let cursor: BreachCursor | undefined;
    for (;;) {
      const page = await listBreaches(db, {}, { limit: PAGE_LIMIT.max, after: cursor });
      for (const b of page.breaches) seen.add(`${b.caseId}/${b.item}`);
      if (!page.nextCursor) break;
      cursor = decodeCursor(page.nextCursor, ['instant', 'text', 'text', 'int'] as const);
    }
    assert.equal(seen.size, breaches);
  });

  it('keeps the counts and the daily SLA figures in the projection\'s transaction: decisions, late breaches, deletions', async function () {
    await aggregatesAgree();
    // Decide some items on time, some after a breach projected in the same transaction, one breach after the decision.
    await sql.begin(async (tx) => {
      await tx`update case_items set status = 'completed', decided_at = now(), licence_number = null where status = 'in_review' and case_id in (select case_id from case_items where status = 'in_review' order by case_id limit 20)`;
      await tx`insert into sla_breaches (case_id, item, seq, department, region, deadline, breached_at, escalation_level, resolved_at, cause)
               select i.case_id, i.item, 9, i.department, c.region, now() - interval '1 hour', now() - interval '1 hour', 1, now(), 'review'
               from case_items i join cases c using (case_id) where i.status = 'completed' and i.decided_at > now() - interval '1 minute' order by i.case_id limit 5`;
      await tx`update cases set status = 'completed', closed_at = now() where case_id in (select case_id from cases where status = 'in_progress' order by case_id limit 7)`;
    });
    await aggregatesAgree();
    await sql`delete from sla_breaches where seq = 9 and case_id in (select case_id from sla_breaches where seq = 9 order by case_id limit 2)`;
    await sql`delete from cases where case_id in (select case_id from sla_breaches where resolved_at is not null order by case_id limit 3)`;
    await aggregatesAgree();
  });

  it('sums whole days from the aggregates and the partial days from the rows, to the same figures as counting the rows', async function () {
    const from = new Date(Date.now() - 40 * 86_400_000 - 3_723_000);
    const to = new Date(Date.now() - 3 * 86_400_000 + 1_234_000);
    const summary = await slaSummary(db, { departments: DEPARTMENTS, from, to }, () => 0);
    const counted = await sql<{ department: string; decided: number; on_time: number }[]>`
      select department, count(*)::int as decided,
             count(*) filter (where not exists (select 1 from sla_breaches b where b.case_id = i.case_id and b.item = i.item))::int as on_time
      from case_items i where status in ('completed', 'rejected') and decided_at >= ${from.toISOString()} and decided_at < ${to.toISOString()} group by 1`;
    const breached = await sql<{ department: string; n: number }[]>`
      select department, count(*)::int as n from sla_breaches where breached_at >= ${from.toISOString()} and breached_at < ${to.toISOString()} group by 1`;
    for (const d of summary) {
      const row = counted.find((c) => c.department === d.department);
      assert.equal(d.decided, row?.decided ?? 0, d.department);
      assert.equal(d.onTime, row?.on_time ?? 0, d.department);
      assert.equal(d.breached, breached.find((b) => b.department === d.department)?.n ?? 0, d.department);
    }
    assert.ok(summary.some((d) => d.decided > 0), 'the window holds decisions');
    // A window of more decisions than the median reads says null, never a partial median.
    assert.ok(summary.every((d) => d.medianWorkingHoursToDecide === null));
  });

  describe('at the edge', function () {
    let s: Scenario;
    before(async function () {
      s = await Scenario.start();
    });

    it('takes limit (at most 500) and cursor on every list, and refuses a cursor it did not give', async function () {
      const auditor = `Bearer ${await s.auth({ sub: 'auditor-scale', role: 'auditor' })}`;
      const worker = `Bearer ${await s.auth({ sub: 'w-scale', role: 'case_worker', department: 'police', institution: 'police:110105' })}`;
      for (const [path, who] of [
        ['/api/cases', auditor],
        ['/api/sla/breaches', auditor],
        ['/api/tasks', worker],
      ] as const) {
        const ok = await s.api.get(`${path}?limit=500`).set('authorization', who);
        assert.equal(ok.status, 200, `${path}: ${JSON.stringify(ok.body)}`);
        const bad = await s.api.get(`${path}?limit=501&cursor=bm90LWEtY3Vyc29y`).set('authorization', who);
        assert.equal(bad.status, 400, path);
        assert.deepEqual(bad.body.details.map((d: { path: string }) => d.path).sort(), ['cursor', 'limit'], path);
      }
      const list = await s.api.get('/api/cases?limit=1').set('authorization', auditor);
      assert.equal(typeof list.body.totalIsEstimate, 'boolean');
      assert.equal(list.body.pageSize, 1);
      if (list.body.total > 1) {
        const next = await s.api.get(`/api/cases?limit=1&cursor=${list.body.nextCursor}`).set('authorization', auditor);
        assert.equal(next.status, 200);
        assert.notEqual(next.body.cases[0].caseId, list.body.cases[0].caseId);
      } else {
        assert.equal(list.body.nextCursor, undefined);
      }
    });
  });
});
