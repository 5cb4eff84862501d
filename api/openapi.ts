import { z } from 'zod';
import { applicationSchema } from '../policy/application';

// The contract of DESIGN §6 in OpenAPI form, for clients and for people.

const error = { $ref: '#/components/schemas/Error' };
const caseView = { $ref: '#/components/schemas/CaseView' };
const json = (schema: object) => ({ content: { 'application/json': { schema } } });
const responses = (ok: Record<string, object>, ...errors: number[]) => ({
  ...ok,
  ...Object.fromEntries(errors.map((code) => [String(code), { description: String(code), ...json(error) }])),
});

let cached: object | undefined;

export function openApiDocument(): object {
  if (cached) return cached;
  let application: object;
  try {
    application = z.toJSONSchema(applicationSchema, { unrepresentable: 'any', io: 'input' });
  } catch {
    application = { type: 'object' };
  }
  const secured = { security: [{ bearer: [] }] };
  cached = {
    openapi: '3.1.0',
    info: { title: 'Newborn One-Thing (新生儿出生一件事)', version: '1' },
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT (HS256): sub, role, department' } },
      schemas: {
        Error: { type: 'object', required: ['error', 'message'], properties: { error: { type: 'string' }, message: { type: 'string' }, details: { type: 'array', items: { type: 'object', properties: { path: { type: 'string' }, message: { type: 'string' } } } } } },
        Application: application,
        CaseView: {
          type: 'object',
          properties: {
            caseId: { type: 'string' },
            region: { type: 'string' },
            policyVersion: { type: 'string' },
            status: { enum: ['in_progress', 'completed', 'partially_completed', 'ineligible', 'withdrawn'] },
            submittedAt: { type: 'string', format: 'date-time' },
            closedAt: { type: 'string', format: 'date-time' },
            reasons: { type: 'array', items: { type: 'object', properties: { code: { type: 'string' }, message: { type: 'string' } } } },
            items: {
              type: 'array',
              items: {
                type: 'object',
                properties: {
                  item: { type: 'string' },
                  department: { type: 'string' },
                  status: { enum: ['pending', 'in_review', 'awaiting_supplement', 'completed', 'rejected', 'cancelled', 'not_applied'] },
                  deadline: { type: 'string', format: 'date-time' },
                  escalationLevel: { type: 'integer' },
                  licence: { type: 'object', properties: { number: { type: 'string' }, type: { type: 'string' } } },
                  decidedBy: { type: 'string' },
                  decidedAt: { type: 'string', format: 'date-time' },
                  reason: { type: 'string' },
                },
              },
            },
          },
        },
      },
    },
    paths: {
      '/healthz': { get: { summary: 'process up', responses: { '200': { description: 'up' } } } },
      '/readyz': { get: { summary: 'Temporal and PostgreSQL reachable', responses: { '200': { description: 'ready' }, '503': { description: 'not ready' } } } },
      '/api/eligibility': { post: { ...secured, summary: 'one-time notice (applicant)', requestBody: json({ $ref: '#/components/schemas/Application' }), responses: responses({ '200': { description: '{ eligible, reasons, items }' } }, 400, 401, 403) } },
      '/api/cases': {
        post: { ...secured, summary: 'submit a case (applicant)', requestBody: json({ $ref: '#/components/schemas/Application' }), responses: responses({ '201': { description: '{ caseId, status }' } }, 400, 401, 403, 409, 422) },
        get: { ...secured, summary: 'list cases (supervisor, auditor)', parameters: ['status', 'region', 'page', 'pageSize'].map((name) => ({ name, in: 'query', schema: { type: 'string' } })), responses: responses({ '200': { description: '{ cases, total }' } }, 400, 401, 403) },
      },
      '/api/cases/{caseId}': { get: { ...secured, summary: 'case view', responses: responses({ '200': { description: 'case', ...json(caseView) } }, 401, 403, 404) } },
      '/api/tasks': { get: { ...secured, summary: "department inbox (case worker)", responses: responses({ '200': { description: '{ tasks }' } }, 401, 403) } },
      '/api/cases/{caseId}/items/{item}/decision': {
        post: { ...secured, summary: 'approve, reject or request a supplement (case worker of the department)', requestBody: json({ type: 'object', required: ['decision'], properties: { decision: { enum: ['approve', 'reject', 'request_supplement'] }, comment: { type: 'string' } } }), responses: responses({ '200': { description: 'case', ...json(caseView) } }, 400, 401, 403, 404, 409) },
      },
      '/api/cases/{caseId}/supplement': { post: { ...secured, summary: 'supply documents (applicant)', responses: responses({ '200': { description: 'case', ...json(caseView) } }, 400, 401, 403, 404, 409) } },
      '/api/cases/{caseId}/withdraw': { post: { ...secured, summary: 'withdraw (applicant)', responses: responses({ '200': { description: 'case', ...json(caseView) } }, 401, 403, 404, 409) } },
      '/api/cases/{caseId}/history': { get: { ...secured, summary: 'timeline (auditor)', responses: responses({ '200': { description: '{ events }' } }, 401, 403, 404, 501) } },
      '/api/sla/breaches': { get: { ...secured, summary: 'SLA breaches (supervisor, auditor)', responses: responses({ '200': { description: '{ breaches }' } }, 401, 403, 501) } },
      '/api/sla/summary': { get: { ...secured, summary: 'on-time figures per department (supervisor, auditor)', responses: responses({ '200': { description: '{ departments }' } }, 401, 403, 501) } },
      '/api/audit/replay': { post: { ...secured, summary: 'replay closed cases against current code (auditor)', responses: responses({ '200': { description: '{ replayed, failures }' } }, 401, 403, 501) } },
    },
  };
  return cached;
}
