import type { Client, HistoryAndWorkflowId } from '@temporalio/client';
import type { ReplayReport } from '../activities/audit';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { allArchived, countArchived } from '../db/archive';
import { sweepClosedCases } from './archiver';
import type { Db } from '../db/client';
import type { Config } from '../runtime/config';
import { loadCaseHistory } from '../domain/history';
import { replayDataConverter } from '../runtime/temporal';

// Replays case histories against the workflow code deployed today: a case that no
// longer replays would fail the day a worker picks it up again (or an auditor asks
// how it went), so the reason is reported per case.

export type { ReplayReport } from '../activities/audit';

export interface ReplayOptions {
  client: Client;
  db: Db;
  config: Config;
  bundle: WorkflowBundleWithSourceMap;
  /** Default: every archived case. Cases not archived yet are fetched from the engine. */
  caseIds?: string[];
  /** Called after each case, for progress bars. */
  onProgress?: (done: number, total: number) => void;
  /** Replayers side by side; default `config.replayParallelism` (the cores), fewer for few cases. */
  parallelism?: number;
}

type Numbered = HistoryAndWorkflowId & { index: number };

const MIN_PER_REPLAYER = 20;

export async function replayCases(options: ReplayOptions): Promise<ReplayReport> {
  const { client, db, config, bundle, caseIds, onProgress } = options;
  const failures: (ReplayReport['failures'][number] & { index: number })[] = [];
  if (!caseIds) {
    // "Every closed case" includes those closed since the archiver's last sweep. The
    // archive alone still replays when the engine cannot be reached.
    await sweepClosedCases(client, db, { closedSince: new Date(Date.now() - 86_400_000) }).catch(() => undefined);
  }
  const total = caseIds ? caseIds.length : await countArchived(db);
  let missing = 0;

  // Histories are read one at a time as a replayer asks for the next: thousands of
  // archived cases never sit in memory together.
  async function* histories(): AsyncGenerator<Numbered> {
    let index = 0;
    if (!caseIds) {
      for await (const entry of allArchived(db)) yield { index: index++, workflowId: entry.caseId, history: historyFromJSON(JSON.parse(entry.history)) };
      return;
    }
    for (const caseId of caseIds) {
      const found = await loadCaseHistory(client, db, caseId);
      if (found) yield { index: index++, workflowId: caseId, history: found.history };
      else {
        missing++;
        failures.push({ index: index++, caseId, error: 'no such case: neither archived nor known to the engine' });
      }
    }
  }

  // One replayer takes one history at a time and runs the workflow code on one thread,
  // so several run side by side, each pulling the next history from the one source (the
  // calls to an async generator queue up, so each history goes to exactly one of them).
  // With more than one, each replayer runs the workflow code in its own worker thread
  // (`debugMode: false`; the SDK's replay default runs it on this thread, where they
  // would take turns), and that is where a replay spends its CPU.
  // A replayer's thread takes most of a second to load the workflow code: a few cases
  // are quicker on one (at least MIN_PER_REPLAYER each, unless told otherwise).
  const parallelism = Math.max(1, Math.min(options.parallelism ?? Math.min(config.replayParallelism, Math.ceil(total / MIN_PER_REPLAYER)), total));
  const replayOptions = { workflowBundle: bundle, dataConverter: replayDataConverter(config), ...(parallelism > 1 && { debugMode: false, workflowThreadPoolSize: 1 }) };
  const source = histories();
  let stopped = false;
  let replayed = 0;

  async function stream(): Promise<void> {
    const pending: number[] = [];
    async function* pull(): AsyncGenerator<HistoryAndWorkflowId> {
      while (!stopped) {
        const next = await source.next();
        if (next.done) return;
        pending.push(next.value.index);
        yield next.value;
      }
    }
    // Results come back in the order this replayer was given the histories.
    for await (const result of Worker.runReplayHistories(replayOptions, pull())) {
      const index = pending.shift()!;
      replayed++;
      if (result.error) failures.push({ index, caseId: result.workflowId, error: `${result.error.name}: ${result.error.message}` });
      onProgress?.(replayed + missing, total);
    }
  }

  const outcomes = await Promise.allSettled(
    Array.from({ length: parallelism }, () =>
      stream().catch((err: unknown) => {
        stopped = true; // the others finish the history in hand and stop
        throw err;
      }),
    ),
  );
  const failed = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
  if (failed) throw failed.reason;
  // In the order of the cases, as one replayer would have reported them.
  failures.sort((a, b) => a.index - b.index);
  return { replayed, failures: failures.map(({ caseId, error }) => ({ caseId, error })) };
}
