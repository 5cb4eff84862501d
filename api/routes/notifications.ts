import { Router } from 'express';
import { z } from 'zod';
import { personKey } from '../../activities/identity';
import { listNotifications } from '../../db/notifications';
import { principal, requireRole } from '../auth';
import type { ApiDeps } from '../deps';
import { parse } from '../errors';
import { caseIdSchema } from './cases';

// Notifications, read by their recipients: an applicant their own (matched by the
// HMAC of the ID number in their token), a supervisor those of their department
// (all departments' when the token names none).

const query = z.object({
  caseId: caseIdSchema.optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

export function notificationsRouter({ db, config }: ApiDeps): Router {
  const router = Router();
  router.get('/notifications', requireRole('applicant', 'supervisor'), async (req, res) => {
    const filter = parse(query, req.query);
    const who = principal(req);
    const notifications =
      who.role === 'applicant'
        ? await listNotifications(db, { ...filter, audience: 'applicant', recipientKey: personKey(config.idHashKey, who.sub) })
        : await listNotifications(db, { ...filter, audience: 'supervisor', recipientKey: who.department });
    res.json({ notifications });
  });
  return router;
}
