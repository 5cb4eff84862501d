import { parseArgs, type ParseArgsConfig } from 'node:util';

// The small command-line tools (token, sample, audit:replay) read their arguments
// the same way: `--help` prints the usage, a bad argument prints what is wrong and
// the usage, never a stack trace.

export class UsageError extends Error {}

type Options = NonNullable<ParseArgsConfig['options']>;

export function parseCli<O extends Options>(usage: string, options: O) {
  try {
    const parsed = parseArgs({ options: { ...options, help: { type: 'boolean', short: 'h' } }, strict: true, allowPositionals: false });
    if ((parsed.values as Record<string, unknown>).help) {
      process.stdout.write(`${usage.trim()}\n`);
      process.exit(0);
    }
    return parsed.values as ReturnType<typeof parseArgs<{ options: O }>>['values'];
  } catch (err) {
    fail(usage, (err as Error).message);
  }
}

/** Says what is wrong and how the command is used, then exits with status 2. */
export function fail(usage: string, message: string): never {
  process.stderr.write(`${message}\n\n${usage.trim()}\n`);
  process.exit(2);
}

/** The end of every tool: a known error as one line, exit status 1. */
export function run(main: () => Promise<void>): void {
  main().catch((err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
