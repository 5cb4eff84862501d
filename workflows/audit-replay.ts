import { proxyActivities } from '@temporalio/workflow';
import type { AuditActivities, ReplayReport, ReplayRequest } from '../activities/audit';

// Replays run where the workflow code in force lives, in a worker: the API asks for
// one by starting this workflow and waits for its answer. The activity heartbeats its
// progress, so a worker that dies mid-replay is noticed within a minute and the
// replay starts again on another.
const { replayCases } = proxyActivities<AuditActivities>({
  startToCloseTimeout: '2h',
  heartbeatTimeout: '1m',
  retry: { maximumAttempts: 3 },
});

/** An auditor's replay of closed (or named) cases against today's workflow code. */
export async function auditReplayWorkflow(request: ReplayRequest): Promise<ReplayReport> {
  return replayCases(request);
}
