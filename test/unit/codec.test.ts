import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { METADATA_ENCODING_KEY, defaultPayloadConverter, type Payload } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { createCipheriv } from 'node:crypto';
import { EncryptionCodec } from '../../runtime/codec';

// The codec compresses before it encrypts, with a preset dictionary that payloads name.
// Histories are kept for ever, so what was written before compression must still read.

const key = { id: 'k1', key: randomBytes(32) };
const codec = new EncryptionCodec([key]);
const text = (m: Payload['metadata'], k: string) => Buffer.from(m?.[k] ?? []).toString();

const caseRecord = {
  caseId: 'case-0123456789abcdef',
  events: Array.from({ length: 6 }, (_, seq) => ({ seq, at: '2026-11-24T07:00:00.000Z', type: 'item_started', item: 'birth_certificate', detail: { department: 'hospital' } })),
};

describe('the payload codec', function () {
  it('compresses a case record with the dictionary, encrypts it, and reads it back as it was', async function () {
    const payload = defaultPayloadConverter.toPayload(caseRecord);
    const [encoded] = await codec.encode([payload]);
    assert.equal(text(encoded.metadata, METADATA_ENCODING_KEY), 'binary/encrypted-z1');
    const plainSize = temporal.api.common.v1.Payload.encode(payload).finish().length;
    assert.ok(encoded.data!.length < plainSize / 2, `${encoded.data!.length} bytes of ${plainSize}`);
    assert.ok(!Buffer.from(encoded.data!).toString('latin1').includes('birth_certificate'));
    const [decoded] = await codec.decode([encoded]);
    assert.deepEqual(defaultPayloadConverter.fromPayload(decoded), caseRecord);
  });

  it('leaves a payload too small to gain unmarked, and reads it back', async function () {
    const [encoded] = await codec.encode([defaultPayloadConverter.toPayload(true)]);
    assert.equal(text(encoded.metadata, METADATA_ENCODING_KEY), 'binary/encrypted');
    assert.equal(defaultPayloadConverter.fromPayload((await codec.decode([encoded]))[0]), true);
  });

  it('reads a payload encrypted before compression existed', async function () {
    const payload = defaultPayloadConverter.toPayload(caseRecord);
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key.key, iv);
    const plain = temporal.api.common.v1.Payload.encode(payload).finish();
    const old: Payload = {
      metadata: { [METADATA_ENCODING_KEY]: Buffer.from('binary/encrypted'), 'encryption-key-id': Buffer.from('k1') },
      data: Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]),
    };
    assert.deepEqual(defaultPayloadConverter.fromPayload((await codec.decode([old]))[0]), caseRecord);
  });

  it('refuses a dictionary it does not know and a tampered payload', async function () {
    const [encoded] = await codec.encode([defaultPayloadConverter.toPayload(caseRecord)]);
    await assert.rejects(codec.decode([{ ...encoded, metadata: { ...encoded.metadata, [METADATA_ENCODING_KEY]: Buffer.from('binary/encrypted-z9') } }]), /unknown dictionary "9"/);
    const tampered = Buffer.from(encoded.data!);
    tampered[20] ^= 1;
    await assert.rejects(codec.decode([{ ...encoded, data: tampered }]));
  });
});
