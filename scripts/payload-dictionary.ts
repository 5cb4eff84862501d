import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Payload } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { EncryptionCodec } from '../runtime/codec';
import { parsePayloadKeys } from '../runtime/config';

const USAGE = `npm run -s payload:dictionary -- --out FILE [--histories DIR] [--key ID:BASE64]

Writes a deflate preset dictionary for the payload codec (at most 32 KiB) from the
payloads of the golden histories: the shape of what a case's payloads say (keys,
item codes, statuses, event types), with every other value blanked, so the dictionary
holds no one's data. A dictionary, once shipped, never changes: payloads compressed
with it name its number, and a new one takes the next number (runtime/codec.ts).`;

const MAX = 32 * 1024;
/** Values a dictionary may keep: vocabulary (item codes, statuses, event types), never free text or numbers. */
const VOCABULARY = /^[a-z][a-z0-9_]{1,40}$/;

function blank(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(blank);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, blank(v)]));
  if (typeof value === 'string') return VOCABULARY.test(value) ? value : '';
  if (typeof value === 'number') return 0;
  return value;
}

function* payloadsOf(node: unknown): Generator<{ metadata: Record<string, string>; data: string }> {
  if (Array.isArray(node)) for (const x of node) yield* payloadsOf(x);
  else if (node && typeof node === 'object') {
    const o = node as Record<string, unknown>;
    if (o.metadata && typeof o.data === 'string') yield o as { metadata: Record<string, string>; data: string };
    else for (const v of Object.values(o)) yield* payloadsOf(v);
  }
}

async function main() {
  const { values } = parseArgs({ options: { out: { type: 'string' }, histories: { type: 'string', default: 'test/histories' }, key: { type: 'string', default: 'test:yCaCIoZ55IPDwzR6rc7MQ5yhx6xgXyjLg1KZH8aMKyI=' }, help: { type: 'boolean' } } });
  if (values.help || !values.out) {
    console.log(USAGE);
    process.exit(values.help ? 0 : 2);
  }
  const codec = new EncryptionCodec(parsePayloadKeys(values.key));
  const counts = new Map<string, number>();
  for (const file of readdirSync(values.histories).filter((f) => f.endsWith('.json')).sort()) {
    const history = JSON.parse(readFileSync(join(values.histories, file), 'utf8'));
    for (const stored of payloadsOf(history)) {
      const payload: Payload = { metadata: Object.fromEntries(Object.entries(stored.metadata).map(([k, v]) => [k, Buffer.from(v, 'base64')])), data: Buffer.from(stored.data, 'base64') };
      const [plain] = await codec.decode([payload]);
      let data = plain.data ?? new Uint8Array();
      try {
        data = Buffer.from(JSON.stringify(blank(JSON.parse(Buffer.from(data).toString()))));
      } catch {
        continue; // not JSON: nothing of a shape to learn
      }
      const sample = Buffer.from(temporal.api.common.v1.Payload.encode({ ...plain, data }).finish()).toString('latin1');
      counts.set(sample, (counts.get(sample) ?? 0) + 1);
    }
  }
  // Deflate finds the dictionary's end soonest: the commonest shapes go last.
  const samples = [...counts.entries()].sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : 1)).map(([s]) => Buffer.from(s, 'latin1'));
  const chosen: Buffer[] = [];
  let size = 0;
  for (const sample of samples.reverse()) {
    if (size + sample.length > MAX) continue;
    chosen.unshift(sample);
    size += sample.length;
  }
  writeFileSync(values.out, Buffer.concat(chosen));
  console.log(`${values.out}: ${size} bytes from ${chosen.length} of ${samples.length} payload shapes`);
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
