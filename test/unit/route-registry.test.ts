import { strict as assert } from 'node:assert';
import express from 'express';
import pino from 'pino';
import supertest from 'supertest';
import { z } from 'zod';
import { errorHandler, HttpError } from '../../api/errors';
import { openApiDocument } from '../../api/openapi';
import { Routes } from '../../api/route-registry';

// The route declarations that both install the handlers and describe them.

const ok = { 200: { description: 'ok', schema: z.object({ ok: z.boolean() }) } };

function serve(routes: Routes) {
  const app = express();
  app.use(express.json());
  app.use(routes.router);
  app.use(errorHandler(pino({ level: 'silent' })));
  return supertest(app);
}

describe('route declarations', function () {
  it('refuse a route whose path parameters and declared params differ', function () {
    assert.throws(() => new Routes().get('/things/:id', { operationId: 'a', summary: 'a', responses: ok }, () => {}), /path parameters \[id\] but params declares \[\]/);
    assert.throws(
      () => new Routes().get('/things/:id', { operationId: 'a', summary: 'a', params: z.object({ id: z.string(), other: z.string() }), responses: ok }, () => {}),
      /path parameters \[id\] but params declares \[id,other\]/,
    );
  });

  it('refuse two operations with one operationId', function () {
    const routes = new Routes().get('/a', { operationId: 'same', summary: 'a', responses: ok }, () => {}).get('/b', { operationId: 'same', summary: 'b', responses: ok }, () => {});
    assert.throws(() => openApiDocument(routes.declared()), /operationId same is declared twice/);
  });

  it('mount paths into the description as Express mounts them', function () {
    const inner = new Routes().get('/things/:id', { operationId: 'thing', summary: 't', params: z.object({ id: z.string() }), responses: ok }, () => {});
    const outer = new Routes().use('/api', new Routes().use(inner));
    assert.deepEqual(Object.keys(openApiDocument(outer.declared()).paths ?? {}), ['/api/things/{id}']);
  });

  it('parse parameters and query first, and the body only when the route reads it', async function () {
    const routes = new Routes()
      .post('/things/:id', {
        operationId: 'post',
        summary: 'p',
        params: z.object({ id: z.coerce.number().int() }),
        query: z.object({ verbose: z.enum(['yes', 'no']).optional() }),
        body: z.object({ name: z.string() }),
        responses: ok,
      }, (_req, res, { params, body }) => {
        if (params.id === 404) throw new HttpError(404, 'not_found', 'no such thing');
        body();
        res.json({ ok: true });
      });
    const api = serve(routes);
    const badParams = await api.post('/things/x?verbose=maybe').send({});
    assert.equal(badParams.status, 400);
    assert.deepEqual(badParams.body.details.map((d: { path: string }) => d.path), ['id'], 'the path first, alone');
    const badQuery = await api.post('/things/1?verbose=maybe').send({});
    assert.deepEqual(badQuery.body.details.map((d: { path: string }) => d.path), ['verbose']);
    assert.equal((await api.post('/things/404').send({})).status, 404, 'refused before its body is judged');
    const badBody = await api.post('/things/1').send({ name: 1 });
    assert.deepEqual(badBody.body.details.map((d: { path: string }) => d.path), ['name']);
    assert.equal((await api.post('/things/1').send({ name: 'n' })).status, 200);
  });

  it('give a body that depends on the path its parameters, and the description none', async function () {
    const bodyFor = (limit?: number) => z.object({ n: z.number().max(limit ?? Infinity) });
    const routes = new Routes().put('/limits/:limit', {
      operationId: 'put',
      summary: 'p',
      params: z.object({ limit: z.coerce.number() }),
      body: (params) => bodyFor(params?.limit),
      responses: ok,
    }, (_req, res, { body }) => {
      body();
      res.json({ ok: true });
    });
    const api = serve(routes);
    assert.equal((await api.put('/limits/5').send({ n: 5 })).status, 200);
    assert.equal((await api.put('/limits/5').send({ n: 6 })).status, 400);
    const operation = openApiDocument(routes.declared()).paths?.['/limits/{limit}']?.put;
    assert.ok(operation?.requestBody, 'the body is described');
  });
});
