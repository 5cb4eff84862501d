import type { NextFunction, Request, Response } from 'express';
import { z } from 'zod';
import { sql } from 'drizzle-orm';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Db } from '../db/client';
import { CASE_STATUSES } from '../policy/types';
import type { ApiDeps } from './deps';
import { Routes } from './route-registry';

// GET /metrics (DESIGN §7): Prometheus text, unauthenticated like the probes, so that
// the scraper needs no token. Nothing in it names a person: routes by their pattern,
// counts by status and department.

interface ProcessMetrics {
  registry: Registry;
  requests: Counter<'method' | 'route' | 'status'>;
  duration: Histogram<'method' | 'route' | 'status'>;
}

let processMetrics: ProcessMetrics | undefined;

/**
 * One set per process, however many apps it builds (the tests build hundreds): the
 * request counters and Node's own figures (CPU, heap, event-loop lag, GC) belong to the
 * process, and prom-client refuses to register a name twice in one registry.
 */
function processRegistry(): ProcessMetrics {
  if (processMetrics) return processMetrics;
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const labelNames = ['method', 'route', 'status'] as const;
  processMetrics = {
    registry,
    requests: new Counter({ name: 'newborn_http_requests_total', help: 'HTTP requests answered, by method, route pattern and status', labelNames, registers: [registry] }),
    duration: new Histogram({
      name: 'newborn_http_request_duration_seconds',
      help: 'Time from a request arriving to its answer being sent, by method, route pattern and status',
      labelNames,
      // Decisions and submissions wait for the workflow to accept them: seconds, not milliseconds, at the top.
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers: [registry],
    }),
  };
  return processMetrics;
}

/**
 * The route label is the Express pattern (`/api/cases/:caseId`), never the path, which
 * carries case IDs and would make one series per case. It is caught when the router
 * assigns `req.route`: by the time the answer is sent after an error, Express has
 * already reset `req.baseUrl` to the outer router's. A request no route took (a 404, a
 * refused token) is labelled by the mount point it reached, `/api/*`, or `unmatched`.
 */
export function httpMetrics() {
  const { requests, duration } = processRegistry();
  return (req: Request, res: Response, next: NextFunction): void => {
    const started = process.hrtime.bigint();
    let route: Request['route'];
    let pattern: string | undefined;
    Object.defineProperty(req, 'route', {
      configurable: true,
      enumerable: true,
      get: () => route,
      set(value: Request['route']) {
        route = value;
        if (value?.path !== undefined) pattern = `${req.baseUrl}${String(value.path)}`;
      },
    });
    res.on('finish', () => {
      const label = { method: req.method, route: pattern ?? (req.baseUrl ? `${req.baseUrl}/*` : 'unmatched'), status: String(res.statusCode) };
      requests.inc(label);
      duration.observe(label, Number(process.hrtime.bigint() - started) / 1e9);
    });
    next();
  };
}

/**
 * What the read model says now: the counts the projection maintains (case_counts), the
 * open breaches through their partial index, and the newest change among open cases.
 */
async function readModelFigures(db: Db) {
  const counts = await db.execute<{ status: string; n: number }>(sql`select status, sum(n)::int as n from case_counts group by status`);
  const [{ age }] = await db.execute<{ age: number | null }>(sql`select extract(epoch from now() - max(updated_at))::float8 as age from cases where status = 'in_progress'`);
  const byStatus = [...counts].map((c) => ({ ...c, age: c.status === 'in_progress' ? age : null }));
  const breaches = await db.execute<{ department: string; n: number }>(sql`select department, count(*)::int as n from sla_breaches where resolved_at is null group by department`);
  return { byStatus, breaches: [...breaches] };
}

/** GET /metrics: this process's figures, the read model's, and the Temporal SDK's when a worker runs here. */
export function metricsRoutes({ db, logger, sdkMetricsUrl }: Pick<ApiDeps, 'db' | 'logger' | 'sdkMetricsUrl'>): Routes {
  const registry = new Registry();
  const registers = [registry];
  const cases = new Gauge({ name: 'newborn_cases', help: 'Cases in the read model, by status', labelNames: ['status'], registers });
  const breaches = new Gauge({ name: 'newborn_sla_breaches_open', help: 'SLA breaches not yet resolved (the item still undecided past its deadline), by department', labelNames: ['department'], registers });
  const lag = new Gauge({
    name: 'newborn_projection_lag_seconds',
    help: 'Seconds since the read model last recorded a change to an open case (now - newest updated_at of in_progress cases; 0 with none open). Grows while projections stall, and also while nothing happens: read it with the case start rate',
    registers,
  });
  const readModelUp = new Gauge({ name: 'newborn_read_model_up', help: '1 when the read-model figures of this scrape could be read, else 0 (the gauges keep their last values)', registers });
  const sdkUp = sdkMetricsUrl ? new Gauge({ name: 'newborn_temporal_sdk_metrics_up', help: "1 when the Temporal SDK's metrics (temporal_*) could be read from its exporter in this process, else 0", registers }) : undefined;
  let warned = false;

  const routes = new Routes({ tag: { name: 'service', description: 'The service itself: liveness, readiness, metrics, this description' } });
  routes.get('/metrics', {
    operationId: 'getMetrics',
    summary: "Prometheus figures: requests, cases, open breaches, projection lag, and the Temporal SDK's own",
    responses: { 200: { description: 'Prometheus text exposition format', schema: z.string(), contentType: 'text/plain; version=0.0.4' } },
  }, async (_req, res) => {
    try {
      const figures = await readModelFigures(db);
      cases.reset();
      for (const status of CASE_STATUSES) cases.set({ status }, 0);
      let openAge = 0;
      for (const row of figures.byStatus) {
        cases.set({ status: row.status }, row.n);
        if (row.status === 'in_progress') openAge = Math.max(0, row.age ?? 0);
      }
      lag.set(openAge);
      breaches.reset();
      for (const row of figures.breaches) breaches.set({ department: row.department }, row.n);
      readModelUp.set(1);
    } catch (err) {
      readModelUp.set(0);
      logger.warn({ err: (err as Error).message }, 'metrics: could not read the read model');
    }
    let sdk = '';
    if (sdkMetricsUrl && sdkUp) {
      try {
        const answer = await fetch(sdkMetricsUrl, { signal: AbortSignal.timeout(2000) });
        if (!answer.ok) throw new Error(`HTTP ${answer.status}`);
        sdk = await answer.text();
        sdkUp.set(1);
        warned = false;
      } catch (err) {
        sdkUp.set(0);
        if (!warned) logger.warn({ err: (err as Error).message, url: sdkMetricsUrl }, "metrics: could not read the Temporal SDK's exporter");
        warned = true;
      }
    }
    const own = await processRegistry().registry.metrics();
    const readModel = await registry.metrics();
    (res as Response).type(registry.contentType).send(`${own}\n${readModel}\n${sdk}`);
  });
  return routes;
}
