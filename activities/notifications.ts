import { Context } from '@temporalio/activity';
import { ACTIVITY_FAILURES } from '../runtime/failures';
import { eq } from 'drizzle-orm';
import type { Db } from '../db/client';
import { notifications } from '../db/schema';
import { idempotencyKey } from './departments';
import { postJson } from './http';

// Applicants hear of every step of their case, supervisors of every escalation, by
// SMS through the gateway (短信网关; the simulator stands in for it). The stored copy
// is what GET /api/notifications shows; it never holds a phone or ID number.

/**
 * What the gateway's templates say (the gateway holds the wording; we send codes).
 * Applicants: an item reached its department (`item_started`), was approved
 * (`item_approved`, with the licence number), rejected by a case worker (`item_rejected`),
 * refused outright by the department's system (`item_refused`), cancelled because an item
 * it needs ended without a licence (`item_cancelled`, with the reason), found ineligible
 * by the workflow's own verification (`item_ineligible`, with the reason codes), needs
 * a supplement (`supplement_needed`, with the reason code when the workflow asks), and
 * how the case ended (`case_closed`, with its status). Supervisors: `sla_escalated`,
 * `calendar_missing`.
 */
export const NOTIFICATION_TEMPLATES = [
  'item_started',
  'item_approved',
  'item_rejected',
  'item_refused',
  'item_cancelled',
  'item_ineligible',
  'supplement_needed',
  'case_closed',
  'sla_escalated',
  'calendar_missing',
  // The family's journey: a payment the parents owe, a supplement's limit near, a parcel
  // returned (to the parents and the department's supervisor), a second supplement asked (supervisor).
  'payment_needed',
  'supplement_reminder',
  'supplement_repeated',
  'shipment_returned',
] as const;
export type NotificationTemplate = (typeof NOTIFICATION_TEMPLATES)[number];

export interface NotificationInput {
  caseId: string;
  audience: 'applicant' | 'supervisor';
  /** applicant: the HMAC of their ID number (cases.applicant_hash); supervisor: the department. */
  recipientKey: string;
  /** The gateway address: the applicant's phone (only in the encrypted activity input), or a roster alias such as `department_head@police`. */
  to: string;
  department?: string;
  item?: string;
  template: NotificationTemplate;
  /** Codes, dates and case IDs only: they are stored and sent as they are. */
  params: Record<string, string | number>;
}

export interface NotificationResult {
  messageId: string;
}

/** What may be stored of an address: roster aliases as they are, phone numbers masked. */
export function maskAddress(to: string): string {
  if (to.includes('@')) return to;
  return to.length > 7 ? `${to.slice(0, 3)}${'*'.repeat(to.length - 7)}${to.slice(-4)}` : '*'.repeat(to.length);
}

export function createSmsGateway(options: { baseUrl: string; requestTimeoutMs?: number }) {
  const timeoutMs = options.requestTimeoutMs ?? 10_000;
  return {
    send(message: { to: string; template: string; params: Record<string, unknown> }, key: string, signal?: AbortSignal): Promise<{ messageId: string; sentAt: string }> {
      return postJson(options.baseUrl, '/sms/messages', message, { peer: 'gateway', timeoutMs, idempotencyKey: key, signal, refusalType: ACTIVITY_FAILURES.smsRefused });
    },
  };
}

export function createNotificationActivities(options: { db: Db; smsBaseUrl: string }) {
  const gateway = createSmsGateway({ baseUrl: options.smsBaseUrl });
  return {
    /** Stores the notification, then sends it; a retry finds the stored row and the gateway honours the same key. */
    async notify(input: NotificationInput): Promise<NotificationResult> {
      const key = idempotencyKey();
      await options.db
        .insert(notifications)
        .values({
          idempotencyKey: key,
          caseId: input.caseId,
          audience: input.audience,
          recipientKey: input.recipientKey,
          department: input.department ?? null,
          item: input.item ?? null,
          template: input.template,
          params: input.params,
          address: maskAddress(input.to),
        })
        .onConflictDoNothing({ target: notifications.idempotencyKey });
      const sent = await gateway.send({ to: input.to, template: input.template, params: input.params }, key, Context.current().cancellationSignal);
      await options.db
        .update(notifications)
        .set({ sentAt: new Date(sent.sentAt), messageId: sent.messageId })
        .where(eq(notifications.idempotencyKey, key));
      return { messageId: sent.messageId };
    },
  };
}
