import { strict as assert } from 'node:assert';
import { randomUUID } from 'node:crypto';
import { SignJWT, decodeJwt, type JWTPayload } from 'jose';
import pino from 'pino';
import supertest from 'supertest';
import { createApp } from '../../api/app';
import { readinessChecks } from '../../api/server';
import { openDatabase, type Database } from '../../db/client';
import { personKey } from '../../domain/identity';
import { recordSubmission } from '../../domain/cases';
import { shippedCatalogue } from '../../policy/pack-files';
import type { Config } from '../../runtime/config';
import { Scenario } from './scenario';

// Issue 12 §4: tokens with a bounded life, issuer and audience, revocable by jti;
// admins never read personal data; department supervisors see their department's
// cases; nothing personal is cached; costly routes are rate-limited across instances.

describe('tokens and exposure', function () {
  this.timeout(60_000);
  let s: Scenario;
  let config: Config;

  /** A token signed with the right secret but claims of our choosing. */
  async function craft(claims: JWTPayload & { role?: string; department?: string }, header: { alg: 'HS256' } = { alg: 'HS256' }): Promise<string> {
    return new SignJWT(claims).setProtectedHeader(header).sign(new TextEncoder().encode(config.authSecret));
  }
  const now = () => Math.floor(Date.now() / 1000);
  const standard = () => ({ sub: 'auditor-t', role: 'auditor', iss: config.tokenIssuer, aud: config.tokenAudience, jti: randomUUID(), iat: now(), exp: now() + 3600 });
  const asAuditor = (token: string) => s.api.get('/api/cases?pageSize=1').set('authorization', `Bearer ${token}`);

  before(async function () {
    s = await Scenario.start();
    config = s.env.config;
  });

  describe('claims', function () {
    it('accepts a well-formed token, and what it signs carries iss, aud, iat, exp and a jti', async function () {
      assert.equal((await asAuditor(await craft(standard()))).status, 200);
      const minted = decodeJwt(await s.auth({ sub: 'a', role: 'auditor' }));
      assert.equal(minted.iss, 'newborn-one-thing');
      assert.equal(minted.aud, 'newborn-one-thing');
      assert.match(String(minted.jti), /^[0-9a-f-]{36}$/);
      assert.ok(minted.exp! - minted.iat! <= config.tokenMaxLifetimeSeconds);
    });

    const refusals: [string, () => JWTPayload][] = [
      ['without exp', () => ({ ...standard(), exp: undefined })],
      ['living longer than TOKEN_MAX_LIFETIME', () => ({ ...standard(), exp: now() + config.tokenMaxLifetimeSeconds + 3600 })],
      ['from another issuer', () => ({ ...standard(), iss: 'someone-else' })],
      ['for another audience', () => ({ ...standard(), aud: 'another-service' })],
      ['without iss and aud', () => ({ ...standard(), iss: undefined, aud: undefined })],
      ['issued in the future', () => ({ ...standard(), iat: now() + 600, exp: now() + 3600 })],
      ['without iat', () => ({ ...standard(), iat: undefined })],
      ['without jti', () => ({ ...standard(), jti: undefined })],
      ['expired', () => ({ ...standard(), iat: now() - 7200, exp: now() - 3600 })],
    ];
    for (const [what, claims] of refusals) {
      it(`refuses a token ${what} with 401`, async function () {
        const res = await asAuditor(await craft(JSON.parse(JSON.stringify(claims()))));
        assert.equal(res.status, 401, JSON.stringify(res.body));
        assert.equal(res.body.error, 'unauthenticated');
      });
    }

    it('tolerates a little clock skew in iat', async function () {
      assert.equal((await asAuditor(await craft({ ...standard(), iat: now() + 5 }))).status, 200);
    });
  });

  describe('revocation', function () {
    let other: Database;
    afterEach(async () => {
      await other?.close();
    });

    it('lets an admin revoke a token by jti: refused at once here, within REVOCATION_CACHE_SECONDS on another instance', async function () {
      const admin = `Bearer ${await s.auth({ sub: 'admin-r', role: 'admin' })}`;
      const victim = await s.auth({ sub: 'auditor-lost-laptop', role: 'auditor' });
      const { jti } = decodeJwt(victim);
      // Another API instance: its own pool, so its own copy of the list, which has seen the token as valid.
      other = openDatabase(config.databaseUrl, { max: 2 });
      const elsewhere = supertest(createApp({ client: s.env.client, db: other.db, config, logger: pino({ level: 'silent' }), checks: readinessChecks(s.env.client, other) }));
      assert.equal((await elsewhere.get('/api/cases?pageSize=1').set('authorization', `Bearer ${victim}`)).status, 200);

      assert.equal((await s.api.post('/api/admin/revocations').set('authorization', `Bearer ${victim}`).send({ jti })).status, 403);
      assert.equal((await s.api.post('/api/admin/revocations').set('authorization', admin).send({ jti: '', extra: 1 })).status, 400);
      const revoked = await s.api.post('/api/admin/revocations').set('authorization', admin).send({ jti, reason: 'laptop lost' });
      assert.equal(revoked.status, 201, JSON.stringify(revoked.body));
      assert.equal(revoked.body.revokedBy, 'admin-r');
      const revokedAt = Date.now();
      assert.equal((await s.api.post('/api/admin/revocations').set('authorization', admin).send({ jti })).status, 200, 'revoking twice changes nothing');

      const here = await asAuditor(victim);
      assert.equal(here.status, 401);
      assert.match(here.body.message, /revoked/);
      for (;;) {
        const res = await elsewhere.get('/api/cases?pageSize=1').set('authorization', `Bearer ${victim}`);
        if (res.status === 401) break;
        assert.equal(res.status, 200);
        assert.ok(Date.now() - revokedAt < (config.revocationCacheSeconds + 2) * 1000, 'the other instance still accepts the revoked token');
        await new Promise((r) => setTimeout(r, 200));
      }
      const listed = await s.api.get('/api/admin/revocations').set('authorization', admin);
      assert.equal(listed.status, 200);
      assert.deepEqual(
        listed.body.revocations.find((r: { jti: string }) => r.jti === jti),
        { jti, reason: 'laptop lost', revokedBy: 'admin-r', revokedAt: listed.body.revocations.find((r: { jti: string }) => r.jti === jti).revokedAt },
      );
      // Other tokens of the same person still work: revocation is per token.
      assert.equal((await asAuditor(await s.auth({ sub: 'auditor-lost-laptop', role: 'auditor' }))).status, 200);
    });
  });

  describe('separation of duties', function () {
    it('refuses to decode payloads for an admin', async function () {
      const admin = await s.auth({ sub: 'root', role: 'admin' });
      assert.equal((await s.api.post('/api/codec/decode').set('authorization', `Bearer ${admin}`).send({ payloads: [] })).status, 403);
      assert.equal((await s.api.get(`/api/codec/login?token=${admin}`)).status, 403);
      const auditor = await s.auth({ sub: 'aud', role: 'auditor' });
      assert.equal((await s.api.post('/api/codec/decode').set('authorization', `Bearer ${auditor}`).send({ payloads: [] })).status, 200);
    });

    it("scopes a department supervisor's case list to the cases with an item of that department", async function () {
      const pack = shippedCatalogue().current('national');
      const submittedAt = new Date(Date.now() + 60_000).toISOString();
      const record = async (applied: Set<string>) => {
        const caseId = `case-${randomUUID().replace(/-/g, '').slice(0, 24)}`;
        await recordSubmission(s.env.db.db, {
          view: { caseId, region: 'national', policyVersion: pack.version, status: 'in_progress', submittedAt, items: pack.items.map((d) => ({ item: d.item, department: d.department, status: applied.has(d.department) ? 'pending' : 'not_applied', escalationLevel: 0 })) },
          applicantHash: personKey(config.idHashKey, caseId),
          applicantMasked: '110105********0000',
        });
        return caseId;
      };
      const hospitalOnly = await record(new Set(['hospital']));
      const everyone = await record(new Set(pack.items.map((d) => d.department)));
      const list = async (principal: Parameters<Scenario['auth']>[0]) => {
        const res = await s.api.get('/api/cases?pageSize=200').set('authorization', `Bearer ${await s.auth(principal)}`);
        assert.equal(res.status, 200, JSON.stringify(res.body));
        return { ids: new Set((res.body.cases as { caseId: string }[]).map((c) => c.caseId)), total: res.body.total as number };
      };
      const police = await list({ sub: 'sup-p', role: 'supervisor', department: 'police' });
      assert.ok(police.ids.has(everyone));
      assert.ok(!police.ids.has(hospitalOnly), "the police supervisor sees a case the police have no part in");
      const [{ n }] = await s.env.db.sql`select count(*)::int as n from cases c where exists (select 1 from case_items i where i.case_id = c.case_id and i.department = 'police' and i.status <> 'not_applied')`;
      assert.equal(police.total, n);
      const hospital = await list({ sub: 'sup-h', role: 'supervisor', department: 'hospital' });
      assert.ok(hospital.ids.has(everyone) && hospital.ids.has(hospitalOnly));
      for (const principal of [{ sub: 'sup-all', role: 'supervisor' as const }, { sub: 'aud', role: 'auditor' as const }]) {
        const all = await list(principal);
        assert.ok(all.ids.has(everyone) && all.ids.has(hospitalOnly));
        assert.ok(all.total > police.total);
      }
    });
  });

  describe('caching', function () {
    it('marks every /api answer no-store, errors included, but the OpenAPI document', async function () {
      const auditor = `Bearer ${await s.auth({ sub: 'aud', role: 'auditor' })}`;
      const answers = {
        list: await s.api.get('/api/cases?pageSize=1').set('authorization', auditor),
        view: await s.api.get('/api/cases/case-000000000000000000000000').set('authorization', auditor),
        history: await s.api.get('/api/cases/case-000000000000000000000000/history').set('authorization', auditor),
        unauthenticated: await s.api.get('/api/cases'),
        decode: await s.api.post('/api/codec/decode').set('authorization', auditor).send({ payloads: [] }),
        missing: await s.api.get('/api/nothing-here').set('authorization', auditor),
      };
      for (const [what, res] of Object.entries(answers)) assert.equal(res.headers['cache-control'], 'no-store', `${what}: ${res.status}`);
      assert.notEqual((await s.api.get('/api/openapi.json')).headers['cache-control'], 'no-store');
    });
  });

  describe('rate limits', function () {
    it('answers 429 with Retry-After per caller and per address, counted across API instances', async function () {
      // Tight limits and a long window for this test only; forwarded addresses of its own, so no other test's traffic counts.
      const tight: Config = { ...config, rateLimit: { windowSeconds: 3600, perCaller: 3, perAddress: 5 }, trustProxy: true };
      const instances = [s.env.api(undefined, { config: tight }), s.env.api(undefined, { config: tight })];
      const address = `198.51.100.${Math.floor(Math.random() * 250) + 1}, 10.0.0.${process.pid % 250}`;
      const elsewhere = `203.0.113.${Math.floor(Math.random() * 250) + 1}`;
      const eligibility = async (n: number, app: ReturnType<Scenario['application']>, from: string) =>
        instances[n % 2].post('/api/eligibility').set('x-forwarded-for', from).set('authorization', `Bearer ${await s.applicantToken(app)}`).send(app);

      const first = s.application();
      for (let n = 0; n < 3; n++) assert.equal((await eligibility(n, first, address)).status, 200, `request ${n + 1}`);
      const limited = await eligibility(3, first, address);
      assert.equal(limited.status, 429, 'the fourth request of the caller, on either instance');
      assert.equal(limited.body.error, 'rate_limited');
      const retryAfter = Number(limited.headers['retry-after']);
      assert.ok(retryAfter >= 1 && retryAfter <= 3600, `Retry-After ${limited.headers['retry-after']}`);

      // Another caller from the same address: the fifth request from it passes, the sixth does not.
      assert.equal((await eligibility(4, s.application(), address)).status, 200);
      assert.equal((await eligibility(5, s.application(), address)).status, 429);
      // The same new caller from elsewhere is fine: the counters are per address and per caller.
      const third = s.application();
      assert.equal((await eligibility(6, third, elsewhere)).status, 200);
      // Submission has counters of its own.
      assert.notEqual((await instances[0].post('/api/cases').set('x-forwarded-for', elsewhere).set('authorization', `Bearer ${await s.applicantToken(third)}`).send({})).status, 429);

      // The codec's login link counts attempts per address before any token is checked.
      const login = elsewhere.replace('203.0.113', '192.0.2');
      for (let n = 0; n < 5; n++) assert.equal((await instances[n % 2].get('/api/codec/login?token=guess').set('x-forwarded-for', login)).status, 401);
      const guessing = await instances[1].get('/api/codec/login?token=guess').set('x-forwarded-for', login);
      assert.equal(guessing.status, 429);
      assert.ok(Number(guessing.headers['retry-after']) >= 1);

      // The default limits leave ordinary traffic alone.
      assert.ok(config.rateLimit.perCaller >= 30 && config.rateLimit.perAddress >= 300);
    });
  });
});
