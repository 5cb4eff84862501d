import { fork } from 'node:child_process';
import { once } from 'node:events';
import { parseArgs } from 'node:util';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import express from 'express';
import supertest from 'supertest';
import type { ItemCode } from '../policy/types';
import { dataConverter } from '../runtime/temporal';
import { TEMPORAL_KIND, mochaGlobalTeardown, testEnv, type TestEnv } from '../test/harness';
import { Scenario } from '../test/integration/scenario';
import { replayCases } from '../worker/replay';
import { bareCaseWorkflow, bareDecide } from './bare-workflow';
import { listenOnce } from './listen';

// The pipeline against a bare workflow of the same shape (bench/bare-workflow.ts), on the
// same Temporal server, interleaved case by case: throughput, history bytes and events
// per case, and the API's latency against a bare Express route and a bare
// `client.workflow.start`. Everything on loopback: the test harness's dev server (or,
// with TEST_TEMPORAL=cluster, the production Temporal server), fresh database and
// department simulator, torn down at the end. Each worker runs in a process of its own
// (bench/worker-process.ts) so that its CPU per case is its own; BENCH_PROFILE_DIR=dir
// writes their CPU profiles there.

const ORDER: [ItemCode, 'hospital' | 'police' | 'medical_insurance' | 'hrss'][][] = [
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

/** Histories replayed for the replay rate (the run's cases, again and again). */
const REPLAYED = 120;

const quantile = (values: number[], q: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(q * values.length))];
const ms = (started: bigint) => Number(process.hrtime.bigint() - started) / 1e6;

/** A worker in its own process (bench/worker-process.ts), so that its CPU time is its own. */
async function workerProcess(env: TestEnv, kind: 'real' | 'bare', taskQueue: string) {
  const child = fork(require.resolve('./worker-process'), [kind, taskQueue, env.simulator.url], {
    execArgv: ['--import', 'tsx', '--expose-gc', ...(process.env.BENCH_PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE_DIR}/${kind}`] : [])],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: {
      ...process.env,
      NODE_ENV: 'test',
      TEMPORAL_ADDRESS: env.devServer.address,
      TEMPORAL_NAMESPACE: env.config.namespace,
      DATABASE_URL: env.config.databaseUrl,
      PAYLOAD_KEY: env.config.payloadKeys.map((k) => `${k.id}:${k.key.toString('base64')}`).join(','),
      ID_HASH_KEY: env.config.idHashKey,
      AUTH_SECRET: env.config.authSecret,
      WORKER_MAX_CACHED_WORKFLOWS: String(env.config.worker.maxCachedWorkflows),
    },
  });
  const ready = new Promise<void>((resolve, reject) => {
    child.on('message', (m: { ready?: boolean }) => m.ready && resolve());
    child.once('exit', (code) => reject(new Error(`the ${kind} worker process ended (${code}) before it was ready`)));
  });
  await ready;
  return {
    /** User and system CPU of the process so far, in ms. */
    async cpuMs(): Promise<number> {
      const answer = new Promise<number>((resolve) => child.once('message', (m: { cpu: NodeJS.CpuUsage }) => resolve((m.cpu.user + m.cpu.system) / 1000)));
      child.send('cpu');
      return answer;
    },
    /** Heap after a full collection, and RSS, in MiB. */
    async memory(): Promise<{ heapUsed: number; rss: number }> {
      const answer = new Promise<{ heapUsed: number; rss: number }>((resolve) => child.once('message', (m: { memory: NodeJS.MemoryUsage }) => resolve({ heapUsed: m.memory.heapUsed / 1_048_576, rss: m.memory.rss / 1_048_576 })));
      child.send('memory');
      return answer;
    },
    async stop(): Promise<void> {
      const exited = once(child, 'exit');
      child.send('stop');
      await exited;
    },
  };
}

async function main() {
  const { values } = parseArgs({ options: { cases: { type: 'string', default: '10' }, open: { type: 'string', default: '700' }, concurrent: { type: 'string', default: '20' }, 'poll-ms': { type: 'string', default: '1000' } } });
  const concurrent = Number(values.concurrent);
  // With many cases in flight, the driver's own polling (in this process, on the same two
  // cores) would stand for the service's cost: it polls each case as a screen refreshes.
  const concurrentPollMs = Number(values['poll-ms']);
  if (!Number.isSafeInteger(concurrentPollMs) || concurrentPollMs < 10 || concurrentPollMs > 10_000) throw new Error('--poll-ms: 10 to 10,000');
  if (!Number.isSafeInteger(concurrent) || concurrent < 0 || concurrent > 200) throw new Error('--concurrent: 0 to 200 cases in flight at once (0: no concurrent run)');
  const open = Number(values.open);
  if (!Number.isSafeInteger(open) || open < 0 || open > 5000) throw new Error('--open: 0 to 5,000 (0: no memory figure)');
  const n = Number(values.cases);
  if (!Number.isSafeInteger(n) || n < 2 || n > 500) throw new Error('--cases: 2 to 500 (the first warms the workers)');
  // Hundreds of cases are opened from one address and one applicant for the memory figure:
  // the limits that guard a public API would stop the bench, not measure the service.
  process.env.RATE_LIMIT_PER_ADDRESS = '0';
  process.env.RATE_LIMIT_PER_CALLER = '0';
  const env = await testEnv();
  const s = await Scenario.start();
  // One API app for the whole run, listening once, as a server does (the scenario builds a
  // fresh app per request, which tests want and a latency figure does not).
  const listening = [listenOnce(env.apiApp(s.taskQueue))];
  Object.defineProperty(s, 'api', { value: supertest(listening[0]) });
  const bareQueue = `bench-bare-${process.pid}`;
  // Each worker in its own process: the CPU per case below is the worker's alone.
  const realWorker = await workerProcess(env, 'real', s.taskQueue);
  const bareWorker = await workerProcess(env, 'bare', bareQueue);
  const real: { ms: number; events: number; bytes: number; activities: number }[] = [];
  const realIds: string[] = [];
  const bare: typeof real = [];
  const postCase: number[] = [];
  const startBare: number[] = [];
  const getCase: number[] = [];
  const bareRoute: number[] = [];
  listening.push(listenOnce(express().get('/x/:id', (req, res) => void res.json({ caseId: req.params.id, status: 'in_progress', items: [] }))));
  const plain = supertest(listening[1]);

  const measure = async (workflowId: string) => {
    const history = await env.client.workflow.getHandle(workflowId).fetchHistory();
    const events = history.events ?? [];
    return { events: events.length, bytes: Buffer.byteLength(historyToJSON(history)), activities: events.filter((e) => e.activityTaskScheduledEventAttributes).length };
  };

  /** One real case through the API, every office approving as soon as its item is in review. */
  const runReal = async (timed: boolean, pollMs = 100) => {
    const started = process.hrtime.bigint();
    const app = s.application();
    await s.recordDelivery(app);
    const auth = `Bearer ${await s.applicantToken(app)}`;
    const t0 = process.hrtime.bigint();
    const created = await s.api.post('/api/cases').set('authorization', auth).send(app);
    if (timed) postCase.push(ms(t0));
    const caseId = created.body.caseId as string;
    for (const stage of ORDER) {
      // As a case worker's screen would: the read model, polled every `pollMs`.
      for (;;) {
        const view = await s.view(caseId);
        if (stage.every(([item]) => view.items.find((it) => it.item === item)?.status === 'in_review')) break;
        await new Promise((r) => setTimeout(r, pollMs));
      }
      await Promise.all(stage.map(([item, department]) => s.decide(caseId, item, department, 'approve')));
    }
    await env.client.workflow.getHandle(caseId).result();
    return { caseId, auth, ms: ms(started) };
  };
  /** The bare workflow of the same shape. */
  let bareSeq = 0;
  const runBare = async (work: number, timed: boolean) => {
    const started = process.hrtime.bigint();
    const id = `bench-bare-${process.pid}-${bareSeq++}`;
    const t1 = process.hrtime.bigint();
    const handle = await env.client.workflow.start(bareCaseWorkflow, { workflowId: id, taskQueue: bareQueue, args: [{ work }] });
    if (timed) startBare.push(ms(t1));
    for (const stage of ORDER) await Promise.all(stage.map(([item]) => handle.executeUpdate(bareDecide, { args: [{ item }] })));
    await handle.result();
    return { id, ms: ms(started) };
  };

  let work = 3;
  let cpuFrom = { real: 0, bare: 0 };
  for (let i = 0; i < n; i++) {
    // The first pair warms both workers (code loaded, caches filled): CPU is counted after it.
    if (i === 1) cpuFrom = { real: await realWorker.cpuMs(), bare: await bareWorker.cpuMs() };
    const { caseId, auth, ms: realMs } = await runReal(true);
    for (let k = 0; k < 5; k++) {
      const t = process.hrtime.bigint();
      await s.api.get(`/api/cases/${caseId}`).set('authorization', auth);
      getCase.push(ms(t));
      const b = process.hrtime.bigint();
      await plain.get(`/x/${caseId}`);
      bareRoute.push(ms(b));
    }
    const m = await measure(caseId);
    real.push({ ms: realMs, ...m });
    realIds.push(caseId);
    // As many activities per item as the real case ran (less the licence), spread evenly.
    work = Math.max(0, Math.round(m.activities / 5) - 1);
    // The bare workflow of the same shape, right after, on the same server.
    const { id, ms: bareMs } = await runBare(work, true);
    bare.push({ ms: bareMs, ...(await measure(id)) });
    process.stderr.write(`  case ${i + 1}/${n}: pipeline ${realMs.toFixed(0)} ms, bare ${bareMs.toFixed(0)} ms\n`);
  }
  const cpuPerCase = {
    real: ((await realWorker.cpuMs()) - cpuFrom.real) / (n - 1),
    bare: ((await bareWorker.cpuMs()) - cpuFrom.bare) / (n - 1),
  };

  // Throughput with many cases in flight: `concurrent` real cases at once, then as many bare ones.
  const wall = async (run: () => Promise<unknown>) => {
    const t = process.hrtime.bigint();
    await run();
    return ms(t);
  };
  const concurrentReal = concurrent > 0 ? await wall(() => Promise.all(Array.from({ length: concurrent }, () => runReal(false, concurrentPollMs)))) : 0;
  const concurrentBare = concurrent > 0 ? await wall(() => Promise.all(Array.from({ length: concurrent }, () => runBare(work, false)))) : 0;
  if (concurrent > 0) process.stderr.write(`  ${concurrent} at once: pipeline ${concurrentReal.toFixed(0)} ms, bare ${concurrentBare.toFixed(0)} ms\n`);
  await bareWorker.stop();

  // Memory: the real worker's process (its RSS, and its main thread's heap after a collection) once warm,
  // again when the cache holds as many cases as it may (or `open`, if fewer), and again after `open`
  // cases in all wait for their reviews, their items in review: past the cache, RSS should stay flat.
  const cache = env.config.worker.maxCachedWorkflows;
  const before = await realWorker.memory();
  let filled = before;
  let after = before;
  if (open > 0) {
    const openCases = async (count: number) => {
      const waiting: string[] = [];
      for (let i = 0; i < count; i++) {
        const app = s.application();
        await s.recordDelivery(app);
        waiting.push(await s.submit(app));
        if ((i + 1) % 250 === 0) {
          const m = await realWorker.memory();
          process.stderr.write(`  memory: ${i + 1} of ${count} cases opened, worker RSS ${m.rss.toFixed(0)} MiB\n`);
        }
      }
      for (const caseId of waiting) await s.waitForItems(caseId, { birth_certificate: 'in_review' });
    };
    const first = Math.min(open, cache || open);
    await openCases(first);
    filled = after = await realWorker.memory();
    if (open > first) {
      await openCases(open - first);
      after = await realWorker.memory();
    }
  }
  await realWorker.stop();

  // Replay: the service's replayer (worker/replay.ts: histories fetched one by one, replayers
  // side by side) against the SDK alone on the same histories already in memory, one replayer.
  // Enough histories that a replayer's start (loading the workflow code) does not stand for its rate.
  const ids = Array.from({ length: Math.ceil(REPLAYED / realIds.length) }, () => realIds).flat();
  const fetched = await Promise.all(ids.map(async (workflowId) => ({ workflowId, history: await env.client.workflow.getHandle(workflowId).fetchHistory() })));
  let t = process.hrtime.bigint();
  let sdkFailures = 0;
  for await (const result of Worker.runReplayHistories({ workflowBundle: env.bundle, dataConverter: dataConverter(env.config) }, fetched)) if (result.error) sdkFailures++;
  const sdkRate = (1000 * fetched.length) / ms(t);
  t = process.hrtime.bigint();
  const report = await replayCases({ client: env.client, db: env.db.db, config: env.config, bundle: env.bundle, caseIds: ids });
  const serviceRate = (1000 * ids.length) / ms(t);
  if (sdkFailures || report.failures.length) throw new Error(`replay failures: SDK ${sdkFailures}, service ${JSON.stringify(report.failures)}`);

  const avg = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const row = (what: string, value: number, baseline: number, unit: string, target: string, ok: boolean) =>
    `| ${what} | ${value.toFixed(unit === 'ms' ? 1 : 0)} ${unit} | ${baseline.toFixed(unit === 'ms' ? 1 : 0)} ${unit} | ${(value / baseline).toFixed(2)} | ${target} | ${ok ? 'met' : 'NOT met'} |`;
  const throughput = (runs: typeof real) => (1000 * runs.length) / runs.reduce((a, r) => a + r.ms, 0);
  const lines = [
    `| figure (${n} cases, interleaved; ${TEMPORAL_KIND === 'cluster' ? 'production Temporal server' : 'Temporal dev server'}) | pipeline | bare baseline | ratio | target | |`,
    '|---|---|---|---|---|---|',
    `| case throughput, one case at a time | ${throughput(real).toFixed(2)} cases/s | ${throughput(bare).toFixed(2)} cases/s | ${(throughput(real) / throughput(bare)).toFixed(2)} | ≥ 0.9 | ${throughput(real) / throughput(bare) >= 0.9 ? 'met' : 'NOT met'} |`,
    ...(concurrent > 0
      ? [`| case throughput, ${concurrent} cases at once (read model polled every ${concurrentPollMs} ms) | ${((1000 * concurrent) / concurrentReal).toFixed(2)} cases/s | ${((1000 * concurrent) / concurrentBare).toFixed(2)} cases/s | ${(concurrentBare / concurrentReal).toFixed(2)} | ≥ 0.9 | ${concurrentBare / concurrentReal >= 0.9 ? 'met' : 'NOT met'} |`]
      : []),
    row(`worker CPU per case (own process; ${n - 1} cases after the first)`, cpuPerCase.real, cpuPerCase.bare, 'ms', '≤ 1.5', cpuPerCase.real <= 1.5 * cpuPerCase.bare),
    row('history bytes per case', avg(real.map((r) => r.bytes)), avg(bare.map((r) => r.bytes)), 'B', '≤ 1.2', avg(real.map((r) => r.bytes)) <= 1.2 * avg(bare.map((r) => r.bytes))),
    row('history events per case', avg(real.map((r) => r.events)), avg(bare.map((r) => r.events)), 'events', '≤ 1.2', avg(real.map((r) => r.events)) <= 1.2 * avg(bare.map((r) => r.events))),
    row('POST /api/cases p50 vs bare workflow.start', quantile(postCase, 0.5), quantile(startBare, 0.5), 'ms', '≤ 1.3', quantile(postCase, 0.5) <= 1.3 * quantile(startBare, 0.5)),
    row('GET /api/cases/:id p50 vs bare Express route', quantile(getCase, 0.5), quantile(bareRoute, 0.5), 'ms', '≤ 2', quantile(getCase, 0.5) <= 2 * quantile(bareRoute, 0.5)),
    `| replay, histories/s (${ids.length} histories) | ${serviceRate.toFixed(1)} /s | ${sdkRate.toFixed(1)} /s (SDK alone, one replayer) | ${(serviceRate / sdkRate).toFixed(2)} | ≥ 40 /s | ${serviceRate >= 40 ? 'met' : 'NOT met'} |`,
    row('GET /api/cases/:id p99 vs bare Express route', quantile(getCase, 0.99), quantile(bareRoute, 0.99), 'ms', '(shown)', true),
  ];
  console.log(lines.join('\n'));
  if (open > 0) {
    // RSS, not the main thread's heap: the cached workflows live in the workflow thread's own heap.
    const cached = Math.min(open, cache || open);
    const perCase = (filled.rss - before.rss) / cached;
    const projected = before.rss + perCase * Math.min(100_000, cache || 100_000);
    const mem = (m: { heapUsed: number; rss: number }) => `RSS ${m.rss.toFixed(0)} MiB (heap ${m.heapUsed.toFixed(0)})`;
    const past = open > cached ? `; ${open - cached} more past the cache: ${mem(after)}, ${(after.rss - filled.rss).toFixed(0)} MiB more` : '';
    console.log(
      `| worker with ${cached} open cases cached (WORKER_MAX_CACHED_WORKFLOWS ${cache}) | ${mem(filled)} | ${mem(before)} warm, none open | ${(filled.rss / before.rss).toFixed(2)} | 100 k open ≤ 1 GiB | ${projected <= 1024 ? 'met' : 'NOT met'} (${perCase.toFixed(2)} MiB per cached case: ${projected.toFixed(0)} MiB with 100 k open${past}) |`,
    );
  }

  console.log(`\nactivities per case: pipeline ${avg(real.map((r) => r.activities)).toFixed(0)}, bare ${avg(bare.map((r) => r.activities)).toFixed(0)}`);
  for (const server of listening) server.close();
  await mochaGlobalTeardown();
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
