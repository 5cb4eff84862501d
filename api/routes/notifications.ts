import { z } from 'zod';
import { personKey } from '../../domain/identity';
import { listNotifications } from '../../db/notifications';
import { principal } from '../auth';
import type { ApiDeps } from '../deps';
import { Routes, timestamp } from '../route-registry';
import { caseIdSchema } from './cases';

// Notifications, read by their recipients: an applicant their own (matched by the
// HMAC of the ID number in their token), a supervisor those of their department
// (all departments' when the token names none).

const query = z.object({
  caseId: caseIdSchema.optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

const notificationsSchema = z.object({
  notifications: z.array(
    z.object({
      id: z.number().int(),
      caseId: z.string(),
      audience: z.string().meta({ description: 'applicant or supervisor' }),
      department: z.string().nullable(),
      item: z.string().nullable(),
      template: z.string(),
      params: z.record(z.string(), z.unknown()),
      address: z.string().meta({ description: 'where the SMS went: masked for applicants, a roster alias for supervisors' }),
      createdAt: timestamp,
      sentAt: timestamp.nullable(),
    }),
  ),
});

export function notificationsRouter({ db, config }: ApiDeps): Routes {
  const routes = new Routes({ tag: { name: 'notifications', description: 'The SMS notifications the service sent, read by their recipients' } });
  routes.get('/notifications', {
    operationId: 'listNotifications',
    summary: "Notifications sent to the caller, newest first (an applicant's own; a supervisor's department, or every department without a department claim)",
    roles: ['applicant', 'supervisor'],
    query,
    responses: { 200: { description: 'the notifications', schema: notificationsSchema } },
  }, async (req, res, { query: filter }) => {
    const who = principal(req);
    const notifications =
      who.role === 'applicant'
        ? await listNotifications(db, { ...filter, audience: 'applicant', recipientKey: personKey(config.idHashKey, who.sub) })
        : await listNotifications(db, { ...filter, audience: 'supervisor', recipientKey: who.department });
    res.json({ notifications });
  });
  return routes;
}
