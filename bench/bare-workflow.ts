import { condition, defineUpdate, proxyActivities, setHandler } from '@temporalio/workflow';

// The baseline of bench/pipeline.ts: a workflow of the newborn case's shape and nothing
// else. Five items with the national pack's prerequisites; each runs `work` no-op
// activities, waits for a decision (an update), then issues its licence (one more
// activity). No projection, no deadlines, no notifications, no encryption of its own.

export interface BareActivities {
  step(input: { item: string; n: number }): Promise<{ ok: true }>;
  issue(input: { item: string }): Promise<{ number: string }>;
}

const { step, issue } = proxyActivities<BareActivities>({ startToCloseTimeout: '30s' });

export const bareDecide = defineUpdate<{ item: string }, [{ item: string }]>('decide');

const PREREQUISITES: Record<string, string[]> = {
  birth_certificate: [],
  vaccination_certificate: [],
  hukou_registration: ['birth_certificate'],
  medical_insurance_enrollment: ['hukou_registration'],
  social_security_card: ['hukou_registration'],
};

export async function bareCaseWorkflow(input: { work: number }): Promise<string[]> {
  const done = new Set<string>();
  const waiting = new Set<string>();
  const decided = new Set<string>();
  setHandler(bareDecide, async ({ item }) => {
    await condition(() => waiting.has(item));
    decided.add(item);
    await condition(() => done.has(item));
    return { item };
  });
  const licences: string[] = [];
  await Promise.all(
    Object.entries(PREREQUISITES).map(async ([item, before]) => {
      await condition(() => before.every((p) => done.has(p)));
      for (let n = 0; n < input.work; n++) await step({ item, n });
      waiting.add(item);
      await condition(() => decided.has(item));
      licences.push((await issue({ item })).number);
      done.add(item);
    }),
  );
  return licences;
}
