import type { Client, WorkflowExecutionInfo } from '@temporalio/client';
import { decodeFromPayloadsAtIndex } from '@temporalio/common/lib/internal-non-workflow';
import { historyToJSON, type History } from '@temporalio/common/lib/proto-utils';
import type { Logger } from 'pino';
import { archiveHistory, archivedCaseIds } from '../db/archive';
import type { Db } from '../db/client';
import { WORKFLOW_TYPE, type CaseView } from '../workflows/messages';
import { caseStatusKey } from '../workflows/search-attributes';

// Closed cases' histories go to PostgreSQL before the engine's retention deletes
// them. Nothing reacts to a case closing: a sweeper asks the engine which cases are
// closed and archives those not archived yet, so cases that closed while no worker
// ran are caught at the next sweep all the same.

export interface SweepResult {
  archived: string[];
  /** Closed cases listed that were archived already. */
  skipped: number;
  failures: { caseId: string; error: string }[];
}

/**
 * How the case ended, in its own words (`withdrawn`, `ineligible`, ...): the CaseStatus
 * the workflow set as it closed, else the status in its result. A workflow that did not
 * close itself (terminated, failed, timed out) never reached a status of its own: the
 * engine's status, lower case, says what happened.
 */
async function caseStatusOf(client: Client, w: WorkflowExecutionInfo, history: History): Promise<string> {
  if (w.status.name !== 'COMPLETED') return w.status.name.toLowerCase();
  const attribute = w.typedSearchAttributes.get(caseStatusKey);
  if (attribute && attribute !== 'in_progress') return attribute;
  const completed = history.events?.at(-1)?.workflowExecutionCompletedEventAttributes;
  const result = await decodeFromPayloadsAtIndex<CaseView>(client.options.loadedDataConverter, 0, completed?.result?.payloads);
  return result.status;
}

const CLOSED = `WorkflowType = '${WORKFLOW_TYPE}' AND ExecutionStatus != 'Running'`;

/**
 * One sweep. `closedSince` narrows the listing to recently closed cases (the periodic
 * sweeps); without it every closed case is listed (the sweep at start).
 */
export async function sweepClosedCases(client: Client, db: Db, options: { closedSince?: Date; batchSize?: number } = {}): Promise<SweepResult> {
  const query = options.closedSince ? `${CLOSED} AND CloseTime >= '${options.closedSince.toISOString()}'` : CLOSED;
  const result: SweepResult = { archived: [], skipped: 0, failures: [] };
  let batch: WorkflowExecutionInfo[] = [];
  const flush = async () => {
    const done = await archivedCaseIds(db, batch.map((w) => w.workflowId));
    for (const w of batch) {
      if (done.has(w.workflowId)) {
        result.skipped++;
        continue;
      }
      try {
        const history = await client.workflow.getHandle(w.workflowId, w.runId).fetchHistory();
        const status = await caseStatusOf(client, w, history);
        const entry = await archiveHistory(db, { caseId: w.workflowId, runId: w.runId, status, closedAt: w.closeTime ?? new Date(), history: historyToJSON(history) });
        if (entry) result.archived.push(w.workflowId);
        else result.skipped++; // another archiver was quicker
      } catch (err) {
        result.failures.push({ caseId: w.workflowId, error: (err as Error).message });
      }
    }
    batch = [];
  };
  for await (const w of client.workflow.list({ query })) {
    batch.push(w);
    if (batch.length >= (options.batchSize ?? 100)) await flush();
  }
  await flush();
  return result;
}

export interface Archiver {
  /** Runs a sweep now (after the one in progress, if any) and returns its result. */
  sweep(): Promise<SweepResult>;
  stop(): Promise<void>;
}

/**
 * Sweeps at start (every closed case) and then every `intervalMs` (cases closed since
 * shortly before the previous sweep: the overlap covers visibility lag).
 */
export function startArchiver(client: Client, db: Db, logger: Logger, options: { intervalMs: number; overlapMs?: number }): Archiver {
  let since: Date | undefined;
  let running: Promise<SweepResult> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  const sweepOnce = async (): Promise<SweepResult> => {
    const startedAt = Date.now();
    const result = await sweepClosedCases(client, db, { closedSince: since });
    // A sweep with failures is repeated in full next time, so no case is left behind.
    since = result.failures.length === 0 ? new Date(startedAt - (options.overlapMs ?? 10 * 60_000)) : undefined;
    if (result.archived.length > 0) logger.info({ archived: result.archived.length, skipped: result.skipped }, 'closed case histories archived');
    for (const f of result.failures) logger.warn({ caseId: f.caseId, err: f.error }, 'case history not archived yet; retried at the next sweep');
    return result;
  };

  const sweep = (): Promise<SweepResult> => {
    const next = (running ?? Promise.resolve()).catch(() => undefined).then(sweepOnce);
    running = next;
    return next;
  };

  const tick = () => {
    sweep()
      .catch((err) => logger.warn({ err: (err as Error).message }, 'archive sweep failed; retried at the next interval'))
      .finally(() => {
        if (!stopped) timer = setTimeout(tick, options.intervalMs);
      });
  };
  tick();

  return {
    sweep,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running?.catch(() => undefined);
    },
  };
}
