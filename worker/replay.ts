import type { Client, HistoryAndWorkflowId } from '@temporalio/client';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { allArchived, countArchived } from '../db/archive';
import { sweepClosedCases } from './archiver';
import type { Db } from '../db/client';
import type { Config } from './config';
import { loadCaseHistory } from './history';
import { dataConverter } from './temporal';

// Replays case histories against the workflow code deployed today: a case that no
// longer replays would fail the day a worker picks it up again (or an auditor asks
// how it went), so the reason is reported per case.

export interface ReplayReport {
  replayed: number;
  failures: { caseId: string; error: string }[];
}

export interface ReplayOptions {
  client: Client;
  db: Db;
  config: Config;
  bundle: WorkflowBundleWithSourceMap;
  /** Default: every archived case. Cases not archived yet are fetched from the engine. */
  caseIds?: string[];
  /** Called after each case, for progress bars. */
  onProgress?: (done: number, total: number) => void;
}

export async function replayCases(options: ReplayOptions): Promise<ReplayReport> {
  const { client, db, config, bundle, caseIds, onProgress } = options;
  const failures: ReplayReport['failures'] = [];
  if (!caseIds) {
    // "Every closed case" includes those closed since the archiver's last sweep. The
    // archive alone still replays when the engine cannot be reached.
    await sweepClosedCases(client, db, { closedSince: new Date(Date.now() - 86_400_000) }).catch(() => undefined);
  }
  const total = caseIds ? caseIds.length : await countArchived(db);
  let missing = 0;

  // Histories are read one at a time as the replayer asks for them: thousands of
  // archived cases never sit in memory together.
  async function* histories(): AsyncGenerator<HistoryAndWorkflowId> {
    if (!caseIds) {
      for await (const entry of allArchived(db)) yield { workflowId: entry.caseId, history: historyFromJSON(JSON.parse(entry.history)) };
      return;
    }
    for (const caseId of caseIds) {
      const found = await loadCaseHistory(client, db, caseId);
      if (found) yield { workflowId: caseId, history: found.history };
      else {
        missing++;
        failures.push({ caseId, error: 'no such case: neither archived nor known to the engine' });
      }
    }
  }

  let replayed = 0;
  for await (const result of Worker.runReplayHistories({ workflowBundle: bundle, dataConverter: dataConverter(config) }, histories())) {
    replayed++;
    if (result.error) failures.push({ caseId: result.workflowId, error: `${result.error.name}: ${result.error.message}` });
    onProgress?.(replayed + missing, total);
  }
  return { replayed, failures };
}
