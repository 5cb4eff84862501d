import { existsSync } from 'node:fs';
import { join } from 'node:path';
import express from 'express';
import helmet from 'helmet';
import { z } from 'zod';
import type { oas31 } from 'zod-openapi';
import { authenticate } from './auth';
import { createPackRegistry } from '../db/packs';
import { shippedPacks } from '../policy/pack-files';
import type { ApiDeps, ApiOptions } from './deps';
import { errorHandler, notFound } from './errors';
import { httpMetrics, metricsRoutes } from './metrics';
import { figuresRouter } from './routes/figures';
import { rateLimit } from './rate-limit';
import { requestLog } from './request-log';
import { openApiDocument } from './openapi';
import { Routes } from './route-registry';
import { accessRouter } from './routes/access';
import { adminRouter } from './routes/admin';
import { auditRouter } from './routes/audit';
import { calendarRouter } from './routes/calendar';
import { casesRouter } from './routes/cases';
import { codecRouter } from './routes/codec';
import { devRouter } from './routes/dev';
import { itemsRouter } from './routes/items';
import { RAW_BODY_PATHS, journeyRouter, logisticsRouter, type WithRawBody } from './routes/journey';
import { licencesRouter } from './routes/licences';
import { notificationsRouter } from './routes/notifications';
import { slaRouter } from './routes/sla';
import { tasksRouter } from './routes/tasks';

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return Promise.race([promise, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms).unref())]);
}

/** Where scripts/setup.mjs builds the console (buildConsole). */
export const CONSOLE_DIST = join(__dirname, '..', 'console', 'dist');

/**
 * One policy for the console and the API alike. Scripts only from our own origin, never
 * inline. Styles may be inline: Element Plus positions popovers and sizes tables through
 * style attributes, and a style cannot run code. No upgrade-insecure-requests: the
 * service is reached over plain HTTP on loopback by default.
 */
const CONTENT_SECURITY_POLICY = {
  useDefaults: false,
  directives: {
    defaultSrc: ["'self'"],
    scriptSrc: ["'self'"],
    scriptSrcAttr: ["'none'"],
    styleSrc: ["'self'", "'unsafe-inline'"],
    imgSrc: ["'self'", 'data:', 'blob:'],
    fontSrc: ["'self'", 'data:'],
    connectSrc: ["'self'"],
    objectSrc: ["'none'"],
    baseUri: ["'self'"],
    formAction: ["'self'"],
    frameAncestors: ["'none'"],
  },
};

/**
 * The browser console at /console/: the files scripts/setup.mjs built, and index.html for
 * every other path below it (the console routes in the browser). Static files, not API
 * routes: middleware only, so the route-parity test (test/integration/openapi.test.ts)
 * finds no route here to describe.
 */
function consoleFiles(): express.Router {
  const router = express.Router();
  // File names under assets/ carry a content hash: cache them for good.
  router.use('/assets', express.static(join(CONSOLE_DIST, 'assets'), { immutable: true, maxAge: '365d', index: false, fallthrough: false }));
  router.use(express.static(CONSOLE_DIST, { index: false, redirect: false }));
  router.use((req, res, next) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    if (req.originalUrl === '/console') return res.redirect(301, '/console/');
    const index = join(CONSOLE_DIST, 'index.html');
    if (!existsSync(index)) {
      res.status(503).type('text/plain; charset=utf-8').send('The console is not built yet: run `node scripts/setup.mjs` (npm start does).\n');
      return;
    }
    res.set('cache-control', 'no-cache').sendFile(index);
  });
  return router;
}

export function createApp(options: ApiOptions): express.Express {
  const deps: ApiDeps = { ...options, packs: options.packs ?? createPackRegistry(options.db, shippedPacks()) };
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  // Which address a request comes from (per-address rate limits, logs) behind a proxy.
  app.set('trust proxy', deps.config.trustProxy);
  app.use(helmet({ contentSecurityPolicy: CONTENT_SECURITY_POLICY }));
  // The carrier's events are signed over their bytes: keep them, for those routes only.
  app.use(
    express.json({
      limit: '100kb',
      verify: (req, _res, buf) => {
        if (RAW_BODY_PATHS.includes((req as express.Request).originalUrl?.split('?')[0] ?? '')) (req as WithRawBody).rawBody = Buffer.from(buf);
      },
    }),
  );
  app.use(requestLog(deps));
  app.use(httpMetrics());

  const routes = new Routes({ tag: { name: 'service', description: 'The service itself: liveness, readiness, this description' } });
  routes.get('/healthz', {
    operationId: 'getHealth',
    summary: 'The process is up',
    responses: { 200: { description: 'up', schema: z.object({ status: z.literal('ok') }) } },
  }, (_req, res) => {
    res.json({ status: 'ok' });
  });
  const readiness = z.object({ status: z.enum(['ready', 'not_ready']), temporal: z.string(), database: z.string() });
  routes.get('/readyz', {
    operationId: 'getReadiness',
    summary: 'Temporal and PostgreSQL are reachable',
    responses: { 200: { description: 'ready', schema: readiness }, 503: { description: 'not ready: each dependency says ok or why it is unavailable', schema: readiness } },
  }, async (_req, res) => {
    const probe = async (check: () => Promise<void>) => {
      try {
        await withTimeout(check(), 2000);
        return 'ok';
      } catch (err) {
        return `unavailable: ${(err as Error).message}`;
      }
    };
    const [temporal, database] = await Promise.all([probe(deps.checks.temporal), probe(deps.checks.database)]);
    const ready = temporal === 'ok' && database === 'ok';
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not_ready', temporal, database });
  });
  let description: oas31.OpenAPIObject | undefined;
  routes.get('/api/openapi.json', {
    operationId: 'getOpenApiDescription',
    summary: 'This description of the API (OpenAPI 3.1)',
    responses: { 200: { description: 'the OpenAPI document', schema: z.looseObject({ openapi: z.string() }) } },
  }, (_req, res) => {
    // Built on first request, once every route is declared.
    description ??= openApiDocument(routes.declared());
    res.json({ ...description });
  });

  // Case views, histories, decrypted payloads: nothing under /api is for a browser's
  // or a proxy's cache (errors included; the OpenAPI document above is the one exception).
  app.use('/api', (req, res, next) => {
    if (req.path !== '/openapi.json') res.set('cache-control', 'no-store');
    next();
  });

  // Before the API's router: its own CORS (for the Temporal UI) and its own cookie.
  routes.use(metricsRoutes(deps));
  routes.use('/api/codec', codecRouter(deps));
  // Signed by the carrier, not by a bearer token.
  routes.use('/api/logistics', logisticsRouter(deps));

  const api = new Routes();
  api.router.use(authenticate(deps));
  // The costly routes, counted per caller and address before their routers answer.
  const limits = new Map([
    ['POST /eligibility', rateLimit(deps, 'eligibility')],
    ['POST /cases', rateLimit(deps, 'submission')],
    ['POST /audit/replay', rateLimit(deps, 'replay')],
  ]);
  api.router.use((req, res, next) => {
    const limit = limits.get(`${req.method} ${req.path}`);
    return limit ? limit(req, res, next) : next();
  });
  api.use(casesRouter(deps));
  api.use(itemsRouter(deps));
  api.use(journeyRouter(deps));
  api.use(auditRouter(deps));
  api.use(accessRouter(deps));
  api.use(tasksRouter(deps));
  api.use(figuresRouter(deps));
  api.use(licencesRouter(deps));
  api.use(slaRouter(deps));
  api.use(calendarRouter(deps));
  api.use(adminRouter(deps));
  api.use(notificationsRouter(deps));
  // The development sign-in does not exist in production, not even as a refusal.
  if (deps.config.nodeEnv !== 'production') api.use(devRouter(deps));
  routes.use('/api', api);
  app.use(routes.router);
  app.use('/console', consoleFiles());

  app.use(notFound);
  app.use(errorHandler(deps.logger));
  return app;
}
