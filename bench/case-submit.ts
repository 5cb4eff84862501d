import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { parseArgs } from 'node:util';
import supertest from 'supertest';
import { recordSubmission } from '../domain/cases';
import { motherKey } from '../domain/identity';
import { casesOfDelivery, findCase, statusOfCase } from '../db/queries';
import { WORKFLOW_TYPE } from '../workflows/messages';
import { listenOnce } from './listen';
import { mochaGlobalTeardown } from '../test/harness';
import { Scenario } from '../test/integration/scenario';

// Where the time of one submission goes, in one process with nothing else running: the
// whole POST /api/cases against a bare `client.workflow.start`, then its parts one by one.
// No worker polls the queues here: the cases wait, so nothing else takes the cores.
//   node --import tsx bench/case-submit.ts [--calls 200] [--profile FILE.cpuprofile]

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main() {
  const { values } = parseArgs({ options: { calls: { type: 'string', default: '200' }, profile: { type: 'string' } } });
  const calls = Number(values.calls);
  if (!Number.isSafeInteger(calls) || calls < 10 || calls > 10_000) throw new Error('--calls: 10 to 10,000');
  process.env.RATE_LIMIT_PER_ADDRESS = '0';
  process.env.RATE_LIMIT_PER_CALLER = '0';
  const s = await Scenario.start();
  const { env } = s;
  const db = env.db.db;
  const idle = `bench-idle-${process.pid}`;
  const server = listenOnce(env.apiApp(idle));
  const api = supertest(server);
  const time = async (call: (i: number) => Promise<unknown>, warm = Math.min(50, calls)) => {
    for (let i = 0; i < warm; i++) await call(i);
    const took: number[] = [];
    for (let i = 0; i < calls; i++) {
      const t = process.hrtime.bigint();
      await call(warm + i);
      took.push(Number(process.hrtime.bigint() - t) / 1e6);
    }
    return median(took);
  };

  // Applications and their tokens made beforehand: the timed loop is the request alone.
  const prepared = async (n: number) =>
    Promise.all(Array.from({ length: n }, async () => {
      const app = s.application();
      return { app, auth: `Bearer ${await s.applicantToken(app)}` };
    }));
  const total = Math.min(50, calls) + calls;
  const submissions = await prepared(total);
  const checks = await prepared(total);
  let seq = 0;

  const session = values.profile ? new Session() : undefined;
  if (session) {
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.start');
  }
  const post = await time(async (i) => {
    const { app, auth } = submissions[i];
    const res = await api.post('/api/cases').set('authorization', auth).send(app);
    if (res.status !== 201) throw new Error(`POST /api/cases ${res.status}: ${JSON.stringify(res.body)}`);
  });
  if (session && values.profile) writeFileSync(values.profile, JSON.stringify((await session.post('Profiler.stop')).profile));
  const bare = await time(() => env.client.workflow.start('bareCaseWorkflow', { workflowId: `bench-bare-${process.pid}-${seq++}`, taskQueue: idle, args: [{ work: 3 }] }));
  const sample = submissions[0].app;
  const { caseId } = (await api.get('/api/cases').set('authorization', `Bearer ${await s.auth({ sub: 'bench', role: 'supervisor' })}`)).body.cases?.[0] ?? {};
  const found = caseId ? await findCase(db, caseId) : undefined;
  const rows: [string, number][] = [
    [`POST /api/cases (${calls} calls)`, post],
    ['bare client.workflow.start, same client', bare],
    ['workflow.start with the application as its input', await time(() => env.client.workflow.start(WORKFLOW_TYPE, { workflowId: `bench-input-${process.pid}-${seq++}`, taskQueue: idle, args: [{ application: sample }] }))],
    ['POST /api/eligibility (token, parse, eligibility: no start)', await time(async (i) => {
      const { app, auth } = checks[i];
      const res = await api.post('/api/eligibility').set('authorization', auth).send(app);
      if (res.status !== 200) throw new Error(`POST /api/eligibility ${res.status}`);
    })],
    ['the delivery lookup (casesOfDelivery, statusOfCase)', await time(async () => {
      await casesOfDelivery(db, motherKey(env.config.idHashKey, sample.mother.idNumber), new Date(sample.delivery.bornAt));
      await statusOfCase(db, `bench-none-${seq++}`);
    })],
  ];
  if (found) {
    rows.push(['recordSubmission (the early record, one transaction)', await time(() =>
      recordSubmission(db, { view: { ...found.view, caseId: `bench-early-${process.pid}-${seq++}` }, applicantHash: found.applicantHash, applicantMasked: 'bench' }),
    )]);
  }
  console.log('| part | p50 |\n|---|---|');
  for (const [what, ms] of rows) console.log(`| ${what} | ${ms.toFixed(2)} ms |`);
  console.log(`\nPOST /api/cases / bare workflow.start: ${(post / bare).toFixed(2)} (target ≤ 1.3)`);
  server.close();
  await mochaGlobalTeardown();
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
