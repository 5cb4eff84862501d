import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { archiveHistory } from '../../db/archive';
import { loadConfig } from '../../runtime/config';
import { SEARCH_ATTRIBUTES } from '../../workflows/search-attributes';
import { replayCases } from '../../worker/replay';
import { createCaseWorker } from '../../worker/worker';
import { TEMPORAL_KIND } from '../harness';
import { Scenario } from './scenario';

// What lets one worker hold a province: a bounded cache of cases (the others replayed
// from their history when their turn comes), replay across cores, and the Temporal
// server the run uses set up as configured.

describe('scale', function () {
  let s: Scenario;
  before(async function () {
    s = await Scenario.start();
  });

  describe('worker limits', function () {
    it('are configured with documented defaults, and a cache smaller than the task slots is refused', function () {
      const config = loadConfig({});
      assert.equal(config.worker.maxCachedWorkflows, 500);
      assert.equal(config.worker.maxConcurrentWorkflowTaskExecutions, 40);
      assert.equal(config.worker.maxConcurrentActivityTaskExecutions, 100);
      assert.equal(config.worker.maxConcurrentLocalActivityExecutions, 100);
      assert.equal(config.worker.stickyQueueScheduleToStartTimeoutMs, 10_000);
      assert.equal(loadConfig({ WORKER_MAX_CACHED_WORKFLOWS: '250', WORKER_STICKY_QUEUE_TIMEOUT_SECONDS: '2.5' }).worker.maxCachedWorkflows, 250);
      assert.equal(loadConfig({ WORKER_STICKY_QUEUE_TIMEOUT_SECONDS: '2.5' }).worker.stickyQueueScheduleToStartTimeoutMs, 2500);
      assert.throws(() => loadConfig({ WORKER_MAX_CACHED_WORKFLOWS: '10' }), /WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: must not exceed WORKER_MAX_CACHED_WORKFLOWS/);
      assert.equal(loadConfig({ WORKER_MAX_CACHED_WORKFLOWS: '0' }).worker.maxCachedWorkflows, 0, 'no cache at all is allowed');
      assert.throws(() => loadConfig({ WORKER_MAX_CACHED_WORKFLOWS: '-1' }), /WORKER_MAX_CACHED_WORKFLOWS/);
    });

    it('hold no more cases in memory than the cache allows, and evicted cases carry on when their next step comes', async function () {
      this.timeout(120_000);
      const limits = { ...s.env.config.worker, maxCachedWorkflows: 2, maxConcurrentWorkflowTaskExecutions: 2, maxConcurrentActivityTaskExecutions: 3 };
      const small = await Scenario.start();
      const { taskQueue } = small;
      const worker = await createCaseWorker({
        connection: s.env.connection,
        config: { ...s.env.config, worker: limits },
        workflowBundle: s.env.bundle,
        taskQueue,
        deps: { db: s.env.db.db, departmentsUrl: s.env.simulator.url },
      });
      assert.equal(worker.options.maxCachedWorkflows, 2);
      assert.deepEqual(
        [worker.options.tuner.workflowTaskSlotSupplier, worker.options.tuner.activityTaskSlotSupplier],
        [
          { type: 'fixed-size', numSlots: 2 },
          { type: 'fixed-size', numSlots: 3 },
        ],
      );
      const cacheSize = async () => {
        const text = await (await fetch(s.env.sdkMetricsUrl!)).text();
        const line = text.split('\n').find((l) => l.startsWith('temporal_sticky_cache_size{') && l.includes(`task_queue="${taskQueue}"`));
        return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : undefined;
      };
      await worker.runUntil(async () => {
        const cases: string[] = [];
        for (let i = 0; i < 4; i++) cases.push(await small.submit(small.application()));
        for (const caseId of cases) await small.waitForItems(caseId, { birth_certificate: 'in_review' });
        const size = await cacheSize();
        assert.ok(size !== undefined && size <= 2, `cache of ${size} cases`);
        // The first cases left the cache for the later ones: a decision replays them from their history.
        for (const caseId of cases.slice(0, 2)) assert.equal((await small.decide(caseId, 'birth_certificate', 'hospital', 'approve')).status, 200);
        for (const caseId of cases.slice(0, 2)) await small.waitForItems(caseId, { birth_certificate: 'completed' });
        const after = await cacheSize();
        assert.ok(after !== undefined && after <= 2, `cache of ${after} cases`);
      });
    });
  });

  describe('parallel replay', function () {
    const dir = join(__dirname, '..', 'histories');
    const goldens = readdirSync(dir)
      .filter((f) => f.endsWith('.json'))
      .sort();
    const caseIds: string[] = [];

    before(async function () {
      // Golden histories archived under case IDs of their own: the replayer reads them
      // from the archive as it reads any closed case.
      for (const [i, file] of goldens.entries()) {
        const caseId = `case-${process.pid.toString(16).padStart(8, '0')}${i.toString(16).padStart(16, '0')}`;
        const history = JSON.stringify(JSON.parse(readFileSync(join(dir, file), 'utf8')));
        await archiveHistory(s.env.db.db, { caseId, runId: `golden-${file}`, status: 'completed', closedAt: new Date(), history });
        caseIds.push(caseId);
      }
    });

    it('gives the report one replayer gives, case for case in the same order, with several replayers', async function () {
      this.timeout(120_000);
      // Unknown cases in between, and in a second round code every case fails against.
      const unknown = (n: number) => `case-ffffffffffffffff${n.toString(16).padStart(8, '0')}`;
      const named = caseIds.flatMap((id, i) => (i % 4 === 1 ? [unknown(i), id] : [id]));
      const altered = await bundleWorkflowCode({ workflowsPath: require.resolve('../fixtures/altered-workflow'), logger: { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} } });
      for (const bundle of [s.env.bundle, altered]) {
        const run = async (parallelism: number) => {
          const progress: number[] = [];
          const started = Date.now();
          const report = await replayCases({ client: s.env.client, db: s.env.db.db, config: s.env.config, bundle, caseIds: named, parallelism, onProgress: (done) => progress.push(done) });
          return { report, progress, ms: Date.now() - started };
        };
        const one = await run(1);
        const two = await run(2);
        assert.deepEqual(two.report, one.report);
        assert.equal(one.report.replayed, caseIds.length);
        const expectedFailures = bundle === altered ? named : named.filter((id) => !caseIds.includes(id));
        assert.deepEqual(
          one.report.failures.map((f) => f.caseId),
          expectedFailures,
        );
        if (bundle === altered) assert.ok(one.report.failures.filter((f) => caseIds.includes(f.caseId)).every((f) => /Determinism|nondetermin/i.test(f.error)));
        assert.deepEqual([...two.progress].sort((a, b) => a - b), two.progress, 'progress only goes up');
        assert.equal(two.progress.at(-1), named.length);
        process.stdout.write(`      [replay] ${caseIds.length} histories (${bundle === altered ? 'altered code' : 'current code'}): one replayer ${one.ms} ms, two ${two.ms} ms\n`);
      }
    });
  });

  describe(`the Temporal server of this run (${TEMPORAL_KIND})`, function () {
    it('has the namespace, its retention, the case search attributes and, for the production server, the configured shards', async function () {
      const service = s.env.client.connection.workflowService;
      const namespace = await service.describeNamespace({ namespace: s.env.config.namespace });
      const retentionDays = Number(namespace.config?.workflowExecutionRetentionTtl?.seconds ?? 0) / 86_400;
      assert.equal(retentionDays, TEMPORAL_KIND === 'cluster' ? 1 : 365);
      const listed = await s.env.client.connection.operatorService.listSearchAttributes({ namespace: s.env.config.namespace });
      const types = Object.fromEntries(Object.keys(SEARCH_ATTRIBUTES).map((name) => [name, listed.customAttributes?.[name]]));
      assert.deepEqual(types, { CaseRegion: 2, CaseStatus: 2, PolicyVersion: 2, OverdueItems: 7 }, 'Keyword = 2, KeywordList = 7');
      const info = await service.getClusterInfo({});
      if (TEMPORAL_KIND === 'cluster') {
        assert.equal(info.historyShardCount, s.env.config.temporalServer.historyShards);
        assert.match(info.serverVersion ?? '', /^1\.29\.1/);
      } else {
        assert.equal(info.historyShardCount, 1, 'the dev server runs one shard');
      }
    });
  });
});
