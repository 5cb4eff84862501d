import { strict as assert } from 'node:assert';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import supertest from 'supertest';
import { CONSOLE_DIST, createApp } from '../../api/app';
import { readinessChecks } from '../../api/server';
import { testEnv, type TestEnv } from '../harness';
import { ensureConsoleBuilt } from './console-build';

// How the service hands out the console: the built files at /console/, index.html for
// the console's own paths, under a policy that runs no inline script; and the
// development sign-in, which production does not have at all.

describe('the console, as the API serves it', function () {
  let env: TestEnv;
  const app = (nodeEnv?: string) =>
    supertest(createApp({ client: env.client, db: env.db.db, config: { ...env.config, ...(nodeEnv && { nodeEnv }) }, logger: pino({ level: 'silent' }), checks: readinessChecks(env.client, env.db) }));

  before(async function () {
    this.timeout(120_000);
    await ensureConsoleBuilt();
    env = await testEnv();
  });

  it('serves the built console at /console/ under a CSP without inline scripts', async function () {
    const res = await app().get('/console/');
    assert.equal(res.status, 200);
    assert.match(res.headers['content-type'], /text\/html/);
    assert.match(res.text, /<script type="module" crossorigin src="\/console\/assets\/[^"]+\.js"><\/script>/);
    assert.doesNotMatch(res.text, /<script(?![^>]*\bsrc=)[^>]*>/, 'no inline <script> in the page');
    const csp = res.headers['content-security-policy'];
    const scriptSrc = /script-src ([^;]*)/.exec(csp)?.[1];
    assert.equal(scriptSrc, "'self'");
    assert.match(csp, /script-src-attr 'none'/);
    assert.match(csp, /style-src 'self' 'unsafe-inline'/);
    assert.match(csp, /connect-src 'self'/);
  });

  it('answers the console’s own paths with its page, and its assets as immutable files', async function () {
    for (const path of ['/console/inbox', '/console/cases/case-0123/x', '/console/parent']) {
      const res = await app().get(path);
      assert.equal(res.status, 200, path);
      assert.match(res.text, /<div id="app"><\/div>/, path);
    }
    assert.equal((await app().get('/console')).status, 301);
    const asset = readdirSync(join(CONSOLE_DIST, 'assets')).find((f) => f.endsWith('.js'))!;
    const js = await app().get(`/console/assets/${asset}`);
    assert.equal(js.status, 200);
    assert.match(js.headers['cache-control'], /immutable/);
    assert.equal((await app().get('/console/assets/missing-abc.js')).status, 404, 'a missing asset is not answered with the page');
    assert.equal((await app().get('/console/.source-hash')).status, 200, 'dot files are not served: the page answers instead');
    assert.doesNotMatch((await app().get('/console/.source-hash')).text, /^[0-9a-f]{64}$/m);
  });

  it('mints development tokens that the API accepts, and checks what it is asked for', async function () {
    const minted = await app().post('/api/dev/token').send({ role: 'auditor', sub: 'auditor-demo' });
    assert.equal(minted.status, 200, JSON.stringify(minted.body));
    assert.deepEqual(minted.body.claims, { sub: 'auditor-demo', role: 'auditor' });
    assert.equal((await app().get('/api/cases').set('authorization', `Bearer ${minted.body.token}`)).status, 200);

    const bad = await app().post('/api/dev/token').send({ role: 'case_worker', division: '6201x' });
    assert.equal(bad.status, 400);
    assert.deepEqual(bad.body.details.map((d: { path: string }) => d.path).sort(), ['department', 'division']);
    const applicant = await app().post('/api/dev/token').send({ role: 'applicant', sub: '110105199503140011' });
    assert.equal(applicant.status, 400, 'an applicant is their ID number: a wrong check digit is refused');
    assert.deepEqual(applicant.body.details.map((d: { path: string }) => d.path), ['sub']);
  });

  it('has no development sign-in in production: 404, and none in the description', async function () {
    const res = await app('production').post('/api/dev/token').send({ role: 'admin' });
    assert.equal(res.status, 404);
    const doc = await app('production').get('/api/openapi.json');
    assert.equal(doc.body.paths['/api/dev/token'], undefined);
    assert.ok((await app().get('/api/openapi.json')).body.paths['/api/dev/token'], 'described where it exists');
  });
});
