import { randomUUID } from 'node:crypto';
import { WorkflowNotFoundError } from '@temporalio/client';
import { z } from 'zod';
import { recordAccesses } from '../../db/access-log';
import { verifyChain } from '../../db/archive';
import { buildTimeline, loadCaseHistory, type TimelineEvent } from '../../domain/history';
import { reissueEvents } from '../../domain/licences';
import { APPLICATION_SECTIONS } from '../../policy/types';
import { dataConverter } from '../../runtime/temporal';
import type { auditReplayWorkflow } from '../../workflows/audit-replay';
import { principal } from '../auth';
import type { ApiDeps } from '../deps';
import { HttpError } from '../errors';
import { Routes, sendJsonText, timestamp } from '../route-registry';
import { caseIdSchema, caseParams } from './cases';

const replaySchema = z.object({ caseIds: z.array(caseIdSchema).min(1).max(1000).optional() }).default({});
const replayParams = z.object({ replayId: z.string().regex(/^audit-replay-[0-9a-f-]{36}$/, 'not a replay ID') });
/** How long a replay request waits for the worker's answer before it answers 202. */
const REPLAY_ANSWER_MS = 10_000;

/** The promise's value, or undefined when it has not settled within `ms`. */
async function within<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((ok) => (timer = setTimeout(() => ok(undefined), ms)));
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

const timelineSchema = z.object({
  caseId: z.string(),
  source: z.enum(['archive', 'temporal']).meta({ description: 'the archive once the case closed and was archived, else the engine' }),
  events: z.array(
    z.object({
      at: timestamp,
      type: z.string(),
      item: z.string().optional(),
      actor: z.string().optional(),
      detail: z.record(z.string(), z.unknown()).optional(),
    }),
  ),
});
// Temporal's own format, passed through as it is: only its outline is described.
const rawHistorySchema = z.looseObject({ events: z.array(z.looseObject({ eventId: z.string(), eventType: z.string() })) });
const replayReportSchema = z.object({ replayed: z.number().int(), failures: z.array(z.object({ caseId: z.string(), error: z.string() })) });
const replayRunningSchema = z.object({ replayId: z.string(), status: z.literal('running') });
const location = z.object({ Location: z.string().meta({ description: 'where to ask for the report: /api/audit/replays/{replayId}' }) });
const chainSchema = z.object({
  ok: z.boolean(),
  entries: z.number().int(),
  head: z.string().meta({ description: 'digest of the newest entry: record it elsewhere to notice removals at the end too' }),
  firstBroken: z.object({ seq: z.number().int(), caseId: z.string(), reason: z.string() }).optional(),
});

export const auditTag = { name: 'audit', description: "Auditors: a case's durable history, the archive's digest chain, and replays against today's code" };

/**
 * The workflow's events with the licence store's (reissues after the case closed, see
 * domain/licences.ts `reissueEvents`): each of the latter after the last event not later than it.
 */
function merged(events: TimelineEvent[], later: TimelineEvent[]): TimelineEvent[] {
  const out = [...events];
  for (const event of later) {
    let at = out.length;
    while (at > 0 && out[at - 1].at > event.at) at--;
    out.splice(at, 0, event);
  }
  return out;
}

/** Auditors: what happened in a case, from its durable history, and whether today's code still agrees. */
export function auditRouter(deps: ApiDeps): Routes {
  const { client, db, config } = deps;
  const routes = new Routes({ tag: auditTag });
  const converter = dataConverter(config);

  async function history(caseId: string) {
    const found = await loadCaseHistory(client, db, caseId);
    if (!found) throw new HttpError(404, 'not_found', 'no such case');
    return found;
  }

  routes.get('/cases/:caseId/history', {
    operationId: 'getCaseTimeline',
    summary: 'What happened in a case, from its durable history, live or archived',
    roles: ['auditor'],
    params: caseParams,
    responses: { 200: { description: 'the events of the case, oldest first', schema: timelineSchema } },
    errors: { 404: 'no such case (`not_found`)' },
  }, async (_req, res, { params }) => {
    const found = await history(params.caseId);
    const events = await buildTimeline(found.history, converter);
    res.json({ caseId: found.caseId, source: found.source, events: merged(events, await reissueEvents(db, params.caseId)) });
  });

  // Byte for byte what was archived (or what the engine holds now): what the CLI and the replayer accept.
  routes.get('/cases/:caseId/history/raw', {
    operationId: 'getCaseHistory',
    summary: 'The Temporal history of a case, as the CLI and the replayer read it',
    roles: ['auditor'],
    params: caseParams,
    responses: { 200: { description: 'the history JSON, byte for byte as archived (or as the engine holds it)', schema: rawHistorySchema } },
    errors: { 404: 'no such case (`not_found`)' },
  }, async (req, res, { params }) => {
    const found = await history(params.caseId);
    const who = principal(req);
    // The whole application travels in it (encrypted; the codec opens it): every section counts as read.
    await recordAccesses(db, [{ actor: who.sub, role: who.role, caseId: params.caseId, kind: 'raw_history', sections: APPLICATION_SECTIONS }]);
    sendJsonText(res, found.json);
  });

  routes.post('/audit/replay', {
    operationId: 'replayCases',
    summary: "Replay archived cases (default: every closed case) against today's workflow code",
    description: 'A worker replays, against the workflow code it runs: the API starts an auditReplayWorkflow and waits up to 10 s for its report, then answers 202 with where to ask again.',
    roles: ['auditor'],
    body: replaySchema,
    responses: {
      200: { description: 'how many cases replayed, and why each failure failed', schema: replayReportSchema },
      202: { description: 'the replay goes on in a worker; ask its Location later', schema: replayRunningSchema, headers: location },
    },
  }, async (_req, res, { body }) => {
    const { caseIds } = body();
    const replayId = `audit-replay-${randomUUID()}`;
    const handle = await client.workflow.start<typeof auditReplayWorkflow>('auditReplayWorkflow', { taskQueue: config.taskQueue, workflowId: replayId, args: [{ caseIds }] });
    const report = await within(handle.result(), REPLAY_ANSWER_MS);
    if (report) {
      deps.logger.info({ replayId, replayed: report.replayed, failures: report.failures.length }, 'audit replay');
      res.json(report);
      return;
    }
    // A long replay (or no worker at the moment) goes on; the auditor asks again later.
    res.status(202).location(`/api/audit/replays/${replayId}`).json({ replayId, status: 'running' });
  });

  routes.get('/audit/replays/:replayId', {
    operationId: 'getReplay',
    summary: 'The report of a replay that took longer than its request',
    roles: ['auditor'],
    params: replayParams,
    responses: {
      200: { description: 'the replay is done: its report', schema: replayReportSchema.extend({ replayId: z.string(), status: z.literal('completed') }) },
      202: { description: 'the replay still runs', schema: replayRunningSchema },
    },
    errors: { 404: 'no such replay (`not_found`)', 409: 'the replay ended without a report (`replay_failed`)' },
  }, async (_req, res, { params }) => {
    const handle = client.workflow.getHandle<typeof auditReplayWorkflow>(params.replayId);
    const status = await handle.describe().then(
      (d) => d.status.name,
      (err) => {
        if (err instanceof WorkflowNotFoundError) throw new HttpError(404, 'not_found', 'no such replay');
        throw err;
      },
    );
    if (status === 'RUNNING') {
      res.status(202).json({ replayId: params.replayId, status: 'running' });
      return;
    }
    if (status !== 'COMPLETED') throw new HttpError(409, 'replay_failed', `the replay ended ${status.toLowerCase()}`);
    res.json({ replayId: params.replayId, status: 'completed', ...(await handle.result()) });
  });

  routes.get('/audit/verify', {
    operationId: 'verifyArchive',
    summary: "Recompute the archive's digest chain and name the first link that does not hold",
    roles: ['auditor'],
    responses: { 200: { description: 'whether the chain holds', schema: chainSchema } },
  }, async (_req, res) => {
    res.json(await verifyChain(db));
  });

  return routes;
}
