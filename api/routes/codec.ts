import { Router, type NextFunction, type Request, type Response } from 'express';
import { JSONToPayload, payloadToJSON } from '@temporalio/common/lib/proto-utils';
import { z } from 'zod';
import { authenticate, requireRole, type Role } from '../auth';
import type { ApiDeps } from '../deps';
import { HttpError, parse } from '../errors';
import { EncryptionCodec } from '../../worker/codec';

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

const COOKIE = 'codec_token';
const jsonPayload = z.object({ metadata: z.record(z.string(), z.string()).nullish(), data: z.string().nullish() });
const bodySchema = z.object({ payloads: z.array(jsonPayload).max(1000) });

function cookie(req: Request, name: string): string | undefined {
  for (const part of (req.header('cookie') ?? '').split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key === name) return decodeURIComponent(value.join('='));
  }
  return undefined;
}

/** The UI's origins: the embedded one on the dev server's UI port, plus TEMPORAL_UI_ORIGIN. */
export function uiOrigins(deps: ApiDeps): Set<string> {
  const port = deps.config.temporalPort + 1000;
  const origins = new Set([`http://127.0.0.1:${port}`, `http://localhost:${port}`]);
  for (const origin of (process.env.TEMPORAL_UI_ORIGIN ?? '').split(',')) if (origin.trim()) origins.add(origin.trim().replace(/\/$/, ''));
  return origins;
}

export function codecRouter(deps: ApiDeps): Router {
  const router = Router();
  const codec = new EncryptionCodec(deps.config.payloadKeys);
  const origins = uiOrigins(deps);
  const readers: Role[] = ['auditor', 'admin'];

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
    const token = req.path === '/login' && typeof req.query.token === 'string' ? req.query.token : cookie(req, COOKIE);
    if (!req.header('authorization') && token) req.headers.authorization = `Bearer ${token}`;
    next();
  });
  router.use(authenticate(deps.config.authSecret));

  router.get('/login', requireRole(...readers), (req, res) => {
    const who = req.principal!;
    res
      .cookie(COOKIE, req.header('authorization')!.replace(/^Bearer\s+/i, ''), { httpOnly: true, sameSite: 'strict', path: req.baseUrl, secure: req.secure })
      .type('text/plain')
      .send(`Codec session open for ${who.sub} (${who.role}): the Temporal UI on this host may now decrypt payloads.\n`);
  });

  async function transform(req: Request, res: Response, direction: 'decode' | 'encode') {
    const { payloads } = parse(bodySchema, req.body ?? {});
    let out;
    try {
      out = await codec[direction](payloads.map((p) => JSONToPayload(p)));
    } catch (err) {
      // Never the payload in the message: it may be personal data.
      throw new HttpError(400, `cannot_${direction}`, `the payloads could not be ${direction}d: ${(err as Error).message}`);
    }
    res.json({ payloads: out.map((p) => payloadToJSON(p)) });
  }

  router.post('/decode', requireRole(...readers), (req, res) => transform(req, res, 'decode'));
  router.post('/encode', requireRole('admin'), (req, res) => transform(req, res, 'encode'));
  return router;
}
