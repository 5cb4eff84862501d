import { z } from 'zod';
import { isValidIdNumber } from '../../policy/id-number';
import { DEPARTMENTS } from '../../policy/types';
import { ROLES, signToken, type Principal } from '../auth';
import type { ApiDeps } from '../deps';
import { Routes } from '../route-registry';

// The console's development sign-in: a token for whoever a developer or a demo needs
// to be. createApp mounts this router only when NODE_ENV is not production, so in
// production the route does not exist at all (404) and is absent from the description.

const devTokenSchema = z
  .object({
    role: z.enum(ROLES),
    sub: z.string().trim().min(1).max(64).optional().meta({ description: "who the token is for; an applicant's is their ID number (required for an applicant); default dev-<role>" }),
    department: z.enum(DEPARTMENTS).optional(),
    institution: z.string().trim().min(1).max(64).optional().meta({ description: "a case worker's office: a hospital's code (H620102001) or <department>:<division code> (police:620102)" }),
    division: z.string().regex(/^(\d{2}|\d{4}|\d{6})$/, 'must be a 2-, 4- or 6-digit division-code prefix').optional().meta({ description: "a supervisor's scope" }),
  })
  .superRefine((body, ctx) => {
    if (body.role === 'case_worker' && !body.department) ctx.addIssue({ code: 'custom', path: ['department'], message: 'is required for a case worker' });
    if (body.role === 'applicant' && !(body.sub && isValidIdNumber(body.sub.toUpperCase()))) {
      ctx.addIssue({ code: 'custom', path: ['sub'], message: "must be the applicant's 18-character resident ID number" });
    }
  });

const mintedSchema = z.object({
  token: z.string(),
  claims: z.object({ sub: z.string(), role: z.enum(ROLES), department: z.enum(DEPARTMENTS).optional(), institution: z.string().optional(), division: z.string().optional() }),
});

export function devRouter({ config }: ApiDeps): Routes {
  const routes = new Routes({ tag: { name: 'development', description: 'Development and demo aids; absent when NODE_ENV=production' } });
  routes.post('/dev/token', {
    operationId: 'mintDevToken',
    summary: 'Mint a token for a chosen role, department and institution (development sign-in; absent in production)',
    body: devTokenSchema,
    responses: { 200: { description: 'a signed token and the claims it carries', schema: mintedSchema } },
  }, async (_req, res, { body }) => {
    const { role, sub, department, institution, division } = body();
    const claims = {
      sub: role === 'applicant' ? sub!.toUpperCase() : (sub ?? `dev-${role}`),
      role,
      ...(department && { department }),
      ...(institution && { institution }),
      ...(division && { division }),
    };
    // Institution and division ride along as the token format grows to carry them (DESIGN §7).
    const principal: Principal & { institution?: string; division?: string } = claims;
    res.json({ token: await signToken(config, principal), claims });
  });
  return routes;
}
