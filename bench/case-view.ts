import { parseArgs } from 'node:util';
import { sql } from 'drizzle-orm';
import express from 'express';
import supertest from 'supertest';
import { shipmentsOf } from '../db/journey';
import { findCase } from '../db/queries';
import { listenOnce } from './listen';
import { medianMs, profiled } from './timing';
import { mochaGlobalTeardown } from '../test/harness';
import { Scenario } from '../test/integration/scenario';

// Where the time of one case view goes, in one process with nothing else running (the
// pipeline bench measures the same route while its workers finish their cases): the whole
// route against a bare Express route through the same client, then its parts one by one.
//   node --import tsx bench/case-view.ts [--calls 300] [--profile FILE.cpuprofile]

async function main() {
  const { values } = parseArgs({ options: { calls: { type: 'string', default: '300' }, profile: { type: 'string' } } });
  const calls = Number(values.calls);
  if (!Number.isSafeInteger(calls) || calls < 10 || calls > 100_000) throw new Error('--calls: 10 to 100,000');
  const s = await Scenario.start();
  // One API app for the whole run, listening once, as a server does.
  const listening = [listenOnce(s.env.apiApp(s.taskQueue))];
  Object.defineProperty(s, 'api', { value: supertest(listening[0]) });
  const time = (call: () => Promise<unknown>) => medianMs(calls, Math.min(200, calls), call);
  await s.run(async () => {
    const app = s.application();
    const caseId = await s.submit(app);
    await s.waitForItems(caseId, { birth_certificate: 'in_review' });
    const auth = `Bearer ${await s.applicantToken(app)}`;
    listening.push(listenOnce(express().get('/x/:id', (req, res) => void res.json({ caseId: req.params.id, status: 'in_progress', items: [] }))));
    const bare = supertest(listening[1]);
    const db = s.env.db.db;

    const view = await profiled(values.profile, () => time(() => s.api.get(`/api/cases/${caseId}`).set('authorization', auth)));
    const baseline = await time(() => bare.get(`/x/${caseId}`));
    const rows: [string, number][] = [
      [`GET /api/cases/:id (${calls} calls)`, view],
      ['bare Express route, same client', baseline],
      ['GET /healthz (every middleware, no auth, no read)', await time(() => s.api.get('/healthz'))],
      ['GET /api/cases/:id without a token (401)', await time(() => s.api.get(`/api/cases/${caseId}`))],
      ['findCase (four reads side by side)', await time(() => findCase(db, caseId))],
      ['shipmentsOf', await time(() => shipmentsOf(db, caseId))],
      ['select 1 (one round trip)', await time(() => db.execute(sql`select 1`))],
    ];
    console.log('| part | p50 |\n|---|---|');
    for (const [what, ms] of rows) console.log(`| ${what} | ${ms.toFixed(2)} ms |`);
    console.log(`\ncase view / bare route: ${(view / baseline).toFixed(2)} (target ≤ 2)`);
  });
  for (const server of listening) server.close();
  await mochaGlobalTeardown();
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
