import { strict as assert } from 'node:assert';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import type { Principal } from '../../api/auth';
import type { Application, Department, ItemCode, ItemStatus } from '../../policy/types';
import { sampleApplication } from '../../scripts/sample-application';
import type { CaseView } from '../../workflows/messages';
import { newWorker, testEnv, token, type TestEnv } from '../harness';

let seq = 100;
let queues = 0;

/**
 * One test's world: a worker on its own task queue, the API in front of it, and
 * the steps people take (apply, decide, supply, withdraw) as plain calls.
 */
export class Scenario {
  private constructor(
    readonly env: TestEnv,
    readonly taskQueue: string,
    private readonly slaDaySeconds?: number,
  ) {}

  static async start(options: { slaDaySeconds?: number } = {}): Promise<Scenario> {
    return new Scenario(await testEnv(), `test-${process.pid}-${++queues}`, options.slaDaySeconds);
  }

  /**
   * Runs the body while a worker polls the scenario's task queue; the worker shuts
   * down afterwards. A second `run` is a new worker process picking up the same cases.
   */
  async run(body: (s: Scenario) => Promise<void>): Promise<void> {
    const { worker } = await newWorker(this.env, { taskQueue: this.taskQueue, slaDaySeconds: this.slaDaySeconds });
    await worker.runUntil(body(this));
  }

  get api() {
    return this.env.api(this.taskQueue);
  }

  application(overrides: Partial<Application> = {}): Application {
    return { ...sampleApplication({ seq: seq++ + (process.pid % 500) }), ...overrides };
  }

  auth(principal: Principal): Promise<string> {
    return token(this.env, principal);
  }

  async applicantToken(app: Application): Promise<string> {
    return this.auth({ sub: app.applicant.idNumber, role: 'applicant' });
  }

  async submit(app: Application): Promise<string> {
    const res = await this.api.post('/api/cases').set('authorization', `Bearer ${await this.applicantToken(app)}`).send(app);
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body.caseId;
  }

  async view(caseId: string): Promise<CaseView> {
    const res = await this.api.get(`/api/cases/${caseId}`).set('authorization', `Bearer ${await this.auth({ sub: 'auditor-1', role: 'auditor' })}`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body;
  }

  async decide(caseId: string, item: ItemCode, department: Department, decision: 'approve' | 'reject' | 'request_supplement', comment?: string) {
    return this.api
      .post(`/api/cases/${caseId}/items/${item}/decision`)
      .set('authorization', `Bearer ${await this.auth({ sub: `worker-${department}`, role: 'case_worker', department })}`)
      .send({ decision, ...(comment && { comment }) });
  }

  /** Polls the read model until the case matches, so tests never sleep for a fixed time. */
  async waitFor(caseId: string, predicate: (view: CaseView) => boolean, what: string, timeoutMs = 30_000): Promise<CaseView> {
    const deadline = Date.now() + timeoutMs;
    let last: CaseView | undefined;
    while (Date.now() < deadline) {
      last = await this.view(caseId);
      if (predicate(last)) return last;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.fail(`timed out waiting for ${what}; last view: ${JSON.stringify(last)}`);
  }

  /** With RECORD_HISTORIES=1, keeps the case's history as a golden history for the replay test, unless one by that name exists. */
  async recordGolden(caseId: string, name: string): Promise<void> {
    const file = join(__dirname, '..', 'histories', `${name}.json`);
    // A golden history is recorded once and then kept: it stands for cases already running.
    if (!process.env.RECORD_HISTORIES || existsSync(file)) return;
    const history = await this.env.client.workflow.getHandle(caseId).fetchHistory();
    writeFileSync(file, `${JSON.stringify(JSON.parse(historyToJSON(history)), null, 1)}\n`);
  }

  waitForItems(caseId: string, expected: Partial<Record<ItemCode, ItemStatus>>): Promise<CaseView> {
    return this.waitFor(
      caseId,
      (v) => Object.entries(expected).every(([item, status]) => statusOf(v, item as ItemCode) === status),
      JSON.stringify(expected),
    );
  }
}

export function statusOf(view: CaseView, item: ItemCode): ItemStatus | undefined {
  return view.items.find((i) => i.item === item)?.status;
}

export function itemOf(view: CaseView, item: ItemCode) {
  const found = view.items.find((i) => i.item === item);
  assert.ok(found, `no item ${item}`);
  return found;
}
