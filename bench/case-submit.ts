import { parseArgs } from 'node:util';
import supertest from 'supertest';
import { recordSubmission } from '../domain/cases';
import { motherKey } from '../domain/identity';
import { casesOfDelivery, findCase, statusOfCase } from '../db/queries';
import { WORKFLOW_TYPE } from '../workflows/messages';
import { bareCaseWorkflow } from './bare-workflow';
import { listenOnce } from './listen';
import { medianMs, profiled } from './timing';
import { mochaGlobalTeardown } from '../test/harness';
import { Scenario } from '../test/integration/scenario';

// Where the time of one submission goes, in one process with nothing else running: the
// whole POST /api/cases against a bare `client.workflow.start`, then its parts one by one.
// No worker polls the queues here: the cases wait, so nothing else takes the cores.
//   node --import tsx bench/case-submit.ts [--calls 200] [--profile FILE.cpuprofile]

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
  const warm = Math.min(50, calls);
  const time = (call: (i: number) => Promise<unknown>) => medianMs(calls, warm, call);

  // Applications and their tokens made beforehand: the timed loop is the request alone.
  const prepared = async (n: number) =>
    Promise.all(Array.from({ length: n }, async () => {
      const app = s.application();
      return { app, auth: `Bearer ${await s.applicantToken(app)}` };
    }));
  const submissions = await prepared(warm + calls);
  const checks = await prepared(warm + calls);
  let seq = 0;

  let submitted: string | undefined;
  const post = await profiled(values.profile, () => time(async (i) => {
    const { app, auth } = submissions[i];
    const res = await api.post('/api/cases').set('authorization', auth).send(app);
    if (res.status !== 201) throw new Error(`POST /api/cases ${res.status}: ${JSON.stringify(res.body)}`);
    submitted = res.body.caseId;
  }));
  const bare = await time(() => env.client.workflow.start(bareCaseWorkflow, { workflowId: `bench-bare-${process.pid}-${seq++}`, taskQueue: idle, args: [{ work: 3 }] }));
  const sample = submissions[0].app;
  // A case as the early record wrote it, copied under new IDs to time the record alone.
  const found = submitted && (await findCase(db, submitted));
  if (!found) throw new Error('the read model does not hold the last case submitted');
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
    ['recordSubmission (the early record, one transaction)', await time(() =>
      recordSubmission(db, { view: { ...found.view, caseId: `bench-early-${process.pid}-${seq++}` }, applicantHash: found.applicantHash, applicantMasked: 'bench' }),
    )],
  ];
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
