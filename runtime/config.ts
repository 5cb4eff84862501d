import { availableParallelism } from 'node:os';
import { z } from 'zod';

// Development fallbacks: usable on a laptop, refused in production.
const DEV_AUTH_SECRET = 'dev-only-auth-secret-change-me-0123456789';
/** Shared with the simulator's carrier in development; a real carrier is given its own. */
export const DEV_CARRIER_SECRET = 'dev-only-carrier-secret-change-me-0123456789';
const DEV_PAYLOAD_KEY = 'GsIogkFBrpzYuk7wQKRtmvXugE4kyUdXemo7WV8es/w='; // 32 bytes, base64
const DEV_ID_HASH_KEY = 'dev-only-id-hash-key';

const port = z.coerce.number().int().min(1).max(65535);
const UNIT_SECONDS = { s: 1, m: 60, h: 3600, d: 86_400 } as const;
/** `30m`, `12h`, `1d`: a lifetime, in seconds. */
export const duration = z
  .string()
  .regex(/^\d+[smhd]$/, 'must be a number with s, m, h or d, e.g. 12h')
  .transform((v) => Number(v.slice(0, -1)) * UNIT_SECONDS[v.slice(-1) as keyof typeof UNIT_SECONDS])
  .refine((s) => s > 0, 'must be longer than nothing');
const count = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

const envSchema = z
  .object({
    NODE_ENV: z.string().default('development'),
    PORT: port.default(3000),
    /** Interface the API binds; loopback unless the operator opens it on purpose. */
    HOST: z.string().min(1).default('127.0.0.1'),
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
    /** Key of the HMAC-SHA256 that signs the carrier's parcel events (POST /api/logistics/events). */
    CARRIER_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
    SLA_DAY_SECONDS: z.coerce.number().positive().optional(),
    /** Close of office hours (Asia/Shanghai): working-day deadlines fall at this time. */
    OFFICE_CLOSE: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:MM (24-hour)').default('17:30'),
    DEPARTMENTS_URL: z.string().url().optional(),
    SIMULATOR_PORT: port.default(4000),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']).default('info'),
    /** Force JSON log lines even on a terminal (log shippers). */
    LOG_JSON: z.enum(['0', '1', 'true', 'false']).optional(),
    /** Extra origins (comma-separated) of a Temporal UI allowed to call the codec endpoint. */
    TEMPORAL_UI_ORIGIN: z.string().optional(),
    /** Longest an update request (decision, supplement, withdrawal, claim) waits for its case before answering 202 with where to look. */
    UPDATE_WAIT_SECONDS: z.coerce.number().positive().max(120).default(10),
    /** Longest `POST /api/cases` waits for Temporal to start the case before answering 503 with Retry-After. */
    START_WAIT_SECONDS: z.coerce.number().positive().max(120).default(5),
    /** How often the worker archives the histories of cases closed since its last sweep. */
    ARCHIVE_INTERVAL_SECONDS: z.coerce.number().positive().default(15),
    /** Tokens name who issued them and for whom; both are checked. */
    TOKEN_ISSUER: z.string().min(1).default('newborn-one-thing'),
    TOKEN_AUDIENCE: z.string().min(1).default('newborn-one-thing'),
    /** Longest lifetime (exp - iat) a token may have, e.g. 30m, 12h: a leaked token is useful for that long at most. */
    TOKEN_MAX_LIFETIME: duration.prefault('12h'),
    /** Clock difference tolerated between the machine that signed a token and this one. */
    TOKEN_CLOCK_TOLERANCE_SECONDS: z.coerce.number().int().min(0).max(300).default(30),
    /** How stale this instance's copy of the revocation list may be. */
    REVOCATION_CACHE_SECONDS: z.coerce.number().min(0).max(60).default(5),
    /** Requests per window on the expensive and sign-in-like routes, per caller and per address (0 turns a limit off). */
    RATE_LIMIT_WINDOW_SECONDS: z.coerce.number().int().min(1).max(86_400).default(60),
    RATE_LIMIT_PER_CALLER: z.coerce.number().int().min(0).default(30),
    RATE_LIMIT_PER_ADDRESS: z.coerce.number().int().min(0).default(300),
    /** Express `trust proxy`: unset trusts no proxy (the address is the socket's); a hop count, or addresses/subnets. */
    TRUST_PROXY: z.string().min(1).optional(),
    // Worker limits (README, "Configuration"). The cache is what bounds the worker's
    // memory: about 0.5 MiB of RSS per cached case was measured (bench/pipeline.ts) over a
    // warm worker of ~430 MiB, and a province keeps ~100,000 cases open for weeks, so an
    // unbounded (heap-sized) cache would grow past 1 GiB; 1000 would come within 10 % of it.
    // With reviews taking days a case's next task rarely finds it cached at that scale
    // anyway: uncached cases are replayed from their history (~50 ms) when it comes.
    WORKER_MAX_CACHED_WORKFLOWS: count(0, 100_000).default(500),
    WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: count(2, 10_000).default(40),
    WORKER_MAX_CONCURRENT_ACTIVITIES: count(1, 10_000).default(100),
    WORKER_MAX_CONCURRENT_LOCAL_ACTIVITIES: count(1, 10_000).default(100),
    WORKER_STICKY_QUEUE_TIMEOUT_SECONDS: z.coerce.number().positive().default(10),
    /** Replayers run side by side by `npm run audit:replay` and the replay activity. */
    REPLAY_PARALLELISM: count(1, 256).optional(),
    /** Port (on HOST) of the Temporal SDK's Prometheus exporter in a process that runs a worker; 0 = none. */
    SDK_METRICS_PORT: z.coerce.number().int().min(0).max(65535).default(9464),
    // The production Temporal server started by `npm run temporal:server` (README,
    // "Scaling out onto a Temporal cluster"). Its frontend listens on TEMPORAL_PORT.
    TEMPORAL_HISTORY_SHARDS: count(1, 16_384).default(4),
    TEMPORAL_RETENTION_DAYS: count(1, 36_500).default(30),
    TEMPORAL_DATABASE: z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/, 'must be a plain PostgreSQL name').default('temporal'),
    TEMPORAL_VISIBILITY_DATABASE: z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/, 'must be a plain PostgreSQL name').default('temporal_visibility'),
  })
  .superRefine((env, ctx) => {
    if (env.WORKER_MAX_CACHED_WORKFLOWS > 0 && env.WORKER_MAX_CONCURRENT_WORKFLOW_TASKS > env.WORKER_MAX_CACHED_WORKFLOWS) {
      // The SDK refuses such a worker: a task in progress holds its case in the cache.
      ctx.addIssue({ code: 'custom', path: ['WORKER_MAX_CONCURRENT_WORKFLOW_TASKS'], message: 'must not exceed WORKER_MAX_CACHED_WORKFLOWS (unless that is 0)' });
    }
    if (env.NODE_ENV !== 'production') return;
    for (const key of ['AUTH_SECRET', 'PAYLOAD_KEY', 'ID_HASH_KEY', 'CARRIER_SECRET'] as const) {
      if (!env[key]) ctx.addIssue({ code: 'custom', path: [key], message: 'required when NODE_ENV=production' });
    }
  });

export interface Config {
  nodeEnv: string;
  port: number;
  host: string;
  temporalAddress?: string;
  temporalPort: number;
  namespace: string;
  taskQueue: string;
  databaseUrl: string;
  dataDir: string;
  authSecret: string;
  /** HMAC key of the carrier's parcel events. */
  carrierSecret: string;
  payloadKeys: { id: string; key: Buffer }[];
  idHashKey: string;
  slaDaySeconds?: number;
  officeClose: string;
  departmentsUrl: string;
  /** Whether DEPARTMENTS_URL names a real gateway (then no simulator is started). */
  departmentsUrlSet: boolean;
  simulatorPort: number;
  logLevel: string;
  logJson: boolean;
  temporalUiOrigins: string[];
  archiveIntervalSeconds: number;
  /** UPDATE_WAIT_SECONDS, in ms. */
  updateWaitMs: number;
  /** START_WAIT_SECONDS, in ms. */
  startWaitMs: number;
  tokenIssuer: string;
  tokenAudience: string;
  tokenMaxLifetimeSeconds: number;
  tokenClockToleranceSeconds: number;
  revocationCacheSeconds: number;
  rateLimit: { windowSeconds: number; perCaller: number; perAddress: number };
  /** Express `trust proxy` setting. */
  trustProxy: boolean | number | string;
  /** Limits applied to every case worker (Worker.create options of the same names). */
  worker: {
    maxCachedWorkflows: number;
    maxConcurrentWorkflowTaskExecutions: number;
    maxConcurrentActivityTaskExecutions: number;
    maxConcurrentLocalActivityExecutions: number;
    stickyQueueScheduleToStartTimeoutMs: number;
  };
  replayParallelism: number;
  /** 0 when the SDK's exporter is off. */
  sdkMetricsPort: number;
  temporalServer: { historyShards: number; retentionDays: number; database: string; visibilityDatabase: string };
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

function trustProxy(value: string | undefined): boolean | number | string {
  if (value === undefined || value === 'false') return false;
  if (value === 'true') return true;
  return /^\d+$/.test(value) ? Number(value) : value;
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
    host: e.HOST,
    temporalAddress: e.TEMPORAL_ADDRESS,
    temporalPort: e.TEMPORAL_PORT,
    namespace: e.TEMPORAL_NAMESPACE,
    taskQueue: e.TEMPORAL_TASK_QUEUE,
    databaseUrl: e.DATABASE_URL,
    dataDir: e.DATA_DIR,
    authSecret: fallback('AUTH_SECRET', e.AUTH_SECRET, DEV_AUTH_SECRET),
    payloadKeys: parsePayloadKeys(fallback('PAYLOAD_KEY', e.PAYLOAD_KEY, `dev:${DEV_PAYLOAD_KEY}`)),
    idHashKey: fallback('ID_HASH_KEY', e.ID_HASH_KEY, DEV_ID_HASH_KEY),
    carrierSecret: fallback('CARRIER_SECRET', e.CARRIER_SECRET, DEV_CARRIER_SECRET),
    slaDaySeconds: e.SLA_DAY_SECONDS,
    officeClose: e.OFFICE_CLOSE,
    departmentsUrl: e.DEPARTMENTS_URL ?? `http://127.0.0.1:${e.SIMULATOR_PORT}`,
    departmentsUrlSet: e.DEPARTMENTS_URL !== undefined,
    simulatorPort: e.SIMULATOR_PORT,
    logLevel: e.LOG_LEVEL,
    logJson: e.LOG_JSON === '1' || e.LOG_JSON === 'true',
    temporalUiOrigins: (e.TEMPORAL_UI_ORIGIN ?? '')
      .split(',')
      .map((o) => o.trim().replace(/\/$/, ''))
      .filter(Boolean),
    archiveIntervalSeconds: e.ARCHIVE_INTERVAL_SECONDS,
    updateWaitMs: Math.round(e.UPDATE_WAIT_SECONDS * 1000),
    startWaitMs: Math.round(e.START_WAIT_SECONDS * 1000),
    tokenIssuer: e.TOKEN_ISSUER,
    tokenAudience: e.TOKEN_AUDIENCE,
    tokenMaxLifetimeSeconds: e.TOKEN_MAX_LIFETIME,
    tokenClockToleranceSeconds: e.TOKEN_CLOCK_TOLERANCE_SECONDS,
    revocationCacheSeconds: e.REVOCATION_CACHE_SECONDS,
    rateLimit: { windowSeconds: e.RATE_LIMIT_WINDOW_SECONDS, perCaller: e.RATE_LIMIT_PER_CALLER, perAddress: e.RATE_LIMIT_PER_ADDRESS },
    trustProxy: trustProxy(e.TRUST_PROXY),
    worker: {
      maxCachedWorkflows: e.WORKER_MAX_CACHED_WORKFLOWS,
      maxConcurrentWorkflowTaskExecutions: e.WORKER_MAX_CONCURRENT_WORKFLOW_TASKS,
      maxConcurrentActivityTaskExecutions: e.WORKER_MAX_CONCURRENT_ACTIVITIES,
      maxConcurrentLocalActivityExecutions: e.WORKER_MAX_CONCURRENT_LOCAL_ACTIVITIES,
      stickyQueueScheduleToStartTimeoutMs: Math.round(e.WORKER_STICKY_QUEUE_TIMEOUT_SECONDS * 1000),
    },
    replayParallelism: e.REPLAY_PARALLELISM ?? availableParallelism(),
    sdkMetricsPort: e.SDK_METRICS_PORT,
    temporalServer: {
      historyShards: e.TEMPORAL_HISTORY_SHARDS,
      retentionDays: e.TEMPORAL_RETENTION_DAYS,
      database: e.TEMPORAL_DATABASE,
      visibilityDatabase: e.TEMPORAL_VISIBILITY_DATABASE,
    },
    devDefaults,
  };
}

/** Says, once per process, which settings fell back to development defaults. */
export function warnDevDefaults(config: Config, warn: (message: string) => void): void {
  for (const name of config.devDefaults) warn(`${name} is not set: using a development default (refused when NODE_ENV=production)`);
  if (config.host !== '127.0.0.1' && config.host !== 'localhost' && config.host !== '::1' && config.devDefaults.includes('AUTH_SECRET')) {
    warn(`the API listens on ${config.host} with the development AUTH_SECRET: anyone who reaches it can mint tokens`);
  }
}
