import { Router, type Request } from 'express';
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { z } from 'zod';
import { verifyChain } from '../../db/archive';
import { buildTimeline, loadCaseHistory } from '../../worker/history';
import { replayCases } from '../../worker/replay';
import { dataConverter } from '../../worker/temporal';
import { bundleWorkflows } from '../../worker/worker';
import { requireRole } from '../auth';
import type { ApiDeps } from '../deps';
import { HttpError, parse } from '../errors';
import { caseIdSchema } from './cases';

const replaySchema = z.object({ caseIds: z.array(caseIdSchema).min(1).max(1000).optional() }).default({});

/** Auditors: what happened in a case, from its durable history, and whether today's code still agrees. */
export function auditRouter(deps: ApiDeps): Router {
  const { client, db, config } = deps;
  const router = Router();
  const converter = dataConverter(config);
  let bundle: Promise<WorkflowBundleWithSourceMap> | undefined = deps.workflowBundle;

  async function history(req: Request) {
    const caseId = parse(caseIdSchema, req.params.caseId, 'caseId');
    const found = await loadCaseHistory(client, db, caseId);
    if (!found) throw new HttpError(404, 'not_found', 'no such case');
    return found;
  }

  router.get('/cases/:caseId/history', requireRole('auditor'), async (req, res) => {
    const found = await history(req);
    res.json({ caseId: found.caseId, source: found.source, events: await buildTimeline(found.history, converter) });
  });

  // Byte for byte what was archived (or what the engine holds now): what the CLI and the replayer accept.
  router.get('/cases/:caseId/history/raw', requireRole('auditor'), async (req, res) => {
    const found = await history(req);
    res.type('application/json').send(found.json);
  });

  router.post('/audit/replay', requireRole('auditor'), async (req, res) => {
    const { caseIds } = parse(replaySchema, req.body ?? {});
    // Bundled once per process, on the first replay, unless the worker's bundle was handed over.
    bundle ??= bundleWorkflows().catch((err) => {
      bundle = undefined;
      throw err;
    });
    const started = Date.now();
    const report = await replayCases({ client, db, config, bundle: await bundle, caseIds });
    deps.logger.info({ replayed: report.replayed, failures: report.failures.length, ms: Date.now() - started }, 'audit replay');
    res.json(report);
  });

  router.get('/audit/verify', requireRole('auditor'), async (_req, res) => {
    res.json(await verifyChain(db));
  });

  return router;
}
