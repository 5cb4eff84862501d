import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { drizzle } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import { listAccesses } from '../db/access-log';
import { databaseExists, dropDatabase, prepareDatabase, type Db } from '../db/client';
import { decodeCursor } from '../db/pagination';
import { findCase, listCases, listTasks } from '../db/queries';
import * as schema from '../db/schema';
import { listBreaches, slaSummary } from '../db/sla-queries';
import { DEPARTMENTS } from '../policy/types';
import { SEED_COUNTIES, seedReadModel } from './seed';

// The read model at scale: seeds N synthetic cases (bench/seed.ts) into a database of its
// own per size on the local PostgreSQL, then times every query a supervisor, an inbox or
// a case view runs, through the project's own query functions (db/), as the API calls
// them. Prints p50/p95 per query and size, and whether each meets the targets of issue 13:
// p95 ≤ 20 ms at the largest size, and ≤ 1.5 × its p95 at the smallest. With --plans, writes
// each query's EXPLAIN (ANALYZE, BUFFERS), as the function sent it, to db/plans/.

const HELP = `npm run bench -- [--sizes 100000,1000000] [--runs 200] [--fresh] [--plans] [--keep]
  --sizes   case counts, smallest first (default 100000,1000000; quick: 10000,100000)
  --runs    timed calls per query and size (default 200, after 20 warm-up calls)
  --fresh   seed again even when a database of that size exists
  --plans   write db/plans/<query>.txt at the largest size
  --keep    keep the seeded databases (default: kept; --drop removes them at the end)
  --drop    drop the seeded databases at the end`;

const TARGET_P95_MS = 20;
const TARGET_GROWTH = 1.5;

interface Query {
  name: string;
  /** Who runs it, for the table. */
  who: string;
  run: (db: Db, pick: Picker) => Promise<unknown>;
}

/** Random but repeatable choices of what each call asks for. */
class Picker {
  private state = 42;
  constructor(readonly caseIds: string[], readonly deepCursor: string) {}
  next(n: number): number {
    this.state = (this.state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return this.state % n;
  }
  caseId(): string {
    return this.caseIds[this.next(this.caseIds.length)];
  }
  county(): string {
    return `6201${String(this.next(SEED_COUNTIES)).padStart(2, '0')}`;
  }
}

const month = () => ({ from: new Date(Date.now() - 30 * 86_400_000 - ((Date.now() + 8 * 3_600_000) % 86_400_000)), to: undefined });

const QUERIES: Query[] = [
  { name: 'case-view', who: 'case view (GET /api/cases/:id, licences by case_id)', run: (db, p) => findCase(db, p.caseId()) },
  { name: 'cases-page-1', who: 'supervisor: GET /api/cases (page 1, total)', run: (db) => listCases(db, { page: 1, limit: 50 }) },
  { name: 'cases-page-1000', who: 'supervisor: GET /api/cases?page=1000', run: (db) => listCases(db, { page: 1000, limit: 50 }) },
  {
    name: 'cases-cursor-deep',
    who: 'supervisor: GET /api/cases?cursor= (mid-table)',
    run: (db, p) => listCases(db, { page: 1, limit: 50, after: decodeCursor(p.deepCursor, ['instant', 'text'] as const) }),
  },
  { name: 'cases-in-progress', who: 'supervisor: GET /api/cases?status=in_progress&region=lanzhou', run: (db) => listCases(db, { page: 1, limit: 50, status: 'in_progress', region: 'lanzhou' }) },
  { name: 'cases-scoped-department', who: 'police supervisor: GET /api/cases (scope: department)', run: (db) => listCases(db, { page: 1, limit: 50, scope: { department: 'police' } }) },
  { name: 'cases-scoped-county', who: 'county supervisor: GET /api/cases (scope: police, 6201xx)', run: (db, p) => listCases(db, { page: 1, limit: 50, scope: { department: 'police', division: p.county() } }) },
  { name: 'tasks', who: 'inbox: GET /api/tasks (a county police office)', run: (db, p) => listTasks(db, { department: 'police', institution: `police:${p.county()}`, limit: 50 }) },
  {
    name: 'tasks-page-2',
    who: 'inbox: GET /api/tasks?assignee=unassigned&cursor=',
    run: async (db, p) => {
      const institution = `H${p.county()}001`;
      const first = await listTasks(db, { department: 'hospital', institution, assignee: 'unassigned', limit: 50 });
      return first.nextCursor ? listTasks(db, { department: 'hospital', institution, assignee: 'unassigned', limit: 50, after: decodeCursor(first.nextCursor, ['instantOrNull', 'text', 'int'] as const) }) : first;
    },
  },
  { name: 'breaches', who: 'auditor: GET /api/sla/breaches', run: (db) => listBreaches(db, {}, { limit: 50 }) },
  { name: 'breaches-open-department', who: 'police supervisor: GET /api/sla/breaches?open=true', run: (db) => listBreaches(db, { department: 'police', open: true }, { limit: 50 }) },
  {
    name: 'breaches-cursor',
    who: 'auditor: GET /api/sla/breaches?cursor= (page 2)',
    run: async (db) => {
      const first = await listBreaches(db, {}, { limit: 50 });
      return listBreaches(db, {}, { limit: 50, after: decodeCursor(first.nextCursor!, ['instant', 'text', 'text', 'int'] as const) });
    },
  },
  { name: 'summary-month', who: 'auditor: GET /api/sla/summary (30 days)', run: (db) => slaSummary(db, { departments: DEPARTMENTS, ...month() }, (a, b) => b.getTime() - a.getTime()) },
  {
    name: 'summary-year',
    who: 'auditor: GET /api/sla/summary (365 days)',
    run: (db) => slaSummary(db, { departments: DEPARTMENTS, from: new Date(Date.now() - 365 * 86_400_000 - ((Date.now() + 8 * 3_600_000) % 86_400_000)) }, (a, b) => b.getTime() - a.getTime()),
  },
  {
    name: 'summary-instants',
    who: 'county supervisor: GET /api/sla/summary (7 days from an instant)',
    run: (db, p) => slaSummary(db, { departments: ['police'], division: p.county(), from: new Date(Date.now() - 7 * 86_400_000) }, (a, b) => b.getTime() - a.getTime()),
  },
  { name: 'audit-access', who: 'auditor: GET /api/audit/access?caseId=', run: (db, p) => listAccesses(db, { caseId: p.caseId(), limit: 500 }) },
];

const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];

async function main() {
  const { values } = parseArgs({
    options: {
      sizes: { type: 'string', default: '100000,1000000' },
      runs: { type: 'string', default: '200' },
      fresh: { type: 'boolean', default: false },
      plans: { type: 'boolean', default: false },
      drop: { type: 'boolean', default: false },
      keep: { type: 'boolean', default: true },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(HELP);
    return;
  }
  const sizes = values.sizes.split(',').map((s) => Number(s.trim()));
  if (sizes.some((s) => !Number.isSafeInteger(s) || s < 1000 || s > 20_000_000)) throw new Error('--sizes: case counts between 1,000 and 20,000,000');
  const runs = Number(values.runs);
  if (!Number.isSafeInteger(runs) || runs < 10 || runs > 10_000) throw new Error('--runs: between 10 and 10,000');
  // Loopback only: the benchmark creates and fills databases of its own.
  const server = process.env.BENCH_DATABASE_SERVER ?? 'postgres://postgres@127.0.0.1:5432';
  if (!/^postgres:\/\/[^@]*@(127\.0\.0\.1|localhost|\[::1\])(:\d+)?$/.test(server)) throw new Error('BENCH_DATABASE_SERVER must be a loopback PostgreSQL server (postgres://user@127.0.0.1:5432)');

  const results = new Map<string, Map<number, { p50: number; p95: number }>>();
  for (const size of sizes) {
    const url = `${server}/newborn_bench_${size}`;
    const fresh = values.fresh || !(await databaseExists(url));
    await prepareDatabase(url);
    const raw = postgres(url, { max: 1, onnotice: () => {} });
    try {
      const [{ n }] = await raw<{ n: number }[]>`select count(*)::int as n from cases`;
      if (fresh || n !== size) {
        console.error(`seeding ${size.toLocaleString('en')} cases into newborn_bench_${size} ...`);
        const started = Date.now();
        await seedReadModel(raw, size, (line) => console.error(line));
        console.error(`  seeded in ${((Date.now() - started) / 1000).toFixed(0)} s`);
      }
      const [sizes] = await raw<{ db: string }[]>`select pg_size_pretty(pg_database_size(current_database())) as db`;
      console.error(`newborn_bench_${size}: ${sizes.db}`);
    } finally {
      await raw.end({ timeout: 5 });
    }

    const captured: { query: string; params: unknown[] }[] = [];
    let capturing = false;
    const client = postgres(url, {
      max: 4,
      onnotice: () => {},
      debug: (_connection, query, params) => {
        if (capturing) captured.push({ query, params: params as unknown[] });
      },
    });
    const db = drizzle(client, { schema }) as unknown as Db;
    try {
      // About 2,000 cases, whatever the size (a block sample of a small table may come back empty).
      const percent = Math.min(100, (4000 * 100) / size);
      const sample = await client<{ case_id: string }[]>`select case_id from cases tablesample bernoulli (${percent}) limit 2000`;
      if (sample.length === 0) throw new Error('no case to sample');
      const [middle] = await client<{ submitted_at: unknown; case_id: string }[]>`select submitted_at, case_id from cases order by submitted_at desc, case_id desc offset ${Math.floor(size / 2)} limit 1`;
      const deepCursor = Buffer.from(JSON.stringify([new Date(String(middle.submitted_at)).toISOString(), middle.case_id])).toString('base64url');
      const pick = new Picker(
        sample.map((r) => r.case_id),
        deepCursor,
      );
      for (const q of QUERIES) {
        for (let i = 0; i < 20; i++) await q.run(db, pick);
        const times: number[] = [];
        for (let i = 0; i < runs; i++) {
          const started = process.hrtime.bigint();
          await q.run(db, pick);
          times.push(Number(process.hrtime.bigint() - started) / 1e6);
        }
        times.sort((a, b) => a - b);
        const row = results.get(q.name) ?? new Map();
        row.set(size, { p50: quantile(times, 0.5), p95: quantile(times, 0.95) });
        results.set(q.name, row);
        console.error(`  ${size.toLocaleString('en')} ${q.name}: p50 ${quantile(times, 0.5).toFixed(2)} ms, p95 ${quantile(times, 0.95).toFixed(2)} ms`);
      }
      if (values.plans && size === sizes.at(-1)) {
        const dir = join(__dirname, '..', 'db', 'plans');
        mkdirSync(dir, { recursive: true });
        for (const q of QUERIES) {
          captured.length = 0;
          capturing = true;
          await q.run(db, pick);
          capturing = false;
          const sections: string[] = [`-- ${q.who}`, `-- ${size.toLocaleString('en')} seeded cases (bench/seed.ts), EXPLAIN (ANALYZE, BUFFERS) of each statement the query function sent`, ''];
          // The planner's estimate the query function asked for itself is not a statement to explain again.
          for (const { query, params } of captured.filter((c) => !/^\s*explain/i.test(c.query))) {
            const plan = await client.unsafe<{ 'QUERY PLAN': string }[]>(`explain (analyze, buffers) ${query}`, params as never[]);
            sections.push(query, `-- parameters: ${JSON.stringify(params)}`, ...plan.map((r) => r['QUERY PLAN']), '');
          }
          writeFileSync(join(dir, `${q.name}.txt`), sections.join('\n'));
        }
        console.error(`plans written to db/plans/ (${QUERIES.length} files)`);
      }
    } finally {
      await client.end({ timeout: 5 });
    }
    if (values.drop) await dropDatabase(url);
  }

  const smallest = sizes[0];
  const largest = sizes.at(-1)!;
  const fmt = (v: number) => v.toFixed(1);
  const lines = [
    `| query | ${sizes.map((s) => `p50 / p95 at ${s.toLocaleString('en')} (ms)`).join(' | ')} | p95 ratio ${largest.toLocaleString('en')} / ${smallest.toLocaleString('en')} | target: p95 ≤ ${TARGET_P95_MS} ms and ratio ≤ ${TARGET_GROWTH} |`,
    `|---|${sizes.map(() => '---|').join('')}---|---|`,
  ];
  let met = 0;
  for (const q of QUERIES) {
    const row = results.get(q.name)!;
    const big = row.get(largest)!;
    const ratio = big.p95 / row.get(smallest)!.p95;
    const ok = big.p95 <= TARGET_P95_MS && (sizes.length === 1 || ratio <= TARGET_GROWTH);
    if (ok) met++;
    lines.push(`| ${q.who} | ${sizes.map((s) => `${fmt(row.get(s)!.p50)} / ${fmt(row.get(s)!.p95)}`).join(' | ')} | ${ratio.toFixed(2)} | ${ok ? 'met' : 'NOT met'} |`);
  }
  console.log(lines.join('\n'));
  console.log(`\n${met} of ${QUERIES.length} queries meet the target (${runs} calls each, after 20 warm-up calls; one client, this machine).`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
