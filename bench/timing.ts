import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';

// How the one-route benches (case-view.ts, case-submit.ts) time a call: in one quiet
// process, one call after another, the median of many after a warm-up.

/** Median milliseconds of `calls` calls after `warm` untimed ones (past the JIT's warm-up); each call gets its index. */
export async function medianMs(calls: number, warm: number, call: (i: number) => Promise<unknown>): Promise<number> {
  for (let i = 0; i < warm; i++) await call(i);
  const took: number[] = [];
  for (let i = 0; i < calls; i++) {
    const t = process.hrtime.bigint();
    await call(warm + i);
    took.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  return took.sort((a, b) => a - b)[Math.floor(took.length / 2)];
}

/** Runs `run`, under V8's CPU profiler when a file is named (written there, for DevTools). */
export async function profiled<T>(file: string | undefined, run: () => Promise<T>): Promise<T> {
  if (!file) return run();
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  try {
    return await run();
  } finally {
    writeFileSync(file, JSON.stringify((await session.post('Profiler.stop')).profile));
    session.disconnect();
  }
}
