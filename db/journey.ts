import { and, asc, eq, sql } from 'drizzle-orm';
import type { ShipmentStatus } from '../workflows/messages';
import { preparedOnce, retryRead, type Db } from './client';
import { appointments, shipmentEvents, shipments } from './schema';

// The family's journey beyond the case's own record (issue 10): parcels and what the
// carrier said of them, and the appointment booked for the one trip left.

export interface ShipmentRow {
  item: string;
  key: string;
  carrier: string;
  trackingNumber: string;
  status: ShipmentStatus;
}

/** Where a status stands in a parcel's life: an event never moves a parcel back, and the two ends are final. */
const RANK: Record<ShipmentStatus, number> = { created: 0, in_transit: 1, delivered: 2, returned: 2 };

/** Written by the activity that hands the parcel to the carrier; a retry finds the row. */
export async function recordShipment(db: Db, row: ShipmentRow & { caseId: string; department: string; document: string }): Promise<void> {
  await db.insert(shipments).values(row).onConflictDoNothing();
}

const shipmentsOfCase = preparedOnce((db) =>
  db
    .select({ item: shipments.item, key: shipments.key, carrier: shipments.carrier, trackingNumber: shipments.trackingNumber, status: shipments.status })
    .from(shipments)
    .where(eq(shipments.caseId, sql.placeholder('caseId')))
    .orderBy(asc(shipments.createdAt), asc(shipments.key))
    .prepare('shipments_of_case'),
);

export function shipmentsOf(db: Db, caseId: string): Promise<ShipmentRow[]> {
  return retryRead(async () => (await shipmentsOfCase(db).execute({ caseId })).map((r) => ({ ...r, status: r.status as ShipmentStatus })));
}

export type EventOutcome =
  | { outcome: 'unknown' }
  /** The same event (tracking number, status, time) came before: nothing changes. */
  | { outcome: 'duplicate'; status: ShipmentStatus }
  /** Kept, but the parcel had moved past it already (events may arrive out of order). */
  | { outcome: 'stale'; status: ShipmentStatus }
  | { outcome: 'applied'; status: ShipmentStatus; caseId: string; item: string; key: string; department: string };

/** Applies one carrier event in one transaction: the parcel's row is locked, so two deliveries of the same event apply once. */
export function applyShipmentEvent(db: Db, event: { trackingNumber: string; status: ShipmentStatus; at: Date }): Promise<EventOutcome> {
  return db.transaction(async (tx) => {
    const [parcel] = await tx.select().from(shipments).where(eq(shipments.trackingNumber, event.trackingNumber)).for('update');
    if (!parcel) return { outcome: 'unknown' };
    const current = parcel.status as ShipmentStatus;
    const moves = RANK[event.status] > RANK[current];
    const inserted = await tx
      .insert(shipmentEvents)
      .values({ trackingNumber: event.trackingNumber, status: event.status, at: event.at, applied: moves ? 1 : 0 })
      .onConflictDoNothing()
      .returning({ status: shipmentEvents.status });
    if (inserted.length === 0) return { outcome: 'duplicate', status: current };
    if (!moves) return { outcome: 'stale', status: current };
    await tx
      .update(shipments)
      .set({ status: event.status, updatedAt: sql`now()` })
      .where(and(eq(shipments.trackingNumber, event.trackingNumber)));
    return { outcome: 'applied', status: event.status, caseId: parcel.caseId, item: parcel.item, key: parcel.key, department: parcel.department };
  });
}

export interface AppointmentRow {
  key: string;
  institution: string;
  slot: string;
}

export function appointmentsOf(db: Db, caseId: string): Promise<AppointmentRow[]> {
  return retryRead(async () =>
    (await db.select().from(appointments).where(eq(appointments.caseId, caseId))).map((a) => ({ key: a.key, institution: a.institution, slot: a.slot.toISOString() })),
  );
}

/** Books (or moves) the family's slot for the item's trip. */
export async function bookAppointment(db: Db, row: { caseId: string; key: string; institution: string; slot: Date }): Promise<void> {
  await db
    .insert(appointments)
    .values(row)
    .onConflictDoUpdate({ target: [appointments.caseId, appointments.key], set: { slot: row.slot, institution: row.institution, bookedAt: sql`now()` } });
}
