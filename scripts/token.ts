import { parseArgs } from 'node:util';
import { ROLES, signToken, type Role } from '../api/auth';
import { DEPARTMENTS, type Department } from '../policy/types';
import { loadConfig } from '../worker/config';

// npm run token -- --role case_worker --department police [--sub W001] [--expires 12h]
async function main() {
  const { values } = parseArgs({ options: { role: { type: 'string' }, department: { type: 'string' }, sub: { type: 'string' }, expires: { type: 'string', default: '12h' } } });
  const role = values.role as Role;
  if (!ROLES.includes(role)) throw new Error(`--role must be one of ${ROLES.join(', ')}`);
  const department = values.department as Department | undefined;
  if (department && !DEPARTMENTS.includes(department)) throw new Error(`--department must be one of ${DEPARTMENTS.join(', ')}`);
  if (role === 'case_worker' && !department) throw new Error('a case worker needs --department');
  const sub = values.sub ?? `${role}-${department ?? 'all'}`;
  process.stdout.write(`${await signToken(loadConfig().authSecret, { sub, role, department }, values.expires)}\n`);
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
