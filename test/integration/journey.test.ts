import { strict as assert } from 'node:assert';
import { createHmac } from 'node:crypto';
import type { Application, ItemCode } from '../../policy/types';
import { sampleApplication } from '../../scripts/sample-application';
import { uniqueSeq } from '../applicants';
import { eventually } from '../eventually';
import { Scenario, itemOf, statusOf } from './scenario';

// The family's journey (issue 10) on the real servers: the parents pay the child's
// medical insurance themselves and the case checks it with the payment gateway; the
// one trip left (the hukou book) is offered a slot; the paper cards go by EMS and the
// carrier's signed events move them on; a supplement not answered in time closes its item.

interface SmsMessage {
  to: string;
  template: string;
  params: Record<string, unknown>;
}
interface Shipment {
  item: string;
  key: string;
  carrier: string;
  trackingNumber: string;
  status: string;
}

function shanghaiFamily(items: ItemCode[], extra: Partial<Application> = {}): Application {
  return { ...sampleApplication({ region: 'shanghai', seq: uniqueSeq(), motherBirthDate: '19940611' }), items, ...extra };
}

async function sms(s: Scenario, to: string): Promise<SmsMessage[]> {
  const res = await fetch(`${s.env.simulator.url}/sms/messages?to=${encodeURIComponent(to)}`);
  return ((await res.json()) as { messages: SmsMessage[] }).messages;
}

async function gateway<T>(s: Scenario, method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; body: T }> {
  const res = await fetch(`${s.env.simulator.url}${path}`, { method, headers: { 'content-type': 'application/json' }, ...(body !== undefined && { body: JSON.stringify(body) }) });
  return { status: res.status, body: (await res.json()) as T };
}

async function approve(s: Scenario, caseId: string, item: ItemCode, department: Parameters<Scenario['decide']>[2]): Promise<void> {
  await s.waitForItems(caseId, { [item]: 'in_review' });
  const res = await s.decide(caseId, item, department, 'approve');
  assert.equal(res.status, 200, JSON.stringify(res.body));
}

describe("the family's journey", function () {
  this.timeout(180_000);

  it("waits for the parents' payment, refuses a fake or mismatched reference, completes once the gateway confirms it, and offers a slot for the one trip left", async function () {
    const s = await Scenario.start();
    await s.run(async () => {
      const app = shanghaiFamily(['birth_certificate', 'hukou_registration', 'medical_insurance_enrollment', 'medical_insurance_payment']);
      const caseId = await s.submit(app);
      const applicant = `Bearer ${await s.applicantToken(app)}`;
      const view0 = await s.view(caseId);
      assert.equal(view0.policyVersion, '2026.3', 'a new case gets the pack with the parents’ step');

      await approve(s, caseId, 'birth_certificate', 'hospital');
      await approve(s, caseId, 'hukou_registration', 'police');

      // The one trip left: where, what for, and a slot on a working day.
      const afterHukou = await s.waitForItems(caseId, { hukou_registration: 'completed' });
      const visit = (itemOf(afterHukou, 'hukou_registration') as { visit?: { institution: string; purpose: string } }).visit;
      assert.ok(visit, JSON.stringify(itemOf(afterHukou, 'hukou_registration')));
      assert.equal(visit.institution, itemOf(afterHukou, 'hukou_registration').institution);
      assert.match(visit.purpose, /户口簿/);
      const slots = await s.api.get(`/api/cases/${caseId}/items/hukou_registration/slots`).set('authorization', applicant);
      assert.equal(slots.status, 200, JSON.stringify(slots.body));
      assert.ok(slots.body.slots.length >= 4, JSON.stringify(slots.body));
      assert.ok(slots.body.slots.every((slot: string) => Date.parse(slot) > Date.now()), 'slots lie ahead');
      const notOffered = await s.api.post(`/api/cases/${caseId}/items/hukou_registration/appointment`).set('authorization', applicant).send({ slot: '2020-01-01T09:00:00+08:00' });
      assert.equal(notOffered.status, 422, JSON.stringify(notOffered.body));
      const booked = await s.api.post(`/api/cases/${caseId}/items/hukou_registration/appointment`).set('authorization', applicant).send({ slot: slots.body.slots[1] });
      assert.equal(booked.status, 200, JSON.stringify(booked.body));
      const noTrip = await s.api.get(`/api/cases/${caseId}/items/birth_certificate/slots`).set('authorization', applicant);
      assert.equal(noTrip.status, 404, 'the birth certificate needs no trip');

      await approve(s, caseId, 'medical_insurance_enrollment', 'medical_insurance');
      const waiting = await s.waitForItems(caseId, { medical_insurance_payment: 'awaiting_applicant' });
      const due = itemOf(waiting, 'medical_insurance_payment') as { payment?: { amountFen: number; paid: boolean } };
      assert.deepEqual(due.payment, { amountFen: 20000, paid: false });
      assert.equal(
        (itemOf(waiting, 'hukou_registration') as { visit?: { appointment?: { slot: string } } }).visit?.appointment?.slot,
        new Date(slots.body.slots[1]).toISOString(),
        'the booked slot shows in the case',
      );

      // No case worker can approve what the parents must do.
      const clerk = await s.decide(caseId, 'medical_insurance_payment', 'medical_insurance', 'approve');
      assert.equal(clerk.status, 409, JSON.stringify(clerk.body));
      const tasks = await s.api.get('/api/tasks').set('authorization', `Bearer ${await s.caseWorker(caseId, 'medical_insurance')}`);
      assert.equal(tasks.status, 200);
      assert.ok(!tasks.body.tasks.some((t: { caseId: string; item: string }) => t.caseId === caseId && t.item === 'medical_insurance_payment'), 'not in any inbox');

      const pay = (reference: string) => s.api.post(`/api/cases/${caseId}/items/medical_insurance_payment/payment`).set('authorization', applicant).send({ reference });
      // A reference the gateway never issued.
      const fake = await pay('PAY-00000000-0000-0000-0000-000000000000');
      assert.equal(fake.status, 422, JSON.stringify(fake.body));
      assert.equal(fake.body.error, 'payment_not_verified');
      assert.match(fake.body.message, /PAYMENT_NOT_FOUND/);
      // An order created but not paid, and one paid for another item.
      const unpaid = await gateway<{ reference: string }>(s, 'POST', '/payments', { caseId, item: 'medical_insurance_payment', amountFen: 20000 });
      assert.match((await pay(unpaid.body.reference)).body.message, /PAYMENT_NOT_PAID/);
      const other = await gateway<{ reference: string }>(s, 'POST', '/payments', { caseId, item: 'social_security_card', amountFen: 20000 });
      await gateway(s, 'POST', `/payments/${other.body.reference}/pay`);
      assert.match((await pay(other.body.reference)).body.message, /PAYMENT_MISMATCH/);
      const short = await gateway<{ reference: string }>(s, 'POST', '/payments', { caseId, item: 'medical_insurance_payment', amountFen: 100 });
      await gateway(s, 'POST', `/payments/${short.body.reference}/pay`);
      assert.match((await pay(short.body.reference)).body.message, /PAYMENT_AMOUNT_MISMATCH/);
      assert.equal(statusOf(await s.view(caseId), 'medical_insurance_payment'), 'awaiting_applicant', 'refused payments change nothing');
      const badInput = await pay('not a reference!');
      assert.equal(badInput.status, 400);

      // The real one: paid at the gateway, named to the case, checked, done.
      await gateway(s, 'POST', `/payments/${unpaid.body.reference}/pay`);
      const paid = await pay(unpaid.body.reference);
      assert.equal(paid.status, 200, JSON.stringify(paid.body));
      assert.equal(statusOf(paid.body, 'medical_insurance_payment'), 'completed');
      const done = await s.waitFor(caseId, (v) => v.status === 'completed', 'the case to complete');
      const receipt = itemOf(done, 'medical_insurance_payment');
      assert.equal(receipt.decidedBy, 'applicant');
      assert.equal(receipt.licence?.type, 'medical_insurance_payment_receipt');
      const again = await pay(unpaid.body.reference);
      assert.equal(again.status, 409, 'nothing awaits a payment any more');
      process.stdout.write(`      [journey] payment: fake ${fake.status} ${fake.body.error}; paid ${paid.status}, receipt ${receipt.licence?.number}\n`);
      await s.recordGolden(caseId, 'journey-applicant-payment');
    });
  });

  it('posts the cards by EMS and follows them through signed carrier events; a forged event is refused, a replayed one changes nothing, a returned parcel is told', async function () {
    const s = await Scenario.start();
    await s.run(async () => {
      const app = shanghaiFamily(['birth_certificate', 'hukou_registration', 'social_security_card', 'outpatient_record_booklet'], {
        socialSecurityCard: { bankCode: 'ICBC', deliverByPost: true },
        logistics: { method: 'ems', recipient: '李芳', phone: '13800000000', address: '上海市徐汇区漕溪北路1号' },
      });
      const caseId = await s.submit(app);
      await approve(s, caseId, 'birth_certificate', 'hospital');
      await approve(s, caseId, 'hukou_registration', 'police');
      await approve(s, caseId, 'social_security_card', 'hrss');
      await approve(s, caseId, 'outpatient_record_booklet', 'medical_insurance');
      const closed = await s.waitFor(caseId, (v) => v.status === 'completed' && ((v as { shipments?: Shipment[] }).shipments ?? []).length === 2, 'the case to complete with its two parcels');
      const shipments = (closed as { shipments?: Shipment[] }).shipments!;
      assert.deepEqual(shipments.map((p) => [p.item, p.carrier, p.status]).sort(), [
        ['outpatient_record_booklet', 'EMS', 'created'],
        ['social_security_card', 'EMS', 'created'],
      ]);
      const card = shipments.find((p) => p.item === 'social_security_card')!;
      const booklet = shipments.find((p) => p.item === 'outpatient_record_booklet')!;
      assert.equal(card.key, 'social_security_card');

      /** The carrier signs an event (the simulator); the test delivers it to the API. */
      const carrier = async (trackingNumber: string, status: string, at?: string) =>
        (await gateway<{ body: string; signature: string }>(s, 'POST', '/admin/carrier/events', { trackingNumber, status, ...(at && { at }) })).body;
      const deliver = (event: { body: string; signature?: string }) => {
        const req = s.api.post('/api/logistics/events').set('content-type', 'application/json');
        if (event.signature) req.set('x-signature', event.signature);
        return req.send(event.body);
      };
      const statusOfParcel = async (trackingNumber: string) => ((await s.view(caseId)) as { shipments?: Shipment[] }).shipments!.find((p) => p.trackingNumber === trackingNumber)!.status;

      const inTransit = await carrier(card.trackingNumber, 'in_transit');
      const moved = await deliver(inTransit);
      assert.equal(moved.status, 200, JSON.stringify(moved.body));
      assert.deepEqual(moved.body, { trackingNumber: card.trackingNumber, status: 'in_transit', applied: true });
      assert.equal(await statusOfParcel(card.trackingNumber), 'in_transit');

      // Forged: signed with another key, signed over another body, not signed at all.
      const forgedBody = JSON.stringify({ trackingNumber: card.trackingNumber, status: 'returned', at: new Date().toISOString() });
      const wrongKey = `sha256=${createHmac('sha256', 'not-the-carrier-secret-0123456789abcdef').update(forgedBody).digest('hex')}`;
      assert.equal((await deliver({ body: forgedBody, signature: wrongKey })).status, 401);
      assert.equal((await deliver({ body: forgedBody, signature: inTransit.signature })).status, 401);
      const unsigned = await deliver({ body: forgedBody });
      assert.equal(unsigned.status, 401);
      assert.equal(unsigned.body.error, 'bad_signature');
      assert.equal(await statusOfParcel(card.trackingNumber), 'in_transit', 'a forged event changes nothing');

      const delivered = await carrier(card.trackingNumber, 'delivered');
      assert.deepEqual((await deliver(delivered)).body, { trackingNumber: card.trackingNumber, status: 'delivered', applied: true });
      // Replayed: the same signed events again change nothing.
      const replayed = await deliver(delivered);
      assert.equal(replayed.status, 200);
      assert.deepEqual(replayed.body, { trackingNumber: card.trackingNumber, status: 'delivered', applied: false });
      assert.deepEqual((await deliver(inTransit)).body, { trackingNumber: card.trackingNumber, status: 'delivered', applied: false }, 'an older event never moves a parcel back');
      assert.equal(await statusOfParcel(card.trackingNumber), 'delivered');
      const [{ n: events }] = await s.env.db.sql`select count(*)::int as n from shipment_events where tracking_number = ${card.trackingNumber}`;
      assert.equal(events, 2, 'each event kept once');

      // The booklet comes back: the parents and the medical insurance supervisor hear of it.
      assert.equal((await deliver(await carrier(booklet.trackingNumber, 'in_transit'))).status, 200);
      assert.equal((await deliver(await carrier(booklet.trackingNumber, 'returned'))).body.status, 'returned');
      const toParents = await eventually(async () => (await sms(s, app.applicant.phone)).find((m) => m.template === 'shipment_returned' && m.params.caseId === caseId), 'the SMS to the parents');
      assert.equal(toParents.params.trackingNumber, booklet.trackingNumber);
      await eventually(async () => (await sms(s, 'department_supervisor@medical_insurance')).find((m) => m.template === 'shipment_returned' && m.params.caseId === caseId), 'the SMS to the supervisor');
      // Both parcels settled: the case's workflow ends.
      await s.env.client.workflow.getHandle(caseId).result();
      process.stdout.write(`      [journey] parcels: ${JSON.stringify(((await s.view(caseId)) as { shipments?: Shipment[] }).shipments!.map((p) => [p.item, p.status]))}\n`);
      await s.recordGolden(caseId, 'journey-shipments');
    });
  });

  it('closes an item whose supplement is not answered in time, reminding the parents first, and flags a second request to the supervisor', async function () {
    const s = await Scenario.start({ slaDaySeconds: 1 });
    await s.run(async () => {
      const app = shanghaiFamily(['birth_certificate', 'vaccination_certificate']);
      const caseId = await s.submit(app);
      const applicant = `Bearer ${await s.applicantToken(app)}`;
      await s.waitForItems(caseId, { birth_certificate: 'in_review', vaccination_certificate: 'in_review' });

      // The vaccination certificate: asked, never answered. Ten working days of one second.
      const asked = await s.decide(caseId, 'vaccination_certificate', 'hospital', 'request_supplement', '请补充乙肝疫苗接种记录');
      assert.equal(asked.status, 200);
      const limit = itemOf(await s.waitFor(caseId, (v) => itemOf(v, 'vaccination_certificate').deadline !== undefined && statusOf(v, 'vaccination_certificate') === 'awaiting_supplement', 'the limit of the supplement'), 'vaccination_certificate').deadline;

      // The birth certificate meanwhile: asked twice (the second time is flagged), answered both times in time.
      assert.equal((await s.decide(caseId, 'birth_certificate', 'hospital', 'request_supplement', '请补充分娩记录')).status, 200);
      const supplied = await s.api.post(`/api/cases/${caseId}/supplement`).set('authorization', applicant).send({ item: 'birth_certificate', documents: [{ name: '分娩记录', reference: 'upload-1' }] });
      assert.equal(supplied.status, 200, JSON.stringify(supplied.body));
      await s.waitForItems(caseId, { birth_certificate: 'in_review' });
      assert.equal((await s.decide(caseId, 'birth_certificate', 'hospital', 'request_supplement', '请补充出生时间证明')).status, 200);
      const again = await s.api.post(`/api/cases/${caseId}/supplement`).set('authorization', applicant).send({ item: 'birth_certificate', documents: [{ name: '出生时间证明', reference: 'upload-3' }] });
      assert.equal(again.status, 200, JSON.stringify(again.body));
      await approve(s, caseId, 'birth_certificate', 'hospital');
      const flagged = await eventually(async () => (await sms(s, 'department_supervisor@hospital')).find((m) => m.template === 'supplement_repeated' && m.params.caseId === caseId), 'the supervisor flagged');
      assert.equal(flagged.params.requests, 2);
      assert.equal(flagged.params.item, 'birth_certificate');

      const expired = await s.waitFor(caseId, (v) => statusOf(v, 'vaccination_certificate') === 'cancelled', 'the supplement to expire', 60_000);
      const item = itemOf(expired, 'vaccination_certificate');
      assert.equal(item.reason, 'SUPPLEMENT_EXPIRED');
      const notices = await s.notifications(app, caseId, (n) => n.some((x) => x.template === 'item_cancelled' && x.item === 'vaccination_certificate'));
      const reminder = notices.find((n) => n.template === 'supplement_reminder' && n.item === 'vaccination_certificate');
      assert.ok(reminder, 'reminded before the limit');
      assert.ok(limit && reminder.params.deadline === limit, `the reminder names the limit ${limit}: ${JSON.stringify(reminder.params)}`);
      assert.ok(notices.every((n) => !(n.template === 'supplement_reminder' && n.item === 'birth_certificate')), 'answered in time: no reminder');
      const late = await s.api.post(`/api/cases/${caseId}/supplement`).set('authorization', applicant).send({ item: 'vaccination_certificate', documents: [{ name: '接种记录', reference: 'upload-2' }] });
      assert.equal(late.status, 409, 'too late: nothing awaits a supplement');

      const closed = await s.waitFor(caseId, (v) => v.status === 'partially_completed', 'the case to close');
      process.stdout.write(`      [journey] supplement: ${JSON.stringify(closed.items.map((i) => [i.item, i.status, i.reason ?? '']))}\n`);
      await s.recordGolden(caseId, 'journey-supplement-expired');
    });
  });
});
