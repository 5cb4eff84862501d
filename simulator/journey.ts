import { createHmac, randomUUID } from 'node:crypto';
import express, { type Request, type Response, type Router } from 'express';

// Two more systems the family meets (issue 10), played by the simulator: the payment
// gateway where the parents pay the child's medical insurance, and the carrier (EMS)
// that takes the paper documents to them and reports each parcel's progress in
// events signed with the shared key (HMAC-SHA256 of the raw body).

export interface CarrierOptions {
  /** Key the carrier signs its events with (the service's CARRIER_SECRET). */
  secret?: string;
  /** Where the carrier posts its events (the service's POST /api/logistics/events); unset: only answered to the caller. */
  eventsUrl?: string;
}

interface Payment {
  reference: string;
  caseId: string;
  item: string;
  amountFen: number;
  status: 'created' | 'paid';
  createdAt: string;
  paidAt?: string;
}

interface Parcel {
  trackingNumber: string;
  carrier: string;
  caseRef: string;
  document: string;
  /** Where it goes: kept by the carrier, never echoed in events. */
  address?: string;
  createdAt: string;
}

const PARCEL_EVENTS = ['created', 'in_transit', 'delivered', 'returned'];

/** `sha256=<hex>` of the body as sent: what the service checks in `x-signature`. */
export function signCarrierEvent(secret: string, rawBody: string): string {
  return `sha256=${createHmac('sha256', secret).update(rawBody, 'utf8').digest('hex')}`;
}

export function journeyRoutes(carrier: CarrierOptions = {}): Router {
  const router = express.Router();
  const payments = new Map<string, Payment>();
  const parcels = new Map<string, Parcel>();
  const byKey = new Map<string, Parcel>();

  // --- the payment gateway (支付平台) ------------------------------------------------
  router.post('/payments', (req: Request, res: Response) => {
    const { caseId, item, amountFen } = req.body ?? {};
    if (typeof caseId !== 'string' || typeof item !== 'string' || !Number.isInteger(amountFen) || amountFen <= 0) {
      res.status(400).json({ error: 'invalid', message: 'caseId, item and a positive whole amountFen are required' });
      return;
    }
    const payment: Payment = { reference: `PAY-${randomUUID()}`, caseId, item, amountFen, status: 'created', createdAt: new Date().toISOString() };
    payments.set(payment.reference, payment);
    res.status(201).json(payment);
  });
  router.post('/payments/:reference/pay', (req: Request, res: Response) => {
    const payment = payments.get(String(req.params.reference));
    if (!payment) {
      res.status(404).json({ error: 'not_found', message: 'no such payment order' });
      return;
    }
    if (payment.status !== 'paid') Object.assign(payment, { status: 'paid', paidAt: new Date().toISOString() });
    res.json(payment);
  });
  router.get('/payments/:reference', (req: Request, res: Response) => {
    const payment = payments.get(String(req.params.reference));
    if (!payment) {
      res.status(404).json({ error: 'not_found', message: 'no such payment order' });
      return;
    }
    res.json(payment);
  });

  // --- the carrier (EMS) --------------------------------------------------------------
  router.post('/carrier/shipments', (req: Request, res: Response) => {
    const key = req.header('idempotency-key');
    const { caseRef, document, address } = req.body ?? {};
    if (!key || typeof caseRef !== 'string' || typeof document !== 'string') {
      res.status(400).json({ error: 'invalid', message: 'an Idempotency-Key header, caseRef and document are required' });
      return;
    }
    // A retried hand-over is the same parcel.
    let parcel = byKey.get(key);
    if (!parcel) {
      parcel = { trackingNumber: `EMS${String(Date.now()).slice(-9)}${String(parcels.size).padStart(3, '0')}CN`, carrier: 'EMS', caseRef, document, ...(typeof address === 'string' && { address }), createdAt: new Date().toISOString() };
      parcels.set(parcel.trackingNumber, parcel);
      byKey.set(key, parcel);
    }
    res.status(201).json({ carrier: parcel.carrier, trackingNumber: parcel.trackingNumber });
  });
  router.get('/carrier/shipments', (req: Request, res: Response) => {
    res.json({ shipments: [...parcels.values()].filter((p) => !req.query.caseRef || p.caseRef === req.query.caseRef).map(({ address: _a, ...p }) => p) });
  });

  /**
   * Tests and demos move a parcel on: the carrier signs the event and posts it to the
   * service when it knows where (`eventsUrl`), and answers the signed event either way
   * so that a caller can deliver it itself (or again, as a replay).
   */
  router.post('/admin/carrier/events', async (req: Request, res: Response) => {
    const { trackingNumber, status, at } = req.body ?? {};
    if (typeof trackingNumber !== 'string' || !PARCEL_EVENTS.includes(status)) {
      res.status(400).json({ error: 'invalid', message: `trackingNumber and a status (${PARCEL_EVENTS.join(', ')}) are required` });
      return;
    }
    if (!carrier.secret) {
      res.status(409).json({ error: 'no_secret', message: 'the carrier has no signing key (start the simulator with carrierSecret)' });
      return;
    }
    const body = JSON.stringify({ trackingNumber, status, at: typeof at === 'string' ? at : new Date().toISOString() });
    const signature = signCarrierEvent(carrier.secret, body);
    let posted: number | undefined;
    if (carrier.eventsUrl) {
      try {
        posted = (await fetch(carrier.eventsUrl, { method: 'POST', headers: { 'content-type': 'application/json', 'x-signature': signature }, body, signal: AbortSignal.timeout(5000) })).status;
      } catch {
        posted = 0;
      }
    }
    res.json({ body, signature, ...(posted !== undefined && { posted }) });
  });
  return router;
}
