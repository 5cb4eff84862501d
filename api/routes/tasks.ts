import { z } from 'zod';
import { PAGE_LIMIT } from '../../db/pagination';
import { listTasks } from '../../db/queries';
import { cursorField, limitField, nextCursorField } from '../pagination';
import { principal } from '../auth';
import type { ApiDeps } from '../deps';
import { Routes, timestamp } from '../route-registry';

const tasksQuery = z.object({
  assignee: z.enum(['me', 'unassigned', 'all']).default('all').meta({ description: 'items held by the caller, by nobody, or all of them' }),
  limit: limitField.default(PAGE_LIMIT.default),
  cursor: cursorField(['instantOrNull', 'text', 'int'] as const).optional(),
});

const tasksSchema = z.object({
  tasks: z.array(
    z.object({
      key: z.string().meta({ description: 'the item in its case, for the item routes' }),
      caseId: z.string(),
      item: z.string(),
      department: z.string(),
      institution: z.string(),
      status: z.string(),
      assignee: z.string().optional(),
      deadline: timestamp.nullable(),
      escalationLevel: z.number().int(),
    }),
  ),
  nextCursor: nextCursorField,
});

export function tasksRouter({ db }: ApiDeps): Routes {
  const routes = new Routes({ tag: { name: 'tasks', description: "An institution's inbox" } });
  routes.get('/tasks', {
    operationId: 'listTasks',
    summary: "The items in review routed to the caller's institution, most urgent first, a page at a time",
    roles: ['case_worker'],
    query: tasksQuery,
    responses: { 200: { description: 'the inbox', schema: tasksSchema } },
  }, async (req, res, { query }) => {
    const who = principal(req);
    const assignee = query.assignee === 'me' ? { me: who.sub } : query.assignee === 'unassigned' ? ('unassigned' as const) : undefined;
    // requireRole made sure a case worker's token names both.
    res.json(await listTasks(db, { department: who.department!, institution: who.institution!, assignee, limit: query.limit, after: query.cursor }));
  });
  return routes;
}
