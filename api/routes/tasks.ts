import { Router } from 'express';
import { listTasks } from '../../db/queries';
import { principal, requireRole } from '../auth';
import type { ApiDeps } from '../deps';

export function tasksRouter({ db }: ApiDeps): Router {
  const router = Router();
  router.get('/tasks', requireRole('case_worker'), async (req, res) => {
    res.json({ tasks: await listTasks(db, principal(req).department!) });
  });
  return router;
}
