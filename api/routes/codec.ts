import type { NextFunction, Request, Response } from 'express';
import { JSONToPayload, payloadToJSON } from '@temporalio/common/lib/proto-utils';
import { z } from 'zod';
import type { Payload } from '@temporalio/common';
import { recordAccesses, type Access } from '../../db/access-log';
import { CASE_ID_PATTERN } from '../../domain/identity';
import { APPLICATION_SECTIONS } from '../../policy/types';
import { authenticate, principal, type Role } from '../auth';
import type { ApiDeps } from '../deps';
import { rateLimit } from '../rate-limit';
import { HttpError } from '../errors';
import { BEARER, Routes } from '../route-registry';
import { EncryptionCodec } from '../../runtime/codec';

// The Temporal UI's remote codec protocol (POST <endpoint>/decode and /encode with
// `{ payloads: [{ metadata, data }] }`, base64 inside): the UI in the browser asks us
// to decrypt what it shows, so only people who may read cases see them in clear.
//
// Who may: auditors and admins decode, admins encode (encoding lets a caller forge
// payloads the workflow would trust). They authenticate with the same bearer tokens
// as the API, sent either
//  - as `Authorization: Bearer <token>` (the CLI's `--codec-auth`, or the UI's "pass
//    the user access token" when the UI's own login issues our tokens), or
//  - as the `codec_token` cookie, set by opening `<endpoint>/login?token=<token>` once
//    in the browser, with the UI's "include cross-origin credentials" setting on (the
//    embedded UI has no login of its own, so it has no token to pass).

export const CODEC_COOKIE = 'codec_token';
const jsonPayload = z.object({
  metadata: z.record(z.string(), z.string().meta({ contentEncoding: 'base64' })).nullish(),
  data: z.string().nullish().meta({ contentEncoding: 'base64' }),
});
const bodySchema = z.object({ payloads: z.array(jsonPayload).max(1000) });
const payloadsSchema = z.object({ payloads: z.array(jsonPayload) });
// Read by the middleware below before anything else; declared here for the description, never refused.
const loginQuery = z.object({ token: z.string().optional().catch(undefined).meta({ description: 'a bearer token (JWT) of an auditor, when no Authorization header is sent' }) });

function cookie(req: Request, name: string): string | undefined {
  for (const part of (req.header('cookie') ?? '').split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key !== name) continue;
    try {
      return decodeURIComponent(value.join('='));
    } catch {
      throw new HttpError(401, 'unauthenticated', `the ${name} cookie is malformed; open the login link again`);
    }
  }
  return undefined;
}

/** The UI's origins: the embedded one on the dev server's UI port, plus TEMPORAL_UI_ORIGIN. */
export function uiOrigins(deps: ApiDeps): Set<string> {
  const port = deps.config.temporalPort + 1000;
  const origins = new Set([`http://127.0.0.1:${port}`, `http://localhost:${port}`]);
  for (const origin of deps.config.temporalUiOrigins) origins.add(origin);
  return origins;
}

const SECTIONS: ReadonlySet<string> = new Set(APPLICATION_SECTIONS);
const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * What decoded payloads disclose, per case: the codec protocol does not say which
 * workflow they belong to, so the case is read from the payloads themselves (the
 * case's input and its activities' inputs carry `caseId`); the sections are those of
 * an application (the case's input) or of an item's granted data (a department hand-off).
 */
export function disclosedBy(payloads: Payload[]): Map<string | null, Set<string>> {
  const reads = new Map<string | null, Set<string>>();
  for (const payload of payloads) {
    let value: unknown;
    try {
      value = Buffer.from(payload.metadata?.encoding ?? []).toString() === 'json/plain' ? JSON.parse(Buffer.from(payload.data ?? []).toString('utf8')) : undefined;
    } catch {
      value = undefined;
    }
    const values = Array.isArray(value) ? value : [value];
    for (const v of values.filter(isObject)) {
      const caseId = typeof v.caseId === 'string' && CASE_ID_PATTERN.test(v.caseId) ? v.caseId : null;
      const sections = [v.application, v.data].filter(isObject).flatMap((part) => Object.keys(part).filter((k) => SECTIONS.has(k)));
      const seen = reads.get(caseId) ?? new Set<string>();
      for (const section of sections) seen.add(section);
      reads.set(caseId, seen);
    }
  }
  if (reads.size === 0) reads.set(null, new Set());
  return reads;
}

export function codecRouter(deps: ApiDeps): Routes {
  const routes = new Routes({
    tag: { name: 'codec', description: "The Temporal UI's remote codec: payloads in clear for those who may read cases" },
    security: [BEARER, { codecCookie: [] }],
  });
  const router = routes.router;
  const codec = new EncryptionCodec(deps.config.payloadKeys);
  const origins = uiOrigins(deps);
  // Decoding shows personal data: auditors read it; administrators manage calendars, not cases.
  const readers: Role[] = ['auditor'];

  router.use((req: Request, res: Response, next: NextFunction) => {
    const origin = req.header('origin');
    if (origin && origins.has(origin)) {
      res.set({
        'access-control-allow-origin': origin,
        'access-control-allow-credentials': 'true',
        'access-control-allow-methods': 'POST, OPTIONS',
        'access-control-allow-headers': 'authorization, content-type, x-namespace',
        'access-control-max-age': '600',
      });
    }
    res.vary('origin');
    if (req.method === 'OPTIONS') {
      res.status(204).end();
      return;
    }
    // The login link carries the token in its query once; afterwards the cookie does.
    // A bearer token wins over whatever cookie comes along.
    if (!req.header('authorization')) {
      const token = req.path === '/login' && typeof req.query.token === 'string' ? req.query.token : cookie(req, CODEC_COOKIE);
      if (token) req.headers.authorization = `Bearer ${token}`;
    }
    next();
  });
  // The login link takes credentials: its attempts are counted per address before any token is checked, then per caller.
  const byAddress = rateLimit(deps, 'codec-login', ['address']);
  const byCaller = rateLimit(deps, 'codec-login', ['caller']);
  router.use((req, res, next) => (req.method === 'GET' && req.path === '/login' ? byAddress(req, res, next) : next()));
  router.use(authenticate(deps));
  router.use((req, res, next) => (req.method === 'GET' && req.path === '/login' && req.principal ? byCaller(req, res, next) : next()));

  routes.get('/login', {
    operationId: 'openCodecSession',
    summary: 'Open a codec session in the browser: sets the codec_token cookie the Temporal UI then sends (auditor, admin)',
    roles: readers,
    // The token comes in the query (or the header); the cookie is what this sets.
    security: [],
    query: loginQuery,
    responses: { 200: { description: 'the session is open; the cookie is set', contentType: 'text/plain', schema: z.string(), headers: z.object({ 'set-cookie': z.string() }) } },
  }, (req, res) => {
    const who = req.principal!;
    res
      .cookie(CODEC_COOKIE, req.header('authorization')!.replace(/^Bearer\s+/i, ''), { httpOnly: true, sameSite: 'strict', path: req.baseUrl, secure: req.secure })
      .type('text/plain')
      .send(`Codec session open for ${who.sub} (${who.role}): the Temporal UI on this host may now decrypt payloads.\n`);
  });

  async function transform(req: Request, res: Response<z.input<typeof payloadsSchema>>, payloads: z.output<typeof bodySchema>['payloads'], direction: 'decode' | 'encode') {
    let out;
    try {
      out = await codec[direction](payloads.map((p) => JSONToPayload(p)));
    } catch (err) {
      // Never the payload in the message: it may be personal data.
      throw new HttpError(400, `cannot_${direction}`, `the payloads could not be ${direction}d: ${(err as Error).message}`);
    }
    if (direction === 'decode') {
      const who = principal(req);
      const accesses: Access[] = [...disclosedBy(out)].map(([caseId, sections]) => ({ actor: who.sub, role: who.role, caseId, kind: 'codec_decode', sections: [...sections] }));
      await recordAccesses(deps.db, accesses);
    }
    res.json({ payloads: out.map((p) => payloadToJSON(p)) });
  }

  routes.post('/decode', {
    operationId: 'decodePayloads',
    summary: 'Decrypt payloads for the Temporal UI (auditor)',
    roles: readers,
    body: bodySchema,
    responses: { 200: { description: 'the payloads in clear', schema: payloadsSchema } },
    errors: { 400: 'the body is invalid (`invalid_json`, `invalid_request`), or a payload cannot be decrypted (`cannot_decode`)' },
  }, (req, res, { body }) => transform(req, res, body().payloads, 'decode'));
  routes.post('/encode', {
    operationId: 'encodePayloads',
    summary: 'Encrypt payloads (admin: encoding lets a caller forge payloads the workflow would trust)',
    roles: ['admin'],
    body: bodySchema,
    responses: { 200: { description: 'the payloads encrypted', schema: payloadsSchema } },
    errors: { 400: 'the body is invalid (`invalid_json`, `invalid_request`), or a payload cannot be encrypted (`cannot_encode`)' },
  }, (req, res, { body }) => transform(req, res, body().payloads, 'encode'));
  return routes;
}
