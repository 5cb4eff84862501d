import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { signToken, type Principal } from '../api/auth';
import { dropDatabase, openDatabase, prepareDatabase, type Database } from '../db/client';
import { shippedCatalogue } from '../policy/pack-files';
import { routeItem } from '../policy/routing';
import { DEPARTMENTS, type Department } from '../policy/types';

/** The shipped regions, in turn: every pack takes part in the run. */
const REGIONS = ['national', 'lanzhou', 'shanghai'] as const;
const PARENTS_OWN = new Set<string>(['medical_insurance_payment']);
import { loadConfig, type Config } from '../runtime/config';
import { startDevServer, type DevServer } from '../runtime/dev-server';
import { createClient } from '../runtime/temporal';
import { startSimulator, type RunningSimulator } from '../simulator/server';
import { caseViewQuery, type CaseView } from '../workflows/messages';
import { fail, parseCli, run } from './cli';
import { sampleApplication } from './sample-application';
// @ts-expect-error plain JavaScript module shared with the set-up step
import { temporalCliPath } from './setup.mjs';

const USAGE = `
npm run chaos -- [--cases 200] [--rounds 3] [--minutes 20] [--keep-logs]

Drives cases through a service of its own on loopback (its own Temporal dev server,
database and department simulator, the worker and the API as child processes) while,
in rounds, it kills the worker with SIGKILL and restarts it, restarts the Temporal
server, makes the departments fail 30 % of calls and cuts the service's database
connections. A worker or API that dies by itself is counted and started again. Then it
prints what happened to the cases. A measurement, not a test: it exits 0 once it has
printed its figures, and cleans up everything it started.
  --cases     how many cases to submit (default 200)
  --rounds    fault rounds (default 3)
  --minutes   stop driving after this long, finished or not (default 20)
  --keep-logs keep the worker's and Temporal's logs (their folder is printed)
`;

const ROUND_SECONDS = 40;
const OBSERVER = 'chaos-observer';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const CLOSED = new Set(['completed', 'partially_completed', 'withdrawn', 'ineligible']);

function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => ok(port));
    });
  });
}

/** A port for the dev server whose neighbours it also opens (UI and HTTP at +1000) are free as well. */
async function devServerPort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 30_000);
    const free = async (p: number) =>
      new Promise<boolean>((ok) => {
        const server = createServer();
        server.once('error', () => ok(false));
        server.listen(p, '127.0.0.1', () => server.close(() => ok(true)));
      });
    if ((await free(port)) && (await free(port + 1000))) return port;
  }
  throw new Error('no free port pair for the Temporal dev server');
}

interface RequestRecord {
  method: string;
  route: string;
  status: number;
  ms: number;
  /** A 503 that says when to come back: the bounded answer while Temporal is away, not a fault. */
  retryAfter?: boolean;
}

/** The HTTP side: every request timed and its status kept. */
class Http {
  readonly records: RequestRecord[] = [];
  noAnswer = 0;
  constructor(private readonly base: string) {}

  async call(method: string, path: string, route: string, token: string, body?: unknown): Promise<{ status: number; body: unknown }> {
    const started = performance.now();
    try {
      const res = await fetch(`${this.base}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body !== undefined && { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(120_000),
      });
      const text = await res.text();
      this.records.push({ method, route, status: res.status, ms: performance.now() - started, ...(res.status === 503 && res.headers.has('retry-after') && { retryAfter: true }) });
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        // not JSON: kept as text
      }
      return { status: res.status, body: parsed };
    } catch {
      this.noAnswer++;
      this.records.push({ method, route, status: 0, ms: performance.now() - started });
      return { status: 0, body: undefined };
    }
  }
}

/**
 * A piece of the service as a child process, so that it can be killed like a real one,
 * under a minimal supervisor: one that dies by itself (not killed by us) is counted
 * and started again, as systemd or Kubernetes would.
 */
class ChildService {
  private child?: ChildProcess;
  private stopping = false;
  private killedByUs = false;
  starts = 0;
  crashes: string[] = [];

  constructor(
    readonly name: string,
    private readonly entry: string,
    private readonly env: NodeJS.ProcessEnv,
    private readonly ready: string,
    private readonly logFile: string,
    private readonly say: (m: string) => void,
  ) {}

  async start(): Promise<void> {
    const log = createWriteStream(this.logFile, { flags: 'a' });
    const child = spawn(process.execPath, ['--import', 'tsx', resolve(__dirname, '..', this.entry)], { env: this.env, stdio: ['ignore', 'pipe', 'pipe'], cwd: resolve(__dirname, '..') });
    this.child = child;
    this.killedByUs = false;
    this.starts++;
    child.stderr!.pipe(log);
    let up = false;
    child.once('exit', (code, signal) => {
      if (!up || this.stopping || this.killedByUs || this.child !== child) return;
      this.crashes.push(`${signal ?? `exit ${code}`}`);
      this.say(`${this.name} died by itself (${signal ?? `exit ${code}`}); see ${this.logFile}. Starting it again`);
      void sleep(1000).then(() => this.startWithRetries());
    });
    await new Promise<void>((ok, fail) => {
      const timer = setTimeout(() => fail(new Error(`${this.name} did not start within 120 s; see ${this.logFile}`)), 120_000);
      child.stdout!.on('data', (chunk: Buffer) => {
        log.write(chunk);
        if (!up && chunk.toString().includes(this.ready)) {
          up = true;
          clearTimeout(timer);
          ok();
        }
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        if (!up) fail(new Error(`${this.name} exited during start-up (${signal ?? code}); see ${this.logFile}`));
      });
    });
  }

  async startWithRetries(): Promise<void> {
    for (let attempt = 1; attempt <= 5 && !this.stopping; attempt++) {
      try {
        return await this.start();
      } catch (err) {
        this.say(`${(err as Error).message} (attempt ${attempt})`);
        await sleep(2000);
      }
    }
  }

  kill(): void {
    if (!this.child || this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.killedByUs = true;
    this.child.kill('SIGKILL');
  }

  async stop(): Promise<void> {
    this.stopping = true;
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  }
}

run(async () => {
  const values = parseCli(USAGE, { cases: { type: 'string', default: '200' }, rounds: { type: 'string', default: '3' }, minutes: { type: 'string', default: '20' }, 'keep-logs': { type: 'boolean', default: false } });
  const total = Number(values.cases);
  const rounds = Number(values.rounds);
  const minutes = Number(values.minutes);
  if (!Number.isInteger(total) || total < 1 || total > 900) fail(USAGE, '--cases must be a whole number from 1 to 900');
  if (!Number.isInteger(rounds) || rounds < 0 || rounds > 20) fail(USAGE, '--rounds must be a whole number from 0 to 20');
  if (!(minutes > 0 && minutes <= 120)) fail(USAGE, '--minutes must be more than 0 and at most 120');

  const t0 = Date.now();
  const deadline = t0 + minutes * 60_000;
  const elapsed = () => `${((Date.now() - t0) / 1000).toFixed(0)} s`;
  const say = (message: string) => process.stderr.write(`[chaos ${elapsed()}] ${message}\n`);

  // Everything of its own, on loopback: nothing it does reaches another service.
  const base = new URL(process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/newborn');
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(base.hostname)) fail(USAGE, `DATABASE_URL must name a PostgreSQL server on loopback, not ${base.hostname}`);
  base.pathname = `/newborn_chaos_${process.pid}`;
  base.search = '';
  const dir = mkdtempSync(join(tmpdir(), 'newborn-chaos-'));
  const temporalPort = await devServerPort();
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    XDG_CACHE_HOME: process.env.XDG_CACHE_HOME,
    NODE_ENV: 'development',
    DATABASE_URL: base.toString(),
    TEMPORAL_PORT: String(temporalPort),
    DATA_DIR: dir,
    AUTH_SECRET: randomBytes(32).toString('hex'),
    PAYLOAD_KEY: `chaos:${randomBytes(32).toString('base64')}`,
    ID_HASH_KEY: randomBytes(16).toString('hex'),
    LOG_LEVEL: 'info',
    LOG_JSON: '1',
    ARCHIVE_INTERVAL_SECONDS: '30',
    // A load generator on one address: the limits would only measure themselves.
    RATE_LIMIT_PER_CALLER: '0',
    RATE_LIMIT_PER_ADDRESS: '0',
  };
  const config: Config = loadConfig(env);

  const cleanups: { name: string; run: () => Promise<unknown> }[] = [];
  const cleanUp = async () => {
    for (const c of cleanups.splice(0).reverse()) {
      try {
        await c.run();
      } catch (err) {
        say(`clean-up of ${c.name} failed: ${(err as Error).message}`);
      }
    }
  };
  let interrupted = false;
  const onSignal = () => {
    if (interrupted) return;
    interrupted = true;
    say('interrupted: cleaning up');
    void cleanUp().then(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  try {
    await prepareDatabase(config.databaseUrl);
    cleanups.push({ name: 'database', run: () => dropDatabase(config.databaseUrl) });
    if (!values['keep-logs']) cleanups.push({ name: 'log folder', run: async () => rmSync(dir, { recursive: true, force: true }) });
    const observer: Database = openDatabase(config.databaseUrl, { max: 2, applicationName: OBSERVER });
    cleanups.push({ name: 'observer pool', run: () => observer.close() });

    const devServerOptions = { cliPath: temporalCliPath() as string, port: temporalPort, namespace: config.namespace, dbFile: join(dir, 'temporal.sqlite'), logFile: join(dir, 'temporal.log') };
    let devServer: DevServer = await startDevServer(devServerOptions);
    cleanups.push({ name: 'Temporal dev server', run: () => devServer.stop() });

    const simulator: RunningSimulator = await startSimulator();
    cleanups.push({ name: 'simulator', run: () => simulator.close() });

    const worker = new ChildService('the worker', 'worker/main.ts', { ...env, DEPARTMENTS_URL: simulator.url }, 'worker polling', join(dir, 'worker.log'), say);
    cleanups.push({ name: 'worker', run: () => worker.stop() });
    await worker.start();
    // The API as a process of its own too: a crash of it is a finding, not the end of the measurement.
    const apiPort = await freePort();
    const api = new ChildService('the API', 'api/server.ts', { ...env, PORT: String(apiPort), HOST: '127.0.0.1' }, 'API on http://', join(dir, 'api.log'), say);
    cleanups.push({ name: 'API', run: () => api.stop() });
    await api.start();
    // The workflows' own answers, for comparing the read model with at the end.
    const client = createClient(config);
    cleanups.push({ name: 'Temporal client', run: () => client.connection.close() });
    const http = new Http(`http://127.0.0.1:${apiPort}`);
    const token = (p: Principal) => signToken(config, p, Math.min(config.tokenMaxLifetimeSeconds, 6 * 3600));
    const auditor = await token({ sub: 'chaos-auditor', role: 'auditor' });
    // A case worker works for one office: one per office the cases are routed to, met as they are submitted.
    const offices = new Map<string, Promise<string>>();
    const officeOf = (department: Department, institution: string) => {
      const key = `${department}|${institution}`;
      if (!offices.has(key)) offices.set(key, token({ sub: `chaos-${department}-${institution}`, role: 'case_worker', department, institution }));
    };
    say(`service up: Temporal 127.0.0.1:${temporalPort}, API 127.0.0.1:${apiPort}, simulator ${simulator.url}, database ${base.pathname.slice(1)}, logs in ${dir}`);

    // --- the cases: submitted over the first rounds, approved by every department ---
    const started = new Map<string, number>();
    let submitted = 0;
    let submitting = 0;
    const submitSeconds = Math.max(10, Math.min(rounds, 2) * ROUND_SECONDS);
    const submitOne = async (seq: number) => {
      const region = REGIONS[seq % REGIONS.length];
      const sample = sampleApplication({ region, seq, bornAt: new Date(Date.now() - 86_400_000 - seq * 60_000) });
      // Items the parents finish themselves (a payment at the gateway) are not a department's fault to survive: not applied for.
      const application = { ...sample, items: shippedCatalogue().current(region).items.map((i) => i.item).filter((item) => !PARENTS_OWN.has(item)) };
      // The delivery room records the birth, as it would before the parents apply (the birth certificate waits for it).
      await fetch(`${simulator.url}/admin/deliveries`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ records: [{ institutionCode: application.delivery.institutionCode, motherIdNumber: application.mother.idNumber, bornAt: application.delivery.bornAt }] }),
      });
      const applicant = await token({ sub: application.applicant.idNumber, role: 'applicant' });
      for (const department of DEPARTMENTS) officeOf(department, routeItem({ department }, application).institution);
      // An answer lost to a fault is asked again: the same application is the same case (409 names it).
      while (Date.now() < deadline) {
        const res = await http.call('POST', '/api/cases', 'POST /api/cases', applicant, application);
        const body = res.body as { caseId?: string };
        if ((res.status === 201 || (res.status === 409 && body?.caseId)) && body.caseId) {
          started.set(body.caseId, Date.now());
          // Items a department's own system decides (the first dose of vaccine) hear of it from that system.
          for (const item of shippedCatalogue().current(region).items) {
            if (item.decidedBy !== 'department_event' || !item.event) continue;
            await fetch(`${simulator.url}/admin/departments/${item.department}/events`, {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify({ caseRef: body.caseId, item: item.item, type: item.event }),
            });
          }
          return;
        }
        if (res.status > 0 && res.status < 500 && res.status !== 429) {
          say(`submission ${seq} refused: ${res.status} ${JSON.stringify(res.body)}`);
          return;
        }
        await sleep(2000);
      }
    };
    const submissions = (async () => {
      const pending: Promise<void>[] = [];
      for (let seq = 0; seq < total && Date.now() < deadline; seq++) {
        submitting++;
        pending.push(submitOne(seq).finally(() => (submitting--, submitted++)));
        await sleep((submitSeconds * 1000) / total);
      }
      await Promise.all(pending);
    })();

    const deciding = new Set<string>();
    let decisions = 0;
    const inFlight = new Set<Promise<void>>();
    /** Approves what is in the department's inbox; a decision that waits on a fault never holds up the others. */
    const approve = async (caseWorker: string) => {
      const res = await http.call('GET', '/api/tasks', 'GET /api/tasks', caseWorker);
      if (res.status !== 200) return;
      const tasks = (res.body as { tasks: { caseId: string; item: string }[] }).tasks;
      for (const t of tasks) {
        const key = `${t.caseId}/${t.item}`;
        if (deciding.has(key) || deciding.size >= 40) continue;
        deciding.add(key);
        const decision = http
          .call('POST', `/api/cases/${t.caseId}/items/${t.item}/decision`, 'POST /api/cases/:caseId/items/:item/decision', caseWorker, { decision: 'approve' })
          .then((decided) => {
            if (decided.status === 200) decisions++;
          })
          .finally(() => {
            deciding.delete(key);
            inFlight.delete(decision);
          });
        inFlight.add(decision);
      }
    };
    let driving = true;
    const approvals = (async () => {
      while (driving) {
        await Promise.all((await Promise.all(offices.values())).map(approve));
        await sleep(500);
      }
      await Promise.all([...inFlight]);
    })();

    const statusCounts = async () => {
      const rows = await observer.sql<{ status: string; n: number }[]>`select status, count(*)::int as n from cases group by status`;
      return Object.fromEntries(rows.map((r) => [r.status, r.n])) as Record<string, number>;
    };

    // --- the faults, in bounded rounds ---
    const faults = { workerKills: 0, temporalRestarts: 0, databaseCuts: 0, connectionsCut: 0, failureWindows: 0 };
    const cutConnections = async () => {
      const [{ n }] = await observer.sql<{ n: number }[]>`
        select count(pg_terminate_backend(pid))::int as n from pg_stat_activity
        where datname = ${base.pathname.slice(1)} and application_name <> ${OBSERVER} and pid <> pg_backend_pid()`;
      faults.databaseCuts++;
      faults.connectionsCut += n;
      say(`cut ${n} database connections of the service`);
    };
    let calm = false;
    const chaos = (async () => {
      for (let round = 1; round <= rounds && Date.now() < deadline && !calm; round++) {
        say(`round ${round}: SIGKILL the worker`);
        worker.kill();
        faults.workerKills++;
        await sleep(3000);
        await worker.startWithRetries();
        say(`round ${round}: departments fail 30 % of calls`);
        simulator.faults.failureRate = 0.3;
        faults.failureWindows++;
        await sleep(5000);
        await cutConnections();
        await sleep(5000);
        say(`round ${round}: restart the Temporal server`);
        await devServer.stop();
        devServer = await startDevServer(devServerOptions);
        faults.temporalRestarts++;
        await sleep(5000);
        await cutConnections();
        await sleep(5000);
        simulator.faults.failureRate = 0;
        say(`round ${round}: departments answer again`);
        await sleep(Math.max(0, ROUND_SECONDS * 1000 - 23_000));
      }
      simulator.faults.failureRate = 0;
    })();

    // --- until every case has closed, or time is up ---
    let lastReport = 0;
    for (;;) {
      await sleep(1000);
      const counts = await statusCounts().catch(() => undefined);
      const closed = counts ? Object.entries(counts).filter(([s]) => CLOSED.has(s)).reduce((a, [, n]) => a + n, 0) : 0;
      const done = submitted === total && submitting === 0 && closed >= started.size;
      if (Date.now() - lastReport > 10_000) {
        lastReport = Date.now();
        say(`submitted ${started.size}/${total}, closed ${closed}, decisions ${decisions}, requests ${http.records.length}, statuses ${JSON.stringify(counts ?? {})}`);
      }
      if (done || Date.now() > deadline || interrupted) break;
    }
    // Faults stop with the cases (a round under way finishes), then the approvals.
    calm = true;
    await Promise.race([chaos, sleep(60_000)]);
    driving = false;
    await approvals;
    await Promise.race([submissions, sleep(5000)]);

    // --- figures ---
    say('measuring');
    const [{ n: licenceDuplicates }] = await observer.sql<{ n: number }[]>`
      select count(*)::int as n from (select case_id, item from licences group by case_id, item having count(*) > 1) d`;
    const [{ n: licences }] = await observer.sql<{ n: number }[]>`select count(*)::int as n from licences`;
    let departmentEffects = 0;
    let duplicateEffects = 0;
    for (const department of DEPARTMENTS) {
      const res = await fetch(`${simulator.url}/departments/${department}/applications`);
      const applications = ((await res.json()) as { applications: { caseRef: string; item: string }[] }).applications;
      const seen = new Map<string, number>();
      for (const a of applications) seen.set(`${a.caseRef}/${a.item}`, (seen.get(`${a.caseRef}/${a.item}`) ?? 0) + 1);
      departmentEffects += applications.length;
      duplicateEffects += [...seen.values()].filter((n) => n > 1).reduce((a, n) => a + n - 1, 0);
    }
    const simStats = (await (await fetch(`${simulator.url}/admin/stats`)).json()) as { effects: number; replays: number; injectedFailures: number };

    // The read model against the workflow's own answer, given a moment to catch up.
    const mismatches: string[] = [];
    const summary = (v: CaseView) => JSON.stringify({ status: v.status, items: v.items.map((i) => [i.item, i.status, i.licence?.number ?? null, i.decidedBy ?? null]) });
    for (const caseId of started.keys()) {
      let last = '';
      for (let attempt = 0; attempt < 5; attempt++) {
        const [fromModel, fromWorkflow] = await Promise.all([
          http.call('GET', `/api/cases/${caseId}`, 'GET /api/cases/:caseId', auditor),
          client.workflow
            .getHandle(caseId)
            .query(caseViewQuery)
            .catch((err: Error) => err),
        ]);
        if (fromWorkflow instanceof Error) {
          last = `query failed: ${fromWorkflow.message}`;
        } else if (fromModel.status !== 200) {
          last = `read model answered ${fromModel.status}`;
        } else if (summary(fromModel.body as CaseView) !== summary(fromWorkflow)) {
          last = `read model ${summary(fromModel.body as CaseView)} ≠ workflow ${summary(fromWorkflow)}`;
        } else {
          last = '';
          break;
        }
        await sleep(1000);
      }
      if (last) mismatches.push(`${caseId}: ${last}`);
    }

    const counts = await statusCounts();
    const closed = Object.entries(counts).filter(([s]) => CLOSED.has(s)).reduce((a, [, n]) => a + n, 0);
    const fiveXX = http.records.filter((r) => r.status >= 500 && !r.retryAfter);
    const comeBack = http.records.filter((r) => r.retryAfter);
    const byStatus = fiveXX.reduce<Record<number, number>>((a, r) => ({ ...a, [r.status]: (a[r.status] ?? 0) + 1 }), {});
    const fiveXXRoutes = fiveXX.reduce<Record<string, number>>((a, r) => ({ ...a, [`${r.status} ${r.route}`]: (a[`${r.status} ${r.route}`] ?? 0) + 1 }), {});
    const slowest = http.records.filter((r) => r.status > 0).sort((a, b) => b.ms - a.ms)[0];
    const lines = [
      `chaos run: ${total} cases, ${rounds} fault rounds, ${((Date.now() - t0) / 60_000).toFixed(1)} min (cap ${minutes} min)`,
      `faults: worker SIGKILL ×${faults.workerKills}, Temporal restarts ×${faults.temporalRestarts}, departments failing 30 % ×${faults.failureWindows} windows (${simStats.injectedFailures} calls failed), database cuts ×${faults.databaseCuts} (${faults.connectionsCut} connections)`,
      `crashes                       worker ${worker.crashes.length}${worker.crashes.length ? ` (${worker.crashes.join(', ')})` : ''}, API ${api.crashes.length}${api.crashes.length ? ` (${api.crashes.join(', ')})` : ''}: processes that died by themselves and were started again`,
      `cases started                 ${started.size}`,
      `cases completed               ${counts.completed ?? 0}`,
      `cases closed otherwise        ${closed - (counts.completed ?? 0)}${closed - (counts.completed ?? 0) ? ` ${JSON.stringify(Object.fromEntries(Object.entries(counts).filter(([s]) => CLOSED.has(s) && s !== 'completed')))}` : ''}`,
      `cases stuck (open at the end) ${started.size - closed}`,
      `duplicate department effects  ${duplicateEffects} (of ${departmentEffects} applications; ${simStats.replays} retried calls answered from the idempotency record)`,
      `duplicate licences            ${licenceDuplicates} (of ${licences})`,
      `read-model mismatches         ${mismatches.length}`,
      `5xx answers (faults)          ${fiveXX.length}${fiveXX.length ? ` ${JSON.stringify(byStatus)} ${JSON.stringify(fiveXXRoutes)}` : ''}`,
      `503 with Retry-After          ${comeBack.length}${comeBack.length ? ` ${JSON.stringify(comeBack.reduce<Record<string, number>>((a, r) => ({ ...a, [r.route]: (a[r.route] ?? 0) + 1 }), {}))}` : ''}: the bounded answer while Temporal is away (DESIGN: retry later), not counted above`,
      `no answer (time-out, reset)   ${http.noAnswer}`,
      `requests                      ${http.records.length} (${decisions} approvals)`,
      `slowest request               ${slowest ? `${slowest.route} ${(slowest.ms / 1000).toFixed(1)} s (${slowest.status})` : 'none'}`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
    for (const m of mismatches.slice(0, 10)) process.stdout.write(`  mismatch ${m}\n`);
    const stuck = await observer.sql<{ case_id: string; items: string }[]>`
      select c.case_id, string_agg(i.item || ':' || i.status, ' ' order by i.position) as items from cases c join case_items i using (case_id)
      where c.status not in ('completed', 'partially_completed', 'withdrawn', 'ineligible') group by c.case_id order by c.case_id limit 10`;
    for (const c of stuck) process.stdout.write(`  stuck ${c.case_id}: ${c.items}\n`);
    if (values['keep-logs']) process.stdout.write(`logs kept in ${dir}\n`);
  } finally {
    await cleanUp();
  }
  process.exit(0);
});
