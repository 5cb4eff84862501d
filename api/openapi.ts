import { createDocument, type ZodOpenApiOperationObject, type ZodOpenApiPathsObject, type ZodOpenApiResponseObject, type oas31 } from 'zod-openapi';
import { errorSchema } from './errors';
import { describedBody, type DeclaredRoute, type ErrorSpec } from './route-registry';
import { CODEC_COOKIE } from './routes/codec';

// The contract of DESIGN §6 in OpenAPI 3.1, built from the routes' own declarations
// (api/route-registry.ts): the schemas that parse a request are the ones shown here.

/** Errors a declaration implies: bad input for anything parsed, 401/403 for anything behind roles. */
const IMPLIED: Record<number, string> = {
  400: 'invalid request: malformed JSON (`invalid_json`), or every failing field listed in `details` (`invalid_request`)',
  401: 'no valid bearer token (`unauthenticated`)',
  403: "the caller's role or department may not do this (`forbidden`)",
  413: 'the body is larger than 100 kB (`payload_too_large`)',
};

function errorResponse(spec: ErrorSpec) {
  const { description, schema } = typeof spec === 'string' ? { description: spec, schema: errorSchema } : spec;
  return { description, content: { 'application/json': { schema } } };
}

function operation(route: DeclaredRoute): ZodOpenApiOperationObject {
  const { spec } = route;
  const body = describedBody(spec);
  const errors: Record<number, ErrorSpec> = {};
  if (spec.params || spec.query || body) errors[400] = IMPLIED[400];
  if (spec.roles) Object.assign(errors, { 401: IMPLIED[401], 403: IMPLIED[403] });
  if (body) errors[413] = IMPLIED[413];
  Object.assign(errors, spec.errors);

  const responses: Record<string, ZodOpenApiResponseObject> = {};
  for (const [status, response] of Object.entries(spec.responses)) {
    responses[status] = {
      description: response.description,
      ...(response.headers && { headers: response.headers }),
      content: { [response.contentType ?? 'application/json']: { schema: response.schema } },
    };
  }
  for (const [status, error] of Object.entries(errors)) if (error) responses[status] = errorResponse(error);

  return {
    operationId: spec.operationId,
    summary: spec.summary,
    ...(spec.description && { description: spec.description }),
    ...(route.tag && { tags: [route.tag.name] }),
    security: route.security,
    ...((spec.params || spec.query) && { requestParams: { ...(spec.params && { path: spec.params }), ...(spec.query && { query: spec.query }) } }),
    // The handler reads a missing body as {}: the body is optional exactly when {} is valid.
    ...(body && { requestBody: { required: !body.safeParse({}).success, content: { 'application/json': { schema: body } } } }),
    responses,
  };
}

/** The description of `routes`; throws when two of them share an operationId. */
export function openApiDocument(routes: readonly DeclaredRoute[]): oas31.OpenAPIObject {
  const paths: ZodOpenApiPathsObject = {};
  const operationIds = new Set<string>();
  const tags = new Map<string, oas31.TagObject>();
  for (const route of routes) {
    if (operationIds.has(route.spec.operationId)) throw new Error(`operationId ${route.spec.operationId} is declared twice`);
    operationIds.add(route.spec.operationId);
    if (route.tag) tags.set(route.tag.name, route.tag);
    // Express writes parameters as :name, OpenAPI as {name}.
    const path = route.path.replace(/:(\w+)/g, '{$1}');
    paths[path] = { ...paths[path], [route.method]: operation(route) };
  }
  return createDocument({
    openapi: '3.1.0',
    info: {
      title: 'Newborn One-Thing (新生儿出生一件事)',
      version: '1',
      description:
        'One application for the services a newborn needs, orchestrated on Temporal. Callers present a JWT (HS256) with `sub`, `role` and, for case workers and department supervisors, `department`. Errors are `{ error, message, details? }`; a 400 lists every failing field.',
    },
    servers: [{ url: '/', description: 'this service' }],
    tags: [...tags.values()],
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'HS256; claims sub, role (applicant, case_worker, supervisor, auditor, admin), department' },
        carrierSignature: { type: 'apiKey', in: 'header', name: 'x-signature', description: 'sha256=<hex>: HMAC-SHA256 of the raw body with CARRIER_SECRET (the carrier\'s parcel events)' },
        codecCookie: { type: 'apiKey', in: 'cookie', name: CODEC_COOKIE, description: 'the same JWT, set by GET /api/codec/login for the Temporal UI in the browser' },
      },
    },
    paths,
  });
}
