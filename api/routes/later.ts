import { Router } from 'express';
import { requireRole } from '../auth';
import { HttpError } from '../errors';

// Routes of the contract whose capabilities come with later work (SLA supervision,
// audit replay). They already enforce their roles, so the role matrix holds today.
export function laterRouter(): Router {
  const router = Router();
  const notYet = (what: string) => () => {
    throw new HttpError(501, 'not_implemented', `${what} is not available yet`);
  };
  router.get('/sla/breaches', requireRole('supervisor', 'auditor'), notYet('the breach list'));
  router.get('/sla/summary', requireRole('supervisor', 'auditor'), notYet('the SLA summary'));
  router.post('/audit/replay', requireRole('auditor'), notYet('audit replay'));
  return router;
}
