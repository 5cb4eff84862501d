import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

interface Setup {
  buildConsole(): boolean;
  CHROMIUM_PATH: string;
}

/** The set-up step itself (scripts/setup.mjs), so tests build and find what `npm start` would. */
export async function setupStep(): Promise<Setup> {
  return (await import(pathToFileURL(join(__dirname, '..', '..', 'scripts', 'setup.mjs')).href)) as Setup;
}

/** Builds the console when its sources changed since the last build (cheap otherwise): `npx mocha` alone works too. */
export async function ensureConsoleBuilt(): Promise<void> {
  (await setupStep()).buildConsole();
}
