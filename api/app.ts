import express from 'express';
import helmet from 'helmet';
import { authenticate } from './auth';
import type { ApiDeps } from './deps';
import { errorHandler, notFound } from './errors';
import { openApiDocument } from './openapi';
import { auditRouter } from './routes/audit';
import { calendarRouter } from './routes/calendar';
import { casesRouter, eligibilityRouter } from './routes/cases';
import { codecRouter } from './routes/codec';
import { laterRouter } from './routes/later';
import { licencesRouter } from './routes/licences';
import { notificationsRouter } from './routes/notifications';
import { slaRouter } from './routes/sla';
import { tasksRouter } from './routes/tasks';

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return Promise.race([promise, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms).unref())]);
}

export function createApp(deps: ApiDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  app.use(helmet());
  app.use(express.json({ limit: '100kb' }));
  app.use((req, res, next) => {
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      // Path only: query strings and bodies may carry personal data.
      deps.logger.info({ method: req.method, path: req.path, status: res.statusCode, ms: Math.round(ms) }, 'request');
    });
    next();
  });

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
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
  app.get('/api/openapi.json', (_req, res) => {
    res.json(openApiDocument());
  });

  // Before the API's router: its own CORS (for the Temporal UI) and its own cookie.
  app.use('/api/codec', codecRouter(deps));

  const api = express.Router();
  api.use(authenticate(deps.config.authSecret));
  api.use(eligibilityRouter(deps));
  api.use(casesRouter(deps));
  api.use(auditRouter(deps));
  api.use(tasksRouter(deps));
  api.use(licencesRouter(deps));
  api.use(slaRouter(deps));
  api.use(calendarRouter(deps));
  api.use(notificationsRouter(deps));
  api.use(laterRouter());
  app.use('/api', api);

  app.use(notFound);
  app.use(errorHandler(deps.logger));
  return app;
}
