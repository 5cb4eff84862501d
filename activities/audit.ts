import { ApplicationFailure, Context } from '@temporalio/activity';

export interface ReplayRequest {
  /** Default: every closed case. */
  caseIds?: string[];
}

export interface ReplayReport {
  replayed: number;
  failures: { caseId: string; error: string }[];
}

/** The replayer, bound by the worker to the workflow code it runs. */
export type ReplayCases = (request: ReplayRequest, onProgress: (done: number, total: number) => void) => Promise<ReplayReport>;

export function createAuditActivities(deps: { replayCases?: ReplayCases }) {
  return {
    async replayCases(request: ReplayRequest): Promise<ReplayReport> {
      if (!deps.replayCases) throw ApplicationFailure.nonRetryable('this worker was started without a replayer', 'ReplayUnavailable');
      const context = Context.current();
      return deps.replayCases(request, (done, total) => context.heartbeat({ done, total }));
    },
  };
}

export type AuditActivities = ReturnType<typeof createAuditActivities>;
