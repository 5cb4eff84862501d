import { strict as assert } from 'node:assert';

/**
 * Polls until the probe gives a value, so that tests wait for what they need and never
 * sleep for a fixed time. `describe` may say what was last seen, for the failure message.
 */
export async function eventually<T>(probe: () => Promise<T | undefined | false | null>, what: string, options: { timeoutMs?: number; describe?: () => string } = {}): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false && value !== null) return value;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}${options.describe ? `; ${options.describe()}` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
