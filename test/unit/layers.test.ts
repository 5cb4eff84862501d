import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { ESLint } from 'eslint';

// The direction of imports is a lint rule (eslint.config.mjs), run by `npm test`
// before the suites. These cases show that the rule is there and bites: each import
// below would point the wrong way.

const root = join(__dirname, '..', '..');

async function restricted(file: string, source: string): Promise<string[]> {
  // Only the import rules matter here: no type information for a file that is not on disk.
  const eslint = new ESLint({
    cwd: root,
    overrideConfig: { languageOptions: { parserOptions: { projectService: false } }, rules: { '@typescript-eslint/no-floating-promises': 'off' } },
  });
  const [result] = await eslint.lintText(source, { filePath: join(root, file) });
  return result.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

describe('imports point one way', function () {
  this.timeout(30_000);

  const wrong: [string, string][] = [
    ['api/routes/x.ts', "import { createCaseWorker } from '../../worker/worker';"],
    ['api/x.ts', "import { createActivities } from '../activities';"],
    ['worker/x.ts', "import { createApp } from '../api/app';"],
    ['db/x.ts', "import { personKey } from '../domain/identity';"],
    ['db/x.ts', "import { loadConfig } from '../runtime/config';"],
    ['domain/x.ts', "import { createActivities } from '../activities';"],
    ['runtime/x.ts', "import { openDatabase } from '../db/client';"],
    ['policy/x.ts', "import { openDatabase } from '../db/client';"],
    ['workflows/x.ts', "import { loadConfig } from '../runtime/config';"],
    ['workflows/x.ts', "import { findCase } from '../db/queries';"],
    ['activities/x.ts', "import { createApp } from '../api/app';"],
    ['api/x.ts', "import { newbornCaseWorkflow } from '../workflows';"],
    ['domain/x.ts', "import { auditReplayWorkflow } from '../workflows/audit-replay';"],
  ];
  for (const [file, source] of wrong) {
    it(`refuses in ${file}: ${source}`, async function () {
      assert.equal((await restricted(file, source)).length, 1);
    });
  }

  const right: [string, string][] = [
    ['api/x.ts', "import { personKey } from '../domain/identity';"],
    ['worker/x.ts', "import { createActivities } from '../activities';"],
    ['workflows/x.ts', "import { ACTIVITY_FAILURES } from '../runtime/failures';"],
    ['workflows/x.ts', "import type { CaseActivities } from '../activities';"],
    ['runtime/x.ts', "import { NativeConnection } from '@temporalio/worker';"],
    ['db/x.ts', "import type { CaseView } from '../workflows/messages';"],
    ['api/x.ts', "import type { auditReplayWorkflow } from '../workflows/audit-replay';"],
    ['api/x.ts', "import { decideItemUpdate } from '../workflows/messages';"],
    ['domain/x.ts', "import { readCaseEventRecord } from '../workflows/case-events-reader';"],
  ];
  for (const [file, source] of right) {
    it(`allows in ${file}: ${source}`, async function () {
      assert.deepEqual(await restricted(file, source), []);
    });
  }
});
