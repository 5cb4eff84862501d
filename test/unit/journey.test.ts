import { strict as assert } from 'node:assert';
import { createHmac } from 'node:crypto';
import { validSignature } from '../../api/routes/journey';
import { shippedCatalogue } from '../../policy/pack-files';
import { packDocument, parsePack, InvalidPackError } from '../../policy/pack-schema';
import { itemDefinition } from '../../policy/packs';
import { sampleApplication } from '../../scripts/sample-application';
import { signCarrierEvent } from '../../simulator/journey';
import { msUntil, postedDocument, supplementLimitOf } from '../../workflows/journey';

// The rules of the family's journey (issue 10) that need no server.

describe("the family's journey, as rules", function () {
  const shanghai = shippedCatalogue().current('shanghai');
  const app = sampleApplication({ region: 'shanghai', seq: 1 });
  const card = itemDefinition(shanghai, 'social_security_card')!;
  const booklet = itemDefinition(shanghai, 'outpatient_record_booklet')!;

  it('posts a paper document only by EMS, and the social security card only when the family did not ask to collect it', function () {
    const ems = { method: 'ems' as const, recipient: '李芳', phone: '13800000000', address: '上海市徐汇区' };
    assert.equal(postedDocument(card, app), undefined, 'no logistics: nothing posted');
    assert.equal(postedDocument(card, { ...app, logistics: { method: 'pickup' } }), undefined);
    assert.equal(postedDocument(card, { ...app, logistics: ems }), '社会保障卡');
    assert.equal(postedDocument(card, { ...app, logistics: ems, socialSecurityCard: { bankCode: 'ICBC', deliverByPost: false } }), undefined);
    assert.equal(postedDocument(booklet, { ...app, logistics: ems, socialSecurityCard: { bankCode: 'ICBC', deliverByPost: false } }), '门急诊就医记录册');
    assert.equal(postedDocument(itemDefinition(shanghai, 'birth_certificate')!, { ...app, logistics: ems }), undefined, 'the pack says which items produce paper');
  });

  it('reads the supplement limit and its reminder from the pack', function () {
    assert.deepEqual(supplementLimitOf(shanghai), { workingDays: 10, remindAfter: 8 });
    assert.equal(supplementLimitOf(shippedCatalogue().current('national')), undefined, 'no limit where the pack sets none');
    assert.equal(msUntil('2026-01-01T00:00:00Z', Date.parse('2026-01-02T00:00:00Z')), 1, 'a limit already past is a timer of one millisecond');
  });

  it('refuses a pack whose parents pay nothing, or pay for an item a case worker decides, or remind after the limit', function () {
    const doc = packDocument(shanghai);
    const broken = {
      ...doc,
      supplementReminderWorkingDays: 12,
      items: doc.items.map((d) =>
        d.item === 'medical_insurance_payment' ? { ...d, payment: undefined } : d.item === 'medical_insurance_enrollment' ? { ...d, payment: { amountFen: 100 } } : d,
      ),
    };
    assert.throws(
      () => parsePack(broken, 'broken'),
      (err: InvalidPackError) => {
        const messages = err.issues.map((i) => i.message).join('\n');
        assert.match(messages, /medical_insurance_payment: decided by the applicant, but names no payment/);
        assert.match(messages, /medical_insurance_enrollment: names a payment but is not decided by the applicant/);
        assert.match(messages, /reminder .* must fall within the supplement limit/);
        return true;
      },
    );
  });

  it('accepts exactly the signature the carrier makes over the raw body', function () {
    const secret = 'a-carrier-secret-of-at-least-32-characters';
    const body = JSON.stringify({ trackingNumber: 'EMS1', status: 'delivered', at: '2026-11-20T08:30:00+08:00' });
    const signature = signCarrierEvent(secret, body);
    assert.equal(signature, `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`);
    assert.equal(validSignature(secret, Buffer.from(body), signature), true);
    assert.equal(validSignature(secret, Buffer.from(body), signature.toUpperCase().replace('SHA256=', 'sha256=')), true, 'hex in either case');
    assert.equal(validSignature(secret, Buffer.from(`${body} `), signature), false, 'another body');
    assert.equal(validSignature('another-secret-of-at-least-32-characters!', Buffer.from(body), signature), false, 'another key');
    assert.equal(validSignature(secret, Buffer.from(body), undefined), false, 'no signature');
    assert.equal(validSignature(secret, Buffer.from(body), 'sha256=abc'), false, 'not a digest');
    assert.equal(validSignature(secret, undefined, signature), false, 'no body');
  });
});
