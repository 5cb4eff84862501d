import { api, encodePath, request } from './api';
import type { CaseView } from './types';

// A case worker's actions on an item, by its key (the item code while a delivery has one child).

const itemPath = (caseId: string, key: string) => `/api/cases/${encodePath(caseId)}/items/${encodePath(key)}`;

export async function claim(caseId: string, key: string, assignee?: string): Promise<{ assignee: string }> {
  return api.post(`${itemPath(caseId, key)}/claim`, assignee ? { assignee } : {});
}

export async function release(caseId: string, key: string): Promise<void> {
  await api.delete(`${itemPath(caseId, key)}/claim`);
}

export type Decision = 'approve' | 'reject' | 'request_supplement';

/** The updated case view, or `accepted` when the API took the decision but answered before the case caught up (202). */
export async function decide(caseId: string, key: string, decision: Decision, comment: string): Promise<{ view?: CaseView; accepted: boolean }> {
  const answer = await request<CaseView>('POST', `${itemPath(caseId, key)}/decision`, { decision, ...(comment.trim() && { comment: comment.trim() }) });
  return answer.status === 202 ? { accepted: true } : { view: answer.body, accepted: false };
}

export { itemPath };
