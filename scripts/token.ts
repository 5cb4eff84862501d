import { decodeJwt } from 'jose';
import { ROLES, signToken, type Role } from '../api/auth';
import { DIVISION_PREFIX, institutionFitsDepartment } from '../policy/routing';
import { DEPARTMENTS, type Department } from '../policy/types';
import { duration, loadConfig } from '../runtime/config';
import { fail, parseCli, run } from './cli';

const USAGE = `
npm run -s token -- --role ROLE [--department DEPARTMENT] [--institution OFFICE] [--division PREFIX] [--sub SUBJECT] [--expires 12h]

Prints a signed API token (HS256 with AUTH_SECRET, issuer TOKEN_ISSUER, audience
TOKEN_AUDIENCE) on stdout, and its jti (to revoke it by) and expiry on stderr.
  --role         ${ROLES.join(' | ')}
  --department   ${DEPARTMENTS.join(' | ')} (required for case_worker; narrows a supervisor)
  --institution  a case worker's office (required for case_worker): the hospital's code
                 (e.g. H620102001), or <department>:<division code> (e.g. police:620102)
  --division     narrows a supervisor to a province, city or county (2, 4 or 6 digits)
  --sub          the subject: a staff ID, or for an applicant their ID number
  --expires      lifetime, e.g. 30m, 12h (default 12h, at most TOKEN_MAX_LIFETIME)
`;

run(async () => {
  const values = parseCli(USAGE, {
    role: { type: 'string' },
    department: { type: 'string' },
    institution: { type: 'string' },
    division: { type: 'string' },
    sub: { type: 'string' },
    expires: { type: 'string' },
  });
  const role = values.role as Role;
  if (!ROLES.includes(role)) fail(USAGE, `--role must be one of ${ROLES.join(', ')}`);
  const department = values.department as Department | undefined;
  if (department && !DEPARTMENTS.includes(department)) fail(USAGE, `--department must be one of ${DEPARTMENTS.join(', ')}`);
  if (role === 'case_worker' && !department) fail(USAGE, 'a case worker needs --department');
  const { institution, division } = values;
  if (role === 'case_worker' && !institution) fail(USAGE, 'a case worker needs --institution, the office they work for');
  if (institution && (role !== 'case_worker' || !department || !institutionFitsDepartment(department, institution))) {
    fail(USAGE, role === 'case_worker' ? `--institution must be ${department === 'hospital' ? "a hospital's code" : `${department}:<6-digit division code>`}` : '--institution is for case workers');
  }
  if (division && (role !== 'supervisor' || !DIVISION_PREFIX.test(division))) fail(USAGE, role === 'supervisor' ? '--division must be 2, 4 or 6 digits' : '--division is for supervisors');
  const config = loadConfig();
  let lifetime: number | undefined;
  if (values.expires !== undefined) {
    const parsed = duration.safeParse(values.expires);
    if (!parsed.success) fail(USAGE, '--expires must be a number with s, m, h or d, e.g. 12h');
    lifetime = parsed.data;
    if (lifetime > config.tokenMaxLifetimeSeconds) fail(USAGE, `--expires may be at most TOKEN_MAX_LIFETIME (${config.tokenMaxLifetimeSeconds} s)`);
  }
  const sub = values.sub ?? `${role}-${institution ?? department ?? 'all'}`;
  const token = await signToken(config, { sub, role, department, institution, division }, lifetime);
  const { jti, exp } = decodeJwt(token);
  process.stdout.write(`${token}\n`);
  process.stderr.write(`jti ${jti}, expires ${new Date(exp! * 1000).toISOString()}\n`);
});
