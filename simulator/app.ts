import express, { type Request, type Response } from 'express';
import { randomUUID } from 'node:crypto';
import { DEPARTMENTS, type Department } from '../policy/types';

// Stand-in for the department systems (hospital, police, hrss, medical insurance,
// health). It behaves like a gateway we do not control: it answers late, fails with
// 5xx, or does not answer at all, at configurable rates; and it honours idempotency
// keys, so a retried call returns the first result and never has a second effect.

export interface Faults {
  /** Added to every answer. */
  latencyMs: number;
  /** Share of calls answered 503 before doing anything. */
  failureRate: number;
  /** Share of calls left hanging for `hangMs` (the caller times out). */
  timeoutRate: number;
  hangMs: number;
}

interface Application {
  receiptId: string;
  department: Department;
  caseRef: string;
  item: string;
  region?: string;
  proofs: unknown[];
  supplements: unknown[];
  receivedAt: string;
}

export function createSimulator(initial: Partial<Faults> = {}) {
  const faults: Faults = { latencyMs: 0, failureRate: 0, timeoutRate: 0, hangMs: 15_000, ...initial };
  const applications = new Map<string, Application>();
  const answered = new Map<string, Promise<{ status: number; body: unknown }>>();
  const stats = { requests: 0, effects: 0, replays: 0, injectedFailures: 0, injectedTimeouts: 0 };
  const random = Math.random;

  const app = express();
  app.use(express.json({ limit: '256kb' }));

  app.get('/healthz', (_req, res) => {
    res.json({ ok: true });
  });
  app.get('/admin/faults', (_req, res) => {
    res.json(faults);
  });
  app.put('/admin/faults', (req, res) => {
    for (const key of Object.keys(faults) as (keyof Faults)[]) {
      const value = req.body?.[key];
      if (typeof value === 'number' && value >= 0) faults[key] = value;
    }
    res.json(faults);
  });
  app.get('/admin/stats', (_req, res) => {
    res.json({ ...stats, applications: applications.size });
  });

  /** Answers with a failure or hangs, at the configured rates; true when it did. */
  async function injectedFault(res: Response): Promise<boolean> {
    const roll = random();
    if (roll < faults.failureRate) {
      stats.injectedFailures++;
      res.status(503).json({ error: 'unavailable', message: 'injected failure' });
      return true;
    }
    if (roll < faults.failureRate + faults.timeoutRate) {
      stats.injectedTimeouts++;
      await new Promise((r) => setTimeout(r, faults.hangMs));
      if (!res.writableEnded) res.status(504).json({ error: 'timeout', message: 'injected time-out' });
      return true;
    }
    if (faults.latencyMs > 0) await new Promise((r) => setTimeout(r, faults.latencyMs));
    return false;
  }

  /** Runs an effect at most once per idempotency key, with the configured faults in front of it. */
  function idempotent(effect: (req: Request) => { status: number; body: unknown }) {
    return async (req: Request, res: Response) => {
      stats.requests++;
      const key = req.header('idempotency-key');
      if (!key) {
        res.status(400).json({ error: 'missing_idempotency_key', message: 'Idempotency-Key header is required' });
        return;
      }
      if (req.params.department !== undefined && !DEPARTMENTS.includes(req.params.department as Department)) {
        res.status(404).json({ error: 'unknown_department', message: `no department ${req.params.department}` });
        return;
      }
      if (await injectedFault(res)) return;
      const scoped = `${req.params.department ?? req.path}:${key}`;
      let result = answered.get(scoped);
      if (result) {
        stats.replays++;
      } else {
        result = Promise.resolve().then(() => effect(req));
        answered.set(scoped, result);
      }
      const { status, body } = await result;
      res.status(status).json(body);
    };
  }

  // Items a department refuses outright (a definite "no", not an outage), for tests and demos.
  const refused = new Set<string>();
  app.put('/admin/refusals', (req, res) => {
    refused.clear();
    for (const item of req.body?.items ?? []) refused.add(String(item));
    res.json({ items: [...refused] });
  });

  app.post(
    '/departments/:department/applications',
    idempotent((req) => {
      const { caseRef, item, region, proofs } = req.body ?? {};
      if (typeof caseRef !== 'string' || typeof item !== 'string') {
        return { status: 400, body: { error: 'invalid', message: 'caseRef and item are required' } };
      }
      if (refused.has(item)) return { status: 422, body: { error: 'refused', message: `the department does not handle ${item} here` } };
      stats.effects++;
      const application: Application = {
        receiptId: `${String(req.params.department).toUpperCase()}-${randomUUID()}`,
        department: req.params.department as Department,
        caseRef,
        item,
        region,
        proofs: Array.isArray(proofs) ? proofs : [],
        supplements: [],
        receivedAt: new Date().toISOString(),
      };
      applications.set(application.receiptId, application);
      return { status: 201, body: { receiptId: application.receiptId, receivedAt: application.receivedAt } };
    }),
  );

  app.post(
    '/departments/:department/applications/:receiptId/supplements',
    idempotent((req) => {
      const application = applications.get(String(req.params.receiptId));
      if (!application || application.department !== req.params.department) {
        return { status: 404, body: { error: 'not_found', message: 'no such application' } };
      }
      stats.effects++;
      application.supplements.push(req.body?.documents ?? []);
      return { status: 200, body: { receiptId: application.receiptId, receivedAt: new Date().toISOString() } };
    }),
  );

  // The SMS gateway (短信网关) that notifications go through.
  const messages: { messageId: string; to: string; template: string; params: Record<string, unknown>; sentAt: string }[] = [];
  app.post(
    '/sms/messages',
    idempotent((req) => {
      const { to, template, params } = req.body ?? {};
      if (typeof to !== 'string' || typeof template !== 'string') return { status: 400, body: { error: 'invalid', message: 'to and template are required' } };
      stats.effects++;
      const message = { messageId: `SMS-${randomUUID()}`, to, template, params: params ?? {}, sentAt: new Date().toISOString() };
      messages.push(message);
      return { status: 201, body: { messageId: message.messageId, sentAt: message.sentAt } };
    }),
  );
  app.get('/sms/messages', (req, res) => {
    res.json({ messages: messages.filter((m) => !req.query.to || m.to === req.query.to) });
  });

  // Registries the workflow verifies claims against: civil affairs (marriage) and
  // police (hukou). Unknown people are answered `found: false`, and the case then
  // relies on the applicant's claim; tests and demos seed records to contradict it.
  const marriages = new Map<string, string>();
  const hukou = new Map<string, { divisionCode: string; householdType: string } | null>();
  app.put('/admin/registries', (req, res) => {
    for (const m of req.body?.marriages ?? []) for (const id of m.idNumbers ?? []) marriages.set(String(id).toUpperCase(), String(m.status));
    for (const h of req.body?.hukou ?? []) hukou.set(String(h.idNumber).toUpperCase(), h.hukou ?? null);
    res.json({ marriages: marriages.size, hukou: hukou.size });
  });
  app.post('/registries/marriage/lookup', async (req, res) => {
    stats.requests++;
    if (await injectedFault(res)) return;
    const ids: string[] = Array.isArray(req.body?.idNumbers) ? req.body.idNumbers.map((i: unknown) => String(i).toUpperCase()) : [];
    const statuses = ids.map((id) => marriages.get(id)).filter((s): s is string => s !== undefined);
    res.json(statuses.length ? { found: true, status: statuses.includes('married') ? 'married' : statuses[0] } : { found: false });
  });
  app.post('/registries/hukou/lookup', async (req, res) => {
    stats.requests++;
    if (await injectedFault(res)) return;
    const id = String(req.body?.idNumber ?? '').toUpperCase();
    res.json(hukou.has(id) ? { found: true, hukou: hukou.get(id) } : { found: false });
  });

  /** What a department received, for tests and demos (no personal data is sent to it). */
  app.get('/departments/:department/applications', (req, res) => {
    const caseRef = req.query.caseRef;
    res.json({
      applications: [...applications.values()].filter((a) => a.department === req.params.department && (!caseRef || a.caseRef === caseRef)),
    });
  });

  return { app, faults, stats };
}
