import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { METADATA_ENCODING_KEY, type Payload, type PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';

const ENCODING = 'binary/encrypted';
const KEY_ID = 'encryption-key-id';
/**
 * Preset dictionaries by number, written once by scripts/payload-dictionary.ts from the
 * shapes of the golden histories' payloads and never changed after: a payload names the
 * dictionary it was compressed with. Most payloads are a few hundred bytes of JSON whose
 * keys are the same in every case; the dictionary is where deflate finds them.
 */
const DICTIONARIES = new Map([[1, readFileSync(join(__dirname, 'payload-dictionary-1.bin'))]]);
const CURRENT_DICTIONARY = 1;
/**
 * A compressed payload says so in its encoding, `binary/encrypted-z<dictionary>`: raw
 * deflate with that preset dictionary, under the encryption. In the encoding rather than
 * a metadata entry of its own, because a history holds hundreds of payloads, kept for ever.
 */
const COMPRESSED = /^binary\/encrypted-z(\d+)$/;
const compressedEncoding = (dictionary: number) => `${ENCODING}-z${dictionary}`;
const CIPHER = 'aes-256-gcm';
/** Below this a payload (an item code, `{ ok: true }`) gains less from deflate than its marker costs. */
const COMPRESS_FROM_BYTES = 64;
/** A compressed payload inflates to at most this: nothing that decodes may grow without bound. */
const MAX_INFLATED_BYTES = 4 * 1024 * 1024;

/**
 * Encrypts every payload (inputs, results, signals, updates, memo) so that the
 * Temporal server and its UI only ever hold ciphertext. The newest key encrypts;
 * every configured key can decrypt, which is how keys are rotated.
 *
 * Payloads are compressed before they are encrypted (ciphertext does not compress):
 * a case's history is kept for ever, and most of it is JSON that repeats its own keys.
 * Whether a payload was compressed is marked in its encoding, so payloads written
 * before compression (and small ones, left as they are) decode as they always did.
 */
export class EncryptionCodec implements PayloadCodec {
  private readonly keys: Map<string, Buffer>;
  private readonly current: { id: string; key: Buffer };

  constructor(keys: { id: string; key: Buffer }[]) {
    if (keys.length === 0) throw new Error('EncryptionCodec needs at least one key');
    this.current = keys[0];
    this.keys = new Map(keys.map((k) => [k.id, k.key]));
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      let plain: Uint8Array = temporal.api.common.v1.Payload.encode(payload).finish();
      let compressed = false;
      if (plain.length >= COMPRESS_FROM_BYTES) {
        const deflated = deflateRawSync(plain, { level: 9, dictionary: DICTIONARIES.get(CURRENT_DICTIONARY) });
        if (deflated.length < plain.length) [plain, compressed] = [deflated, true];
      }
      const iv = randomBytes(12);
      const cipher = createCipheriv(CIPHER, this.current.key, iv);
      const data = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
      return {
        metadata: {
          [METADATA_ENCODING_KEY]: Buffer.from(compressed ? compressedEncoding(CURRENT_DICTIONARY) : ENCODING),
          [KEY_ID]: Buffer.from(this.current.id),
        },
        data,
      };
    });
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      const encoding = Buffer.from(payload.metadata?.[METADATA_ENCODING_KEY] ?? []).toString();
      const compressed = COMPRESSED.exec(encoding);
      if (encoding !== ENCODING && !compressed) return payload;
      const keyId = Buffer.from(payload.metadata?.[KEY_ID] ?? []).toString();
      const key = this.keys.get(keyId);
      if (!key) throw new Error(`payload encrypted with unknown key id "${keyId}"`);
      const data = Buffer.from(payload.data ?? []);
      const decipher = createDecipheriv(CIPHER, key, data.subarray(0, 12));
      decipher.setAuthTag(data.subarray(data.length - 16));
      let plain = Buffer.concat([decipher.update(data.subarray(12, data.length - 16)), decipher.final()]);
      if (compressed) {
        const dictionary = DICTIONARIES.get(Number(compressed[1]));
        if (!dictionary) throw new Error(`payload compressed with unknown dictionary "${compressed[1]}"`);
        plain = inflateRawSync(plain, { maxOutputLength: MAX_INFLATED_BYTES, dictionary });
      }
      return temporal.api.common.v1.Payload.decode(plain);
    });
  }
}

