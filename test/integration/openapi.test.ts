import { strict as assert } from 'node:assert';
import SwaggerParser from '@apidevtools/swagger-parser';
import type { Express } from 'express';
import type { OpenAPIV3_1 } from 'openapi-types';
import pino from 'pino';
import supertest from 'supertest';
import { createApp } from '../../api/app';
import { readinessChecks } from '../../api/server';
import { testEnv } from '../harness';

// /api/openapi.json against the application that serves it: every route Express
// answers is described and nothing else is, with its parameters and security, and
// both validators accept the document.

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;
// The development sign-in mints tokens, so it cannot ask for one; it does not exist in production.
const PUBLIC = ['GET /metrics', 'GET /healthz', 'GET /readyz', 'GET /api/openapi.json', 'GET /api/codec/login', 'POST /api/dev/token'];

/** The parts of an Express 5 (router 2) layer this walk reads. */
interface Layer {
  route?: { path: string; methods: Record<string, boolean> };
  handle: { stack?: Layer[] };
  rawPath?: unknown;
}

/** "METHOD /path/{param}" for every route in the router stack, mount paths included. */
function expressRoutes(stack: Layer[], prefix = ''): string[] {
  return stack.flatMap((layer) => {
    if (layer.route) {
      const path = `${prefix}${layer.route.path}`.replace(/:(\w+)/g, '{$1}');
      return Object.keys(layer.route.methods).map((method) => `${method.toUpperCase()} ${path}`);
    }
    if (layer.handle.stack) {
      assert.equal(typeof layer.rawPath, 'string', `a router mounted at ${String(layer.rawPath)}: mount routers at plain paths`);
      return expressRoutes(layer.handle.stack, `${prefix}${layer.rawPath === '/' ? '' : layer.rawPath}`);
    }
    return [];
  });
}

function operations(doc: OpenAPIV3_1.Document): { key: string; path: string; op: OpenAPIV3_1.OperationObject }[] {
  return Object.entries(doc.paths ?? {}).flatMap(([path, item]) =>
    METHODS.filter((m) => item?.[m]).map((m) => ({ key: `${m.toUpperCase()} ${path}`, path, op: item![m]! })),
  );
}

describe('the API description', function () {
  let app: Express;
  let doc: OpenAPIV3_1.Document;

  before(async function () {
    const env = await testEnv();
    app = createApp({ client: env.client, db: env.db.db, config: env.config, logger: pino({ level: 'silent' }), checks: readinessChecks(env.client, env.db) });
    const res = await supertest(app).get('/api/openapi.json');
    assert.equal(res.status, 200);
    doc = res.body;
  });

  it('describes every route Express serves, and nothing else', function () {
    const served = expressRoutes((app as unknown as { router: { stack: Layer[] } }).router.stack).sort();
    const described = operations(doc).map((o) => o.key).sort();
    assert.ok(served.length >= 25, `only ${served.length} routes found: the walk of the router stack is broken`);
    assert.deepEqual(
      { servedButNotDescribed: served.filter((r) => !described.includes(r)), describedButNotServed: described.filter((r) => !served.includes(r)) },
      { servedButNotDescribed: [], describedButNotServed: [] },
    );
  });

  it('declares each path parameter, a unique operationId and responses for every operation', function () {
    const ids = new Set<string>();
    for (const { key, path, op } of operations(doc)) {
      const inPath = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
      const declared = (op.parameters as OpenAPIV3_1.ParameterObject[] | undefined)?.filter((p) => p.in === 'path') ?? [];
      assert.deepEqual(declared.map((p) => p.name).sort(), inPath, `${key}: path parameters`);
      assert.ok(declared.every((p) => p.required && p.schema), `${key}: path parameters are required and typed`);
      assert.ok(op.operationId && !ids.has(op.operationId), `${key}: operationId ${op.operationId} missing or not unique`);
      ids.add(op.operationId);
      assert.ok(op.summary, `${key}: summary`);
      for (const [status, response] of Object.entries(op.responses ?? {})) {
        const content = (response as OpenAPIV3_1.ResponseObject).content;
        assert.ok(content && Object.values(content).every((c) => c.schema), `${key} ${status}: a response with a schema`);
      }
    }
  });

  it('shows the request bodies the routes read', function () {
    const withBody = operations(doc).filter((o) => o.op.requestBody).map((o) => o.key).sort();
    assert.deepEqual(withBody, [
      'POST /api/admin/revocations',
      'POST /api/audit/replay',
      'POST /api/cases',
      'POST /api/cases/{caseId}/items/{itemKey}/appointment',
      'POST /api/cases/{caseId}/items/{itemKey}/claim',
      'POST /api/cases/{caseId}/items/{itemKey}/decision',
      'POST /api/cases/{caseId}/items/{itemKey}/payment',
      'POST /api/cases/{caseId}/supplement',
      'POST /api/cases/{caseId}/withdraw',
      'POST /api/codec/decode',
      'POST /api/codec/encode',
      'POST /api/dev/token',
      'POST /api/eligibility',
      'POST /api/licences/{number}/reissue',
      'POST /api/logistics/events',
      'PUT /api/admin/calendar/{year}',
    ]);
    const errorSchema = (doc.components?.schemas?.Error ?? {}) as OpenAPIV3_1.SchemaObject;
    assert.deepEqual(Object.keys(errorSchema.properties ?? {}).sort(), ['details', 'error', 'message']);
    assert.deepEqual(errorSchema.required?.sort(), ['error', 'message']);
  });

  it('asks for a token exactly where the API refuses a request without one', async function () {
    for (const { key, path, op } of operations(doc)) {
      const [method] = key.split(' ');
      const url = path.replace(/\{\w+\}/g, 'x');
      const anonymous = await supertest(app)[method.toLowerCase() as 'get'](url);
      if (PUBLIC.includes(key)) {
        assert.deepEqual(op.security, [], `${key} is public`);
        continue;
      }
      // The carrier proves itself by signing the body, not with a token: unsigned, it is refused all the same.
      if (op.security?.some((s) => 'carrierSignature' in s)) {
        assert.equal(anonymous.status, 401, `${key} without a signature`);
        continue;
      }
      assert.ok(op.security?.some((s) => 'bearer' in s), `${key}: bearer security`);
      assert.equal(anonymous.status, 401, `${key} without a token`);
    }
    for (const key of PUBLIC.filter((k) => k.startsWith('GET ') && !k.includes('/codec/'))) assert.equal((await supertest(app).get(key.split(' ')[1])).status, 200, key);
  });

  it('passes swagger-parser and the recommended Redocly rules without an error', async function () {
    // swagger-parser dereferences in place: it gets a copy.
    await SwaggerParser.validate(structuredClone(doc) as never);
    const { createConfig, lintFromString } = await import('@redocly/openapi-core');
    const problems = await lintFromString({ source: JSON.stringify(doc), absoluteRef: 'openapi.json', config: await createConfig({ extends: ['recommended'] }) });
    const errors = problems.filter((p) => p.severity === 'error').map((p) => `${p.ruleId} at ${p.location[0]?.pointer}: ${p.message}`);
    assert.deepEqual(errors, []);
    // Warnings are allowed, but only these: the service is unlicensed (package.json), and
    // the public probes have no 4xx answer to describe.
    const warnings = problems.filter((p) => p.severity === 'warn').map((p) => `${p.ruleId} ${p.location[0]?.pointer}`);
    assert.deepEqual(warnings.sort(), [
      'info-license #/info',
      'operation-4xx-response #/paths/~1api~1openapi.json/get/responses',
      'operation-4xx-response #/paths/~1healthz/get/responses',
      'operation-4xx-response #/paths/~1metrics/get/responses',
      'operation-4xx-response #/paths/~1readyz/get/responses',
    ]);
  });
});
