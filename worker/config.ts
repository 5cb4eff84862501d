import { z } from 'zod';

// Development fallbacks: usable on a laptop, refused in production.
const DEV_AUTH_SECRET = 'dev-only-auth-secret-change-me-0123456789';
const DEV_PAYLOAD_KEY = 'GsIogkFBrpzYuk7wQKRtmvXugE4kyUdXemo7WV8es/w='; // 32 bytes, base64
const DEV_ID_HASH_KEY = 'dev-only-id-hash-key';

const port = z.coerce.number().int().min(1).max(65535);

const envSchema = z
  .object({
    NODE_ENV: z.string().default('development'),
    PORT: port.default(3000),
    TEMPORAL_ADDRESS: z.string().min(1).optional(),
    TEMPORAL_PORT: port.default(7233),
    TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
    TEMPORAL_TASK_QUEUE: z.string().min(1).default('newborn-cases'),
    DATABASE_URL: z.string().url().default('postgres://postgres@127.0.0.1:5432/newborn'),
    DATA_DIR: z.string().min(1).default('.data'),
    AUTH_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
    /** Comma-separated `id:base64key` pairs, newest first; or one bare base64 key. */
    PAYLOAD_KEY: z.string().min(1).optional(),
    /** Key of the HMAC that turns ID numbers into workflow IDs and read-model keys. */
    ID_HASH_KEY: z.string().min(16).optional(),
    SLA_DAY_SECONDS: z.coerce.number().positive().optional(),
    /** Close of office hours (Asia/Shanghai): working-day deadlines fall at this time. */
    OFFICE_CLOSE: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:MM (24-hour)').default('17:30'),
    DEPARTMENTS_URL: z.string().url().optional(),
    SIMULATOR_PORT: port.default(4000),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']).default('info'),
    /** How often the worker archives the histories of cases closed since its last sweep. */
    ARCHIVE_INTERVAL_SECONDS: z.coerce.number().positive().default(60),
  })
  .superRefine((env, ctx) => {
    if (env.NODE_ENV !== 'production') return;
    for (const key of ['AUTH_SECRET', 'PAYLOAD_KEY', 'ID_HASH_KEY'] as const) {
      if (!env[key]) ctx.addIssue({ code: 'custom', path: [key], message: 'required when NODE_ENV=production' });
    }
  });

export interface Config {
  nodeEnv: string;
  port: number;
  temporalAddress?: string;
  temporalPort: number;
  namespace: string;
  taskQueue: string;
  databaseUrl: string;
  dataDir: string;
  authSecret: string;
  payloadKeys: { id: string; key: Buffer }[];
  idHashKey: string;
  slaDaySeconds?: number;
  officeClose: string;
  departmentsUrl: string;
  simulatorPort: number;
  logLevel: string;
  archiveIntervalSeconds: number;
  /** Names of settings that fell back to development defaults. */
  devDefaults: string[];
}

export function parsePayloadKeys(spec: string): { id: string; key: Buffer }[] {
  return spec.split(',').map((entry, i) => {
    const [id, b64] = entry.includes(':') ? entry.split(':', 2) : [`k${i + 1}`, entry];
    const key = Buffer.from(b64.trim(), 'base64');
    if (key.length !== 32) throw new Error(`PAYLOAD_KEY: key "${id}" must be 32 bytes of base64 (AES-256)`);
    return { id: id.trim(), key };
  });
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new Error(`invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  const devDefaults: string[] = [];
  const fallback = (name: string, value: string | undefined, dev: string) => {
    if (value) return value;
    devDefaults.push(name);
    return dev;
  };
  return {
    nodeEnv: e.NODE_ENV,
    port: e.PORT,
    temporalAddress: e.TEMPORAL_ADDRESS,
    temporalPort: e.TEMPORAL_PORT,
    namespace: e.TEMPORAL_NAMESPACE,
    taskQueue: e.TEMPORAL_TASK_QUEUE,
    databaseUrl: e.DATABASE_URL,
    dataDir: e.DATA_DIR,
    authSecret: fallback('AUTH_SECRET', e.AUTH_SECRET, DEV_AUTH_SECRET),
    payloadKeys: parsePayloadKeys(fallback('PAYLOAD_KEY', e.PAYLOAD_KEY, `dev:${DEV_PAYLOAD_KEY}`)),
    idHashKey: fallback('ID_HASH_KEY', e.ID_HASH_KEY, DEV_ID_HASH_KEY),
    slaDaySeconds: e.SLA_DAY_SECONDS,
    officeClose: e.OFFICE_CLOSE,
    departmentsUrl: e.DEPARTMENTS_URL ?? `http://127.0.0.1:${e.SIMULATOR_PORT}`,
    simulatorPort: e.SIMULATOR_PORT,
    logLevel: e.LOG_LEVEL,
    archiveIntervalSeconds: e.ARCHIVE_INTERVAL_SECONDS,
    devDefaults,
  };
}
