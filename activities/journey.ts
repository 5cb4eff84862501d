import { Context } from '@temporalio/activity';
import type { Db } from '../db/client';
import { recordShipment } from '../db/journey';
import type { Application } from '../policy/types';
import { idempotencyKey } from './departments';
import { postJson } from './http';

// The family's own steps and their parcels (issue 10): the payment gateway, which
// confirms what the parents paid, and the carrier, which takes the paper documents to
// them. The simulator plays both.

export interface VerifyPaymentInput {
  caseId: string;
  item: string;
  reference: string;
  /** What the pack says the parents owe, in fen. */
  amountFen: number;
}

/** Codes only: the answer is kept in the case history and shown to the applicant. */
export type PaymentVerdict = { verified: true; paidAt: string } | { verified: false; reason: 'PAYMENT_NOT_FOUND' | 'PAYMENT_MISMATCH' | 'PAYMENT_AMOUNT_MISMATCH' | 'PAYMENT_NOT_PAID' };

interface GatewayPayment {
  reference: string;
  caseId: string;
  item: string;
  amountFen: number;
  status: string;
  paidAt?: string;
}

export interface CreateShipmentInput {
  caseId: string;
  item: string;
  key: string;
  department: string;
  document: string;
  /** Where the parcel goes: in the encrypted activity input and to the carrier only. */
  logistics: NonNullable<Application['logistics']>;
}

export interface Shipment {
  carrier: string;
  trackingNumber: string;
}

export function createJourneyActivities(options: { db: Db; baseUrl: string; requestTimeoutMs?: number }) {
  const timeoutMs = options.requestTimeoutMs ?? 10_000;
  return {
    /**
     * Asks the gateway about the payment the parents named: it must exist, be for this
     * case and item, of the amount the pack says, and paid. An outage is thrown (retried).
     */
    async verifyPayment(input: VerifyPaymentInput): Promise<PaymentVerdict> {
      // The applicant's request waits on this answer: a short limit per try (the workflow tries three times).
      const limitMs = Math.min(timeoutMs, 4000);
      const response = await fetch(`${options.baseUrl}/payments/${encodeURIComponent(input.reference)}`, { signal: AbortSignal.any([Context.current().cancellationSignal, AbortSignal.timeout(limitMs)]) }).catch((err: Error) => {
        throw new Error(`GET /payments: ${err.name === 'TimeoutError' ? `no answer within ${limitMs} ms` : err.message}`);
      });
      if (response.status === 404) return { verified: false, reason: 'PAYMENT_NOT_FOUND' };
      if (!response.ok) throw new Error(`GET /payments: gateway answered ${response.status}`);
      const payment = (await response.json()) as GatewayPayment;
      if (payment.caseId !== input.caseId || payment.item !== input.item) return { verified: false, reason: 'PAYMENT_MISMATCH' };
      if (payment.amountFen !== input.amountFen) return { verified: false, reason: 'PAYMENT_AMOUNT_MISMATCH' };
      if (payment.status !== 'paid' || !payment.paidAt) return { verified: false, reason: 'PAYMENT_NOT_PAID' };
      return { verified: true, paidAt: payment.paidAt };
    },

    /** Hands the item's paper document to the carrier (once per idempotency key) and records the parcel. */
    async createShipment(input: CreateShipmentInput): Promise<Shipment> {
      const shipment = await postJson<Shipment>(
        options.baseUrl,
        '/carrier/shipments',
        { caseRef: input.caseId, document: input.document, recipient: input.logistics.recipient, phone: input.logistics.phone, address: input.logistics.address },
        { peer: 'carrier', timeoutMs, idempotencyKey: idempotencyKey(), signal: Context.current().cancellationSignal },
      );
      await recordShipment(options.db, { caseId: input.caseId, item: input.item, key: input.key, department: input.department, document: input.document, carrier: shipment.carrier, trackingNumber: shipment.trackingNumber, status: 'created' });
      return shipment;
    },
  };
}
