import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Request } from 'express';
import { z } from 'zod';
import { appointmentsOf, applyShipmentEvent, bookAppointment, shipmentsOf } from '../../db/journey';
import { findCase, type StoredCase } from '../../db/queries';
import { currentCalendar } from '../../domain/calendar';
import { personKey } from '../../domain/identity';
import { addWorkingDays, shanghaiDate, CalendarNotCoveredError } from '../../policy/working-days';
import { SHIPMENT_STATUSES, shipmentSettledSignal, submitPaymentUpdate, type CaseView, type ItemView } from '../../workflows/messages';
import { principal } from '../auth';
import { acceptedUpdate, sendUpdated, updateCase } from '../case-updates';
import type { ApiDeps } from '../deps';
import { HttpError } from '../errors';
import { Routes, timestamp } from '../route-registry';
import { itemParams } from './params';

// The family's journey (issue 10, DESIGN §7 "Delivery of cards", "Eligibility per
// item"): the payment the parents make themselves, the one trip left and its slot, and
// the parcels the carrier reports on in signed events.

/** The raw body of a request, kept by the JSON parser for the routes that check a signature over it (api/app.ts). */
export const RAW_BODY_PATHS = ['/api/logistics/events'];
export interface WithRawBody {
  rawBody?: Buffer;
}

const SIGNATURE = /^sha256=([0-9a-f]{64})$/;

/** Whether `header` is the HMAC-SHA256 of `raw` under `secret`, compared in constant time. */
export function validSignature(secret: string, raw: Buffer | undefined, header: string | undefined): boolean {
  const match = header ? SIGNATURE.exec(header.trim().toLowerCase()) : null;
  if (!match || !raw) return false;
  const expected = createHmac('sha256', secret).update(raw).digest();
  return timingSafeEqual(expected, Buffer.from(match[1], 'hex'));
}

const shipmentSchema = z.object({
  item: z.string(),
  key: z.string(),
  carrier: z.string(),
  trackingNumber: z.string(),
  status: z.enum(SHIPMENT_STATUSES),
});
/** What GET /api/cases/:caseId adds to the case view (cases.ts). */
export const journeyItemFields = {
  payment: z.object({ amountFen: z.number().int(), paid: z.boolean() }).optional().meta({ description: 'the parents pay this item themselves (status `awaiting_applicant` until the payment gateway confirms it)' }),
  visit: z
    .object({ institution: z.string(), purpose: z.string(), appointment: z.object({ slot: timestamp }).optional() })
    .optional()
    .meta({ description: 'the one trip left (最多跑一次): where to go, what for, and the slot booked' }),
};
export const journeyCaseFields = {
  shipments: z.array(shipmentSchema).optional().meta({ description: 'the paper documents posted to the family (logistics.method = "ems")' }),
};

const eventSchema = z.object({
  trackingNumber: z.string().trim().min(1).max(64),
  status: z.enum(SHIPMENT_STATUSES),
  at: z.iso.datetime({ offset: true, message: 'must be an ISO-8601 date-time with a UTC offset' }),
});
const paymentSchema = z.object({
  reference: z
    .string()
    .trim()
    .min(1)
    .max(64)
    .regex(/^[A-Za-z0-9_-]+$/, 'must be the reference the payment gateway gave (letters, digits, - and _)'),
});
const appointmentSchema = z.object({ slot: z.iso.datetime({ offset: true, message: 'must be one of the slots offered (an ISO-8601 date-time)' }) });
const slotsSchema = z.object({ institution: z.string(), purpose: z.string(), slots: z.array(timestamp) });

/** Opening times offered for the trip, Asia/Shanghai, on each of the next working days. */
const SLOT_TIMES = ['09:00', '10:30', '14:00', '15:30'];
const SLOT_DAYS = 5;

const tag = { name: 'journey', description: "The family's own steps: paying, the one trip left, parcels by post" };

/** The case view with what the journey adds: each item's payment and trip, and the case's parcels. */
export async function withJourney(
  deps: ApiDeps,
  view: CaseView,
  /** What the caller asked for already, alongside the case itself: its parcels, the pack catalogue. */
  asked: { parcels?: ReturnType<typeof shipmentsOf>; catalogue?: ReturnType<ApiDeps['packs']['catalogue']> } = {},
): Promise<CaseView & { shipments?: z.input<typeof shipmentSchema>[] }> {
  const { parcels: parcelsAsked, catalogue = deps.packs.catalogue() } = asked;
  const pack = (await catalogue).find(view.region, view.policyVersion);
  const definitions = new Map((pack?.items ?? []).map((d) => [d.item as string, d]));
  const needsAppointments = view.items.some((it) => definitions.get(it.item)?.visit && it.status === 'completed');
  const [parcels, booked] = await Promise.all([parcelsAsked ?? shipmentsOf(deps.db, view.caseId), needsAppointments ? appointmentsOf(deps.db, view.caseId) : Promise.resolve([])]);
  const items = view.items.map((it): ItemView & z.input<z.ZodObject<typeof journeyItemFields>> => {
    const def = definitions.get(it.item);
    const key = it.key ?? it.item;
    const appointment = booked.find((a) => a.key === key);
    return {
      ...it,
      ...(def?.payment && it.status !== 'not_applied' && { payment: { amountFen: def.payment.amountFen, paid: it.status === 'completed' } }),
      ...(def?.visit && it.status === 'completed' && it.institution && { visit: { institution: it.institution, purpose: def.visit.purpose, ...(appointment && { appointment: { slot: appointment.slot } }) } }),
    };
  });
  return { ...view, items, ...(parcels.length > 0 && { shipments: parcels }) };
}

export function journeyRouter(deps: ApiDeps): Routes {
  const { client, db, config } = deps;
  const routes = new Routes({ tag });

  /** The applicant's own case, and the item by its key (404 for a key the case does not have). */
  async function ownItem(req: Request, caseId: string, itemKey: string): Promise<{ found: StoredCase; item: ItemView }> {
    const found = await findCase(db, caseId);
    if (!found) throw new HttpError(404, 'not_found', 'no such case');
    if (found.applicantHash !== personKey(config.idHashKey, principal(req).sub)) throw new HttpError(403, 'forbidden', 'this case belongs to another applicant');
    const item = found.view.items.find((it) => (it.key ?? it.item) === itemKey && it.status !== 'not_applied');
    if (!item) throw new HttpError(404, 'not_found', 'no such item in this case');
    return { found, item };
  }

  /** The item's trip as the pack says it, once the item is done. */
  async function visitOf(found: StoredCase, item: ItemView): Promise<{ institution: string; purpose: string }> {
    const def = (await deps.packs.catalogue()).find(found.view.region, found.view.policyVersion)?.items.find((d) => d.item === item.item);
    if (!def?.visit || !item.institution) throw new HttpError(404, 'not_found', 'this item needs no trip');
    if (item.status !== 'completed') throw new HttpError(409, 'item_not_completed', `item ${item.item} is ${item.status}: the trip is booked once it is completed`);
    return { institution: item.institution, purpose: def.visit.purpose };
  }

  async function slotsFor(): Promise<string[]> {
    const calendar = await currentCalendar(db);
    const today = shanghaiDate(deps.now ? deps.now() : new Date());
    const slots: string[] = [];
    try {
      for (let k = 1; k <= SLOT_DAYS; k++) {
        const day = addWorkingDays(today, k, calendar);
        for (const time of SLOT_TIMES) slots.push(new Date(`${day}T${time}:00+08:00`).toISOString());
      }
    } catch (err) {
      // A year not loaded yet: offer the days the calendar covers.
      if (!(err instanceof CalendarNotCoveredError)) throw err;
    }
    return slots;
  }

  routes.post('/cases/:caseId/items/:itemKey/payment', {
    operationId: 'submitPayment',
    summary: "Name the payment made at the payment gateway for an item the parents do themselves (the applicant of the case); the case checks it with the gateway",
    roles: ['applicant'],
    params: itemParams,
    body: paymentSchema,
    responses: { 200: { description: 'the case, the item completed with its receipt', schema: z.looseObject({ caseId: z.string() }) }, 202: acceptedUpdate },
    errors: {
      404: 'no such case or item (`not_found`)',
      409: 'the item does not await a payment (`not_awaiting_applicant`), or the case is closed',
      422: 'the gateway does not confirm the payment: unknown, for another case or item, another amount, or not paid (`payment_not_verified`); the item stays awaiting',
    },
  }, async (req, res, { params, body }) => {
    await ownItem(req, params.caseId, params.itemKey);
    const { reference } = body();
    const outcome = await updateCase(client, db, params.caseId, submitPaymentUpdate, { item: params.itemKey, reference }, ['case_closed', 'the case is closed'], deps.config.updateWaitMs);
    if (!outcome.done) {
      sendUpdated(res, params.caseId, outcome);
      return;
    }
    deps.logger.info({ caseId: params.caseId, item: params.itemKey }, 'payment verified');
    // The case view of GET /api/cases/:caseId (cases.ts declares it; a loose object here keeps the import one way).
    res.json((await withJourney(deps, outcome.value)) as unknown as { caseId: string });
  });

  routes.get('/cases/:caseId/items/:itemKey/slots', {
    operationId: 'listVisitSlots',
    summary: 'Where the one trip left goes, and the slots offered on the next working days (the applicant of the case)',
    roles: ['applicant'],
    params: itemParams,
    responses: { 200: { description: 'the institution, what to bring, and the slots', schema: slotsSchema } },
    errors: { 404: 'no such case or item, or the item needs no trip (`not_found`)', 409: 'the item is not completed yet (`item_not_completed`)' },
  }, async (req, res, { params }) => {
    const { found, item } = await ownItem(req, params.caseId, params.itemKey);
    const visit = await visitOf(found, item);
    res.json({ ...visit, slots: await slotsFor() });
  });

  routes.post('/cases/:caseId/items/:itemKey/appointment', {
    operationId: 'bookVisit',
    summary: 'Book (or move) the slot of the one trip left (the applicant of the case)',
    roles: ['applicant'],
    params: itemParams,
    body: appointmentSchema,
    responses: { 200: { description: 'the booking', schema: z.object({ institution: z.string(), purpose: z.string(), slot: timestamp }) } },
    errors: { 404: 'no such case or item, or the item needs no trip (`not_found`)', 409: 'the item is not completed yet (`item_not_completed`)', 422: 'not one of the slots offered (`slot_not_offered`)' },
  }, async (req, res, { params, body }) => {
    const { found, item } = await ownItem(req, params.caseId, params.itemKey);
    const visit = await visitOf(found, item);
    const slot = new Date(body().slot);
    if (!(await slotsFor()).includes(slot.toISOString())) throw new HttpError(422, 'slot_not_offered', 'choose one of the slots offered by GET …/slots');
    await bookAppointment(db, { caseId: params.caseId, key: params.itemKey, institution: visit.institution, slot });
    res.json({ ...visit, slot: slot.toISOString() });
  });

  return routes;
}

/**
 * The carrier's events, outside the bearer-token API: the signature over the raw body
 * is the carrier's proof. Checked before anything of the body is read; refusals are
 * logged with the caller's address only (an event names a parcel, never a person).
 */
export function logisticsRouter(deps: ApiDeps): Routes {
  const routes = new Routes({ tag });
  routes.post('/events', {
    operationId: 'postCarrierEvent',
    summary: "A carrier reports a parcel's progress (created, in_transit, delivered, returned), signed with HMAC-SHA256 of the raw body",
    description: 'Header `x-signature: sha256=<hex>` over the raw body, key `CARRIER_SECRET`. The same event again (tracking number, status, time) changes nothing and answers 200; a parcel never moves back.',
    security: [{ carrierSignature: [] }],
    body: eventSchema,
    responses: { 200: { description: 'the parcel as it stands', schema: z.object({ trackingNumber: z.string(), status: z.enum(SHIPMENT_STATUSES), applied: z.boolean() }) } },
    errors: { 401: 'missing or bad signature (`bad_signature`)', 404: 'no such parcel (`not_found`)' },
  }, async (req, res, { body }) => {
    if (!validSignature(deps.config.carrierSecret, (req as WithRawBody).rawBody, req.header('x-signature'))) {
      deps.logger.warn({ ip: req.ip, signed: req.header('x-signature') !== undefined }, 'carrier event refused: bad or missing signature');
      throw new HttpError(401, 'bad_signature', 'the x-signature header is missing or does not sign this body');
    }
    const event = body();
    const outcome = await applyShipmentEvent(deps.db, { trackingNumber: event.trackingNumber, status: event.status, at: new Date(event.at) });
    if (outcome.outcome === 'unknown') throw new HttpError(404, 'not_found', 'no such parcel');
    if (outcome.outcome === 'applied' && (outcome.status === 'delivered' || outcome.status === 'returned')) {
      // The case listens for its parcels' last word (a returned one is told to the parents and the supervisor).
      await deps.client.workflow
        .getHandle(outcome.caseId)
        .signal(shipmentSettledSignal, { trackingNumber: event.trackingNumber, status: outcome.status })
        .catch((err: Error) => deps.logger.warn({ caseId: outcome.caseId, error: err.name }, 'the case no longer listens for its parcels'));
    }
    deps.logger.info({ trackingNumber: event.trackingNumber, status: event.status, outcome: outcome.outcome }, 'carrier event');
    res.json({ trackingNumber: event.trackingNumber, status: outcome.status, applied: outcome.outcome === 'applied' });
  });
  return routes;
}
