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
      '/api/cases/{caseId}/history': { get: { ...secured, summary: 'timeline from the durable history, archived or live (auditor)', responses: responses({ '200': { description: '{ caseId, source: archive | temporal, events: [{ at, type, item?, actor?, detail? }] }' } }, 400, 401, 403, 404) } },
      '/api/cases/{caseId}/history/raw': { get: { ...secured, summary: 'the Temporal history JSON, as the CLI and the replayer read it (auditor)', responses: responses({ '200': { description: 'history JSON' } }, 400, 401, 403, 404) } },
      '/api/audit/verify': { get: { ...secured, summary: 'recompute the archive digest chain (auditor)', responses: responses({ '200': { description: '{ ok, entries, head, firstBroken?: { seq, caseId, reason } }' } }, 401, 403) } },
      '/api/codec/decode': { post: { ...secured, summary: 'Temporal UI remote codec: decrypt payloads (auditor, admin; bearer or codec_token cookie)', responses: responses({ '200': { description: '{ payloads }' } }, 400, 401, 403) } },
      '/api/codec/encode': { post: { ...secured, summary: 'Temporal UI remote codec: encrypt payloads (admin)', responses: responses({ '200': { description: '{ payloads }' } }, 400, 401, 403) } },
      '/api/sla/breaches': {
        get: {
          ...secured,
          summary: 'SLA breaches, newest first (supervisor: own department when the token names one; auditor). from/to: YYYY-MM-DD (Asia/Shanghai, to inclusive) or date-time with offset (to exclusive), on breachedAt',
          parameters: [
            { name: 'department', in: 'query', schema: { enum: ['hospital', 'police', 'hrss', 'medical_insurance', 'health'] } },
            { name: 'region', in: 'query', schema: { enum: ['national', 'lanzhou', 'shanghai'] } },
            { name: 'open', in: 'query', schema: { enum: ['true', 'false'] } },
            { name: 'from', in: 'query', schema: { type: 'string' } },
            { name: 'to', in: 'query', schema: { type: 'string' } },
          ],
          responses: responses(
            {
              '200': {
                description: 'breaches',
                ...json({ type: 'object', properties: { breaches: { type: 'array', items: { type: 'object', properties: { caseId: { type: 'string' }, item: { type: 'string' }, department: { type: 'string' }, region: { type: 'string' }, deadline: { type: 'string', format: 'date-time' }, breachedAt: { type: 'string', format: 'date-time' }, escalationLevel: { type: 'integer' }, resolvedAt: { type: ['string', 'null'], format: 'date-time' } } } } } }),
              },
            },
            400, 401, 403,
          ),
        },
      },
      '/api/sla/summary': {
        get: {
          ...secured,
          summary: 'per department: decided (final decisions in the window), onTime (of those, never breached), breached (breaches recorded in the window), onTimeRate (onTime/decided), medianWorkingHoursToDecide (clock stopped during supplements)',
          parameters: ['from', 'to', 'department', 'region'].map((name) => ({ name, in: 'query', schema: { type: 'string' } })),
          responses: responses(
            {
              '200': {
                description: 'figures',
                ...json({ type: 'object', properties: { departments: { type: 'array', items: { type: 'object', properties: { department: { type: 'string' }, decided: { type: 'integer' }, onTime: { type: 'integer' }, breached: { type: 'integer' }, onTimeRate: { type: ['number', 'null'] }, medianWorkingHoursToDecide: { type: ['number', 'null'] } } } } } }),
              },
            },
            400, 401, 403,
          ),
        },
      },
      '/api/admin/calendar': { get: { ...secured, summary: 'years the working-day calendar covers, and which an administrator loaded (admin)', responses: responses({ '200': { description: '{ version, years: [{ year, source }] }' } }, 401, 403) } },
      '/api/admin/calendar/{year}': {
        put: {
          ...secured,
          summary: "load a year's State Council calendar (admin): it replaces chinese-days' data for that year for deadlines computed from now on",
          requestBody: json({ type: 'object', required: ['holidays', 'workdays'], additionalProperties: false, properties: { holidays: { type: 'array', items: { type: 'string', format: 'date' } }, workdays: { type: 'array', items: { type: 'string', format: 'date' }, description: '调休 make-up working days' } } }),
          responses: responses({ '200': { description: '{ year, holidays, workdays, digest, version }' } }, 400, 401, 403),
        },
      },
      '/api/notifications': {
        get: {
          ...secured,
          summary: 'notifications sent to the caller (applicant: own; supervisor: own department, or all without a department claim), newest first',
          parameters: ['caseId', 'limit'].map((name) => ({ name, in: 'query', schema: { type: 'string' } })),
          responses: responses({ '200': { description: '{ notifications: [{ id, caseId, audience, department, item, template, params, address, createdAt, sentAt }] }' } }, 400, 401, 403),
        },
      },
      '/api/audit/replay': { post: { ...secured, summary: 'replay archived cases (default: all) or the named ones against current code (auditor)', requestBody: json({ type: 'object', properties: { caseIds: { type: 'array', items: { type: 'string' } } } }), responses: responses({ '200': { description: '{ replayed, failures: [{ caseId, error }] }' } }, 400, 401, 403) } },
    },
  };
  return cached;
}
