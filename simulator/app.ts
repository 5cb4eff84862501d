import express, { type Request, type Response } from 'express';
import { randomUUID } from 'node:crypto';
import { DEPARTMENTS, type Department } from '../policy/types';
import { journeyRoutes, type CarrierOptions } from './journey';

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

/** What a department received for one item, once per idempotency key (a retried call is answered from the first). */
interface Application {
  receiptId: string;
  idempotencyKey: string;
  department: Department;
  caseRef: string;
  item: string;
  region?: string;
  /** The office the item was routed to. */
  institution?: string;
  proofs: unknown[];
  /** The application sections the pack grants this item, and their content. */
  sections: string[];
  data: Record<string, unknown>;
  documents: unknown[];
  supplements: unknown[];
  receivedAt: string;
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

export interface SimulatorOptions {
  /**
   * Demos only: the hospital's system knows every birth it is asked about, as the
   * application states it, unless records of that mother were seeded. Tests leave it off
   * and seed what the delivery room wrote (`PUT /admin/deliveries`).
   */
  recordEveryBirth?: boolean;
  /** The carrier's signing key and where it posts its parcel events. */
  carrier?: CarrierOptions;
}

export function createSimulator(initial: Partial<Faults> = {}, options: SimulatorOptions = {}) {
  const faults: Faults = { latencyMs: 0, failureRate: 0, timeoutRate: 0, hangMs: 15_000, ...initial };
  const applications = new Map<string, Application>();
  const answered = new Map<string, Promise<{ status: number; body: unknown }>>();
  const stats = { requests: 0, effects: 0, replays: 0, injectedFailures: 0, injectedTimeouts: 0 };
  /** Departments whose system is down (every call to it answers 503) until the outage is lifted. */
  const outages = new Set<Department>();
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
  // A whole department system down, for as long as a test or demo says: `{ departments: ['police'] }`, `[]` lifts it.
  app.put('/admin/outages', (req, res) => {
    outages.clear();
    for (const d of Array.isArray(req.body?.departments) ? req.body.departments : []) {
      if (DEPARTMENTS.includes(d)) outages.add(d as Department);
    }
    res.json({ departments: [...outages] });
  });
  // The gateway is down; what it received can still be inspected (GET, for tests and demos).
  app.use('/departments/:department', (req, res, next) => {
    if (req.method === 'GET' || !outages.has(req.params.department as Department)) return next();
    stats.injectedFailures++;
    res.status(503).json({ error: 'unavailable', message: `the ${req.params.department} system is down` });
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
      const { caseRef, item, region, institution, proofs, sections, data, documents } = req.body ?? {};
      if (typeof caseRef !== 'string' || typeof item !== 'string') {
        return { status: 400, body: { error: 'invalid', message: 'caseRef and item are required' } };
      }
      if (refused.has(item)) return { status: 422, body: { error: 'refused', message: `the department does not handle ${item} here` } };
      stats.effects++;
      const application: Application = {
        receiptId: `${String(req.params.department).toUpperCase()}-${randomUUID()}`,
        idempotencyKey: String(req.header('idempotency-key')),
        department: req.params.department as Department,
        caseRef,
        item,
        region,
        ...(typeof institution === 'string' && { institution }),
        proofs: Array.isArray(proofs) ? proofs : [],
        sections: Array.isArray(sections) ? sections.map(String) : [],
        data: isRecord(data) ? data : {},
        documents: Array.isArray(documents) ? documents : [],
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
  // A marriage is registered between two people: the registry answers about a couple,
  // never about each person alone.
  const marriages: { partners: [string, string?]; status: string }[] = [];
  const hukou = new Map<string, { divisionCode: string; householdType: string } | null>();
  app.put('/admin/registries', (req, res) => {
    for (const m of req.body?.marriages ?? []) {
      const ids = (Array.isArray(m.idNumbers) ? m.idNumbers : []).map((id: unknown) => String(id).toUpperCase());
      // A status the registry should never hold can be seeded too: the service must refuse to read it.
      if (ids.length > 0) marriages.push({ partners: [ids[0], ids[1]], status: String(m.status) });
    }
    for (const h of req.body?.hukou ?? []) hukou.set(String(h.idNumber).toUpperCase(), h.hukou ?? null);
    res.json({ marriages: marriages.length, hukou: hukou.size });
  });
  app.post('/registries/marriage/couple', async (req, res) => {
    stats.requests++;
    if (await injectedFault(res)) return;
    const ids: string[] = Array.isArray(req.body?.idNumbers) ? req.body.idNumbers.map((i: unknown) => String(i).toUpperCase()) : [];
    if (ids.length !== 2 || ids[0] === ids[1]) {
      res.status(400).json({ error: 'invalid', message: 'a couple is two different ID numbers' });
      return;
    }
    const involves = (m: (typeof marriages)[number], id: string) => m.partners.includes(id);
    const known = marriages.filter((m) => ids.some((id) => involves(m, id)));
    if (known.length === 0) {
      res.json({ found: false });
      return;
    }
    // The latest registration between these two; people known only with others are not married to each other.
    const between = known.filter((m) => ids.every((id) => involves(m, id)));
    res.json({ found: true, status: between.length > 0 ? between[between.length - 1].status : 'unmarried' });
  });
  app.post('/registries/hukou/lookup', async (req, res) => {
    stats.requests++;
    if (await injectedFault(res)) return;
    const id = String(req.body?.idNumber ?? '').toUpperCase();
    res.json(hukou.has(id) ? { found: true, hukou: hukou.get(id) } : { found: false });
  });

  // The delivering hospitals' delivery records (分娩记录): what a birth certificate is
  // checked against. Seeded by tests and demos as the delivery room would write them.
  const deliveries: { institutionCode: string; motherIdNumber: string; bornAt: string }[] = [];
  app.put('/admin/deliveries', (req, res) => {
    for (const d of Array.isArray(req.body?.records) ? req.body.records : []) {
      deliveries.push({ institutionCode: String(d.institutionCode), motherIdNumber: String(d.motherIdNumber).toUpperCase(), bornAt: String(d.bornAt) });
    }
    res.json({ records: deliveries.length });
  });
  // The hospitals' register of births over a period, for the data-quality figures
  // (completeness: how many of these deliveries have a case). A county's hospitals are
  // those whose code carries the county's division (H<division><n>).
  const REGISTER_LIMIT = 10_000;
  app.get('/departments/hospital/deliveries', async (req, res) => {
    stats.requests++;
    if (await injectedFault(res)) return;
    const from = Date.parse(String(req.query.from ?? ''));
    const to = Date.parse(String(req.query.to ?? ''));
    const division = typeof req.query.division === 'string' ? req.query.division : '';
    const divisionOf = (code: string) => /^H(\d{6})/.exec(code)?.[1] ?? '';
    const matching = deliveries.filter((d) => {
      const at = Date.parse(d.bornAt);
      return (Number.isNaN(from) || at >= from) && (Number.isNaN(to) || at < to) && divisionOf(d.institutionCode).startsWith(division);
    });
    res.json({
      records: matching.slice(0, REGISTER_LIMIT).map((d) => ({ ...d, divisionCode: divisionOf(d.institutionCode) })),
      ...(matching.length > REGISTER_LIMIT && { truncated: true }),
    });
  });
  app.post('/departments/hospital/deliveries/lookup', async (req, res) => {
    stats.requests++;
    if (await injectedFault(res)) return;
    const institutionCode = String(req.body?.institutionCode ?? '');
    const mother = String(req.body?.motherIdNumber ?? '').toUpperCase();
    const known = deliveries.some((d) => d.institutionCode === institutionCode && d.motherIdNumber === mother);
    if (!known && options.recordEveryBirth && typeof req.body?.bornAt === 'string') deliveries.push({ institutionCode, motherIdNumber: mother, bornAt: req.body.bornAt });
    res.json({ records: deliveries.filter((d) => d.institutionCode === institutionCode && d.motherIdNumber === mother).map((d) => ({ bornAt: d.bornAt })) });
  });

  // What a department's own system records about an item it was handed (the hospital:
  // the first dose of vaccine, after which it hands over the vaccination certificate on
  // the spot). Recorded by case and item, so an event may come before the item does.
  const departmentEvents: { department: string; caseRef: string; item: string; type: string; at: string }[] = [];
  app.post('/admin/departments/:department/events', (req, res) => {
    const { caseRef, item, type, at } = req.body ?? {};
    if (typeof caseRef !== 'string' || typeof item !== 'string' || typeof type !== 'string') {
      res.status(400).json({ error: 'invalid', message: 'caseRef, item and type are required' });
      return;
    }
    departmentEvents.push({ department: req.params.department, caseRef, item, type, at: typeof at === 'string' ? at : new Date().toISOString() });
    res.status(201).json({ events: departmentEvents.length });
  });
  app.post('/departments/:department/applications/:receiptId/events', async (req, res) => {
    stats.requests++;
    if (await injectedFault(res)) return;
    const application = applications.get(String(req.params.receiptId));
    if (!application || application.department !== req.params.department) {
      res.status(404).json({ error: 'not_found', message: 'no such application' });
      return;
    }
    const type = req.body?.type;
    res.json({
      events: departmentEvents
        .filter((e) => e.department === application.department && e.caseRef === application.caseRef && e.item === application.item && (!type || e.type === type))
        .map((e) => ({ type: e.type, at: e.at })),
    });
  });

  // What a department received, for tests and demos: the granted sections of the
  // application in clear, as a department's own system would hold them.
  app.get('/departments/:department/applications', (req, res) => {
    const { caseRef, item } = req.query;
    res.json({
      applications: [...applications.values()].filter((a) => a.department === req.params.department && (!caseRef || a.caseRef === caseRef) && (!item || a.item === item)),
    });
  });
  app.get('/departments/:department/applications/:receiptId', (req, res) => {
    const application = applications.get(req.params.receiptId);
    if (!application || application.department !== req.params.department) {
      res.status(404).json({ error: 'not_found', message: 'no such application' });
      return;
    }
    res.json(application);
  });

  app.use(journeyRoutes(options.carrier));

  return { app, faults, stats };
}
