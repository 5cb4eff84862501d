import { strict as assert } from 'node:assert';
import type { Department, ItemCode } from '../../policy/types';
import { openDatabase, type Database } from '../../db/client';
import { createCaseWorker } from '../../worker/worker';
import { Scenario } from './scenario';

// A chaos run once wedged 62 of 200 cases: the projection read the calendar on the pool
// from inside its own transaction, and with every connection of the worker's pool
// holding such a transaction, none could go on. On a pool of one connection the same
// mistake wedges the first case, so a worker on such a pool that runs cases to the end
// shows that no activity waits on the pool while it holds a connection of it.

const STAGES: [ItemCode, Department][][] = [
  [
    ['birth_certificate', 'hospital'],
    ['vaccination_certificate', 'hospital'],
  ],
  [['hukou_registration', 'police']],
  [
    ['medical_insurance_enrollment', 'medical_insurance'],
    ['social_security_card', 'hrss'],
  ],
];

describe("the worker's database pool", function () {
  let s: Scenario;
  let narrow: Database;

  before(async function () {
    s = await Scenario.start();
    narrow = openDatabase(s.env.config.databaseUrl, { max: 1, applicationName: 'one-connection-worker' });
  });

  after(async function () {
    await narrow.close();
  });

  it('runs cases to the end on a single connection: no activity asks the pool for a second one inside its transaction', async function () {
    this.timeout(120_000);
    const worker = await createCaseWorker({
      connection: s.env.connection,
      config: s.env.config,
      workflowBundle: s.env.bundle,
      taskQueue: s.taskQueue,
      deps: { db: narrow.db, departmentsUrl: s.env.simulator.url },
    });
    await worker.runUntil(async () => {
      // Three at once, so their projections and department calls contend for the one connection.
      const cases = await Promise.all([0, 1, 2].map(() => s.submit(s.application())));
      for (const stage of STAGES) {
        await Promise.all(cases.map((caseId) => s.waitForItems(caseId, Object.fromEntries(stage.map(([item]) => [item, 'in_review'])))));
        for (const caseId of cases) {
          for (const [item, department] of stage) assert.equal((await s.decide(caseId, item, department, 'approve')).status, 200, `${caseId} ${item}`);
        }
      }
      const closed = await Promise.all(cases.map((caseId) => s.waitFor(caseId, (v) => v.status === 'completed', 'completed')));
      assert.deepEqual(
        closed.map((v) => v.items.every((i) => i.licence !== undefined)),
        [true, true, true],
        'every item has its licence',
      );
    });
    const [{ n }] = await s.env.db.sql<{ n: number }[]>`select count(*)::int as n from pg_stat_activity where application_name = 'one-connection-worker'`;
    assert.ok(n <= 1, `the worker's pool opened ${n} connections`);
  });
});
