import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import type { Principal } from '../../api/auth';
import { abandonedUpdates } from '../../api/case-updates';
import { ITEM_CODES } from '../../policy/types';
import { createClient } from '../../runtime/temporal';
import { Scenario } from './scenario';

// Issue 12 §1: generated requests against every declared route (body, path parameters
// and query), mixed with plausible values so that they reach the handlers: none may
// answer 5xx, and no case they touch may be left stuck. The run prints how many inputs
// it sent. FUZZ_RUNS sets the count (default 10,000), FUZZ_SEED the seed.

const RUNS = Number(process.env.FUZZ_RUNS ?? 10_000);
const SEED = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31);
const CONCURRENCY = 16;

interface Operation {
  method: 'get' | 'post' | 'put' | 'delete';
  path: string;
  params: string[];
  query: string[];
}

/** Text meant to hurt: controls, NUL, lone surrogates, bidi overrides, zero-width, long and odd Unicode. */
const nasty = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.constantFrom('\u0000', 'a\u0000b', '\uD800', '\uDC00x', '\u202E\u202D', '\u200B\u200B', ' ', '', '\u3000', 'e\u0301', '%00', '../..', '\\', "'; drop table cases;--", '9999-12-31', '0000-01-01', '2026-02-30', '-1', '1e309', 'NaN', 'true', 'null', '{}', '[]'),
  fc.string({ maxLength: 2000 }),
);
const plausibleItem = fc.constantFrom(...ITEM_CODES);

export function jsonish(depth: number): fc.Arbitrary<unknown> {
  const leaf = fc.oneof(nasty, fc.integer(), fc.double(), fc.boolean(), fc.constant(null));
  if (depth <= 0) return leaf;
  return fc.oneof(
    { weight: 3, arbitrary: leaf },
    { weight: 1, arbitrary: fc.array(jsonish(depth - 1), { maxLength: 4 }) },
    { weight: 2, arbitrary: fc.dictionary(fc.oneof(nasty, fc.constantFrom('decision', 'comment', 'reason', 'documents', 'name', 'reference', 'item', 'assignee', 'reassign', 'year', 'days', 'force', 'caseIds', 'jti', 'region', 'items')), jsonish(depth - 1), { maxKeys: 5 }) },
  );
}

const LONE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
/** Percent-encodes any string, a lone surrogate as the bytes a careless client would send (CESU-style %ED%A0%80). */
const encode = (value: string): string => encodeURIComponent(value.replace(LONE, '\uE000LONE\uE000')).replace(/%EE%80%80LONE%EE%80%80/g, '%ED%A0%80');

/** Replaces some strings of a valid document by nasty ones. */
function spoil(value: unknown, rnd: () => number, pick: () => string): unknown {
  if (typeof value === 'string') return rnd() < 0.15 ? pick() : value;
  if (Array.isArray(value)) return value.map((v) => spoil(v, rnd, pick));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, rnd() < 0.03 ? undefined : spoil(v, rnd, pick)]));
  return rnd() < 0.05 ? pick() : value;
}

describe('generated requests to every route', function () {
  this.timeout(600_000);

  it(`answers ${RUNS} generated inputs without a 5xx and leaves no case stuck`, async function () {
    const s = await Scenario.start();
    // A client of its own, left open: a call the engine asked to retry later must not meet the
    // harness's connection closed under it at the end of the run (the SDK throws in a timer then).
    const api = s.env.api(s.taskQueue, { client: createClient(s.env.config), config: { ...s.env.config, updateWaitMs: 800, rateLimit: { ...s.env.config.rateLimit, perCaller: 0, perAddress: 0 } } });
    const doc = (await api.get('/api/openapi.json')).body as { paths: Record<string, Record<string, { parameters?: { in: string; name: string }[] }>> };
    const operations: Operation[] = Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.entries(methods)
        .filter(([m]) => ['get', 'post', 'put', 'delete'].includes(m))
        .map(([method, op]) => ({
          method: method as Operation['method'],
          path,
          params: (op.parameters ?? []).filter((p) => p.in === 'path').map((p) => p.name),
          query: (op.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name),
        })),
    );
    assert.ok(operations.length >= 30, `${operations.length} operations`);

    let sent = 0;
    const statuses = new Map<number, number>();
    const failures: string[] = [];
    const cases: string[] = [];
    await s.run(async () => {
      // A few real cases, so that generated requests meet real ones.
      const apps = [s.application(), s.application()];
      for (const app of apps) cases.push(await s.submit(app));
      await s.waitForItems(cases[0], { birth_certificate: 'in_review' });
      const principals: Principal[] = [
        { sub: apps[0].applicant.idNumber, role: 'applicant' },
        { sub: 'w-h', role: 'case_worker', department: 'hospital', institution: apps[0].delivery.institutionCode },
        { sub: 'sup', role: 'supervisor', department: 'hospital' },
        { sub: 'aud', role: 'auditor' },
        { sub: 'adm', role: 'admin' },
      ];
      const tokens = await Promise.all(principals.map((p) => s.auth(p)));
      const plausibleParam: Record<string, fc.Arbitrary<string>> = {
        caseId: fc.constantFrom(...cases, 'case-000000000000000000000000'),
        itemKey: plausibleItem,
        year: fc.constantFrom('2026', '2027', '1999', '0', '99999'),
      };
      const valid = JSON.parse(JSON.stringify(apps[1]));
      const input = fc.record({
        op: fc.constantFrom(...operations),
        token: fc.option(fc.constantFrom(...tokens), { nil: undefined, freq: 8 }),
        params: fc.array(fc.oneof({ weight: 3, arbitrary: fc.constant(undefined) }, { weight: 2, arbitrary: nasty }), { minLength: 3, maxLength: 3 }),
        plausible: fc.record(plausibleParam),
        query: fc.dictionary(nasty, nasty, { maxKeys: 3 }),
        declaredQuery: fc.array(fc.oneof(nasty, fc.constantFrom('true', 'false', '1', '50', 'hospital', 'national', 'in_progress', '2026-11-20', '2026-11-20T08:30:00+08:00')), { minLength: 6, maxLength: 6 }),
        body: fc.oneof({ weight: 2, arbitrary: jsonish(3) }, { weight: 2, arbitrary: fc.tuple(fc.integer(), fc.array(nasty, { minLength: 1, maxLength: 4 })).map(([seed, picks]) => {
          let x = seed >>> 0 || 1;
          const rnd = () => ((x = (x * 1103515245 + 12345) >>> 0) / 2 ** 32);
          return spoil(valid, rnd, () => picks[Math.floor(rnd() * picks.length)]);
        }) }, { weight: 1, arbitrary: fc.record({ decision: fc.constantFrom('approve', 'reject', 'request_supplement', 'x'), comment: fc.option(nasty, { nil: undefined }) }) }),
      });
      const samples = fc.sample(input, { numRuns: RUNS, seed: SEED });
      let next = 0;
      const one = async (): Promise<void> => {
        for (let i = next++; i < samples.length; i = next++) {
          const { op, token, params, plausible, query, declaredQuery, body } = samples[i];
          const path = op.path.replace(/\{(\w+)\}/g, (_m, name: string) => {
            const k = op.params.indexOf(name);
            const value = params[k] ?? (plausible as Record<string, string>)[name] ?? 'x';
            return encode(value);
          });
          const q: Record<string, string> = { ...query };
          op.query.forEach((name, k) => {
            if (k < declaredQuery.length && declaredQuery[k] !== 'skip') q[name] = declaredQuery[k];
          });
          const search = Object.entries(q).map(([k, v]) => `${encode(k)}=${encode(v)}`).join('&');
          let req = api[op.method](search ? `${path}?${search}` : path).timeout({ response: 30_000 });
          if (token) req = req.set('authorization', `Bearer ${token}`);
          // As raw JSON text: a number or a string is a body too.
          const text = JSON.stringify(body);
          if (op.method !== 'get' && text !== undefined) req = req.set('content-type', 'application/json').send(text);
          let status: number;
          try {
            status = (await req.ok(() => true)).status;
          } catch (err) {
            status = 599;
            failures.push(`${op.method.toUpperCase()} ${path}: ${(err as Error).message}`);
          }
          sent++;
          statuses.set(status, (statuses.get(status) ?? 0) + 1);
          if (status >= 500 && failures.length < 20) failures.push(`${status} ${op.method.toUpperCase()} ${path} ${JSON.stringify(body)?.slice(0, 200)}`);
        }
      };
      await Promise.all(Array.from({ length: CONCURRENCY }, one));

      // Updates answered 202 settle before the harness closes the connection under them.
      for (let waited = 0; abandonedUpdates() > 0 && waited < 60_000; waited += 200) await new Promise((r) => setTimeout(r, 200));
      assert.equal(abandonedUpdates(), 0, 'abandoned update calls settle');

      // No case stuck: nothing the generated requests reached is retrying an activity or failing its workflow task.
      for (const caseId of cases) {
        const d = await s.env.client.workflow.getHandle(caseId).describe();
        const retrying = (d.raw.pendingActivities ?? []).filter((a) => (a.attempt ?? 0) > 3);
        assert.deepEqual(retrying.map((a) => a.activityType?.name), [], `${caseId} retries an activity`);
        assert.ok(['RUNNING', 'COMPLETED'].includes(d.status.name), `${caseId} is ${d.status.name}`);
      }
    });
    const fiveXX = [...statuses].filter(([status]) => status >= 500).reduce((n, [, c]) => n + c, 0);
    process.stdout.write(`    [fuzz] ${sent} generated inputs over ${operations.length} operations (seed ${SEED}), statuses ${JSON.stringify(Object.fromEntries(statuses))}, ${fiveXX} x 5xx\n`);
    assert.equal(sent, RUNS);
    assert.deepEqual(failures, []);
    assert.equal(fiveXX, 0);
  });
});
