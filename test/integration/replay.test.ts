import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DeterminismViolationError } from '@temporalio/workflow';
import { Worker } from '@temporalio/worker';
import { dataConverter } from '../../runtime/temporal';
import { testEnv } from '../harness';

// Golden histories, recorded from real runs (RECORD_HISTORIES=1 npm test), must keep
// replaying with today's workflow code: old cases run on whatever code is deployed.

const dir = join(__dirname, '..', 'histories');
const goldens = () =>
  readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => ({ workflowId: file.replace(/\.json$/, ''), history: JSON.parse(readFileSync(join(dir, file), 'utf8')) }));

describe('replay of golden histories', function () {
  it('replays every history in test/histories/ with the current workflow code', async function () {
    const env = await testEnv();
    const histories = goldens();
    assert.ok(histories.length >= 5, `expected the golden histories, found ${histories.length}`);
    const failures: string[] = [];
    for await (const result of Worker.runReplayHistories({ workflowBundle: env.bundle, dataConverter: dataConverter(env.config) }, histories)) {
      if (result.error) failures.push(`${result.workflowId}: ${result.error.message}`);
    }
    assert.deepEqual(failures, []);
  });

  it('catches an incompatible change to the workflow as a determinism violation', async function () {
    const env = await testEnv();
    const [golden] = goldens();
    await assert.rejects(
      Worker.runReplayHistory({ workflowsPath: require.resolve('../fixtures/altered-workflow'), dataConverter: dataConverter(env.config) }, golden.history, golden.workflowId),
      (err: unknown) => err instanceof DeterminismViolationError,
    );
  });
});
