import { strict as assert } from 'node:assert';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import type { Principal } from '../../api/auth';
import { caseIdFor, personKey } from '../../domain/identity';
import { maskIdNumber } from '../../policy/id-number';
import { itemsOf } from '../../policy/packs';
import type { Application, Department, ItemCode, ItemStatus, PolicyPack } from '../../policy/types';
import { sampleApplication } from '../../scripts/sample-application';
import { WORKFLOW_TYPE, type CaseInput, type CaseView } from '../../workflows/messages';
import { caseRegionKey, caseStatusKey, policyVersionKey } from '../../workflows/search-attributes';
import { eventually } from '../eventually';
import { newWorker, testEnv, token, type TestEnv } from '../harness';

let seq = 100;

export interface StoredNotification {
  template: string;
  item: string | null;
  department: string | null;
  params: Record<string, unknown>;
  address: string;
}
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
    // Mothers of their own (born on another day than the sample's), never wrapping within a run:
    // a test that asks sampleApplication for a fixed seq must not meet one of these in the same minute.
    const n = seq++ + (process.pid % 500);
    const day = String(1 + (Math.floor(n / 1000) % 28)).padStart(2, '0');
    return { ...sampleApplication({ seq: n, motherBirthDate: `199602${day}` }), ...overrides };
  }

  auth(principal: Principal): Promise<string> {
    return token(this.env, principal);
  }

  async applicantToken(app: Application): Promise<string> {
    return this.auth({ sub: app.applicant.idNumber, role: 'applicant' });
  }

  /** PUTs or POSTs JSON to the department simulator (its admin and seeding endpoints). */
  async simulator(method: 'PUT' | 'POST', path: string, body: unknown): Promise<unknown> {
    const res = await fetch(`${this.env.simulator.url}${path}`, { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    assert.ok(res.ok, `${method} ${path}: ${res.status}`);
    return res.json();
  }

  /** The delivering institution records the birth (by default as the application states it), as its delivery room would. */
  async recordDelivery(app: Application, bornAt = app.delivery.bornAt): Promise<void> {
    await this.simulator('PUT', '/admin/deliveries', { records: [{ institutionCode: app.delivery.institutionCode, motherIdNumber: app.mother.idNumber, bornAt }] });
  }

  /** Submits through the API; the hospital has recorded the birth unless told otherwise. */
  async submit(app: Application, options: { deliveryRecorded?: boolean } = {}): Promise<string> {
    if (options.deliveryRecorded !== false) await this.recordDelivery(app);
    const res = await this.api.post('/api/cases').set('authorization', `Bearer ${await this.applicantToken(app)}`).send(app);
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body.caseId;
  }

  /**
   * Starts a case on the engine as another client of it could, past the API's checks (and
   * without the row the API writes on submission): the delivery is recorded, the case ID is
   * the one the API would give. Resolves once the workflow has projected the case.
   */
  async startPastTheApi(app: Application, pack: PolicyPack): Promise<string> {
    const caseId = caseIdFor(this.env.config.idHashKey, app.mother.idNumber, app.delivery.bornAt);
    const input: CaseInput = {
      caseId,
      application: app,
      pack,
      items: itemsOf(pack),
      submittedAt: new Date().toISOString(),
      applicantHash: personKey(this.env.config.idHashKey, app.applicant.idNumber),
      applicantMasked: maskIdNumber(app.applicant.idNumber),
    };
    await this.recordDelivery(app);
    await this.env.client.workflow.start(WORKFLOW_TYPE, {
      workflowId: caseId,
      taskQueue: this.taskQueue,
      args: [input],
      typedSearchAttributes: [
        { key: caseRegionKey, value: pack.region },
        { key: caseStatusKey, value: 'in_progress' },
        { key: policyVersionKey, value: pack.version },
      ],
    });
    return caseId;
  }

  /** Polls until the read model holds the case (a case started past the API appears with its first projection). */
  async waitForCase(caseId: string): Promise<CaseView> {
    const auditor = `Bearer ${await this.auth({ sub: 'auditor-1', role: 'auditor' })}`;
    return eventually(async () => {
      const res = await this.api.get(`/api/cases/${caseId}`).set('authorization', auditor);
      return res.status === 200 && (res.body as CaseView);
    }, 'the workflow projects the case');
  }

  async view(caseId: string): Promise<CaseView> {
    const res = await this.api.get(`/api/cases/${caseId}`).set('authorization', `Bearer ${await this.auth({ sub: 'auditor-1', role: 'auditor' })}`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body;
  }

  /**
   * The office of `department` that works on the case, as the case routed it: the
   * institution of its first item of that department (a made-up office of the
   * department when the case has none).
   */
  async institutionOf(caseId: string, department: Department): Promise<string> {
    const routed = (await this.view(caseId)).items.find((i) => i.department === department)?.institution;
    return routed ?? (department === 'hospital' ? 'H000000000' : `${department}:000000`);
  }

  /** A case worker of the office that works on the case for `department`. */
  async caseWorker(caseId: string, department: Department, sub = `worker-${department}`): Promise<string> {
    return this.auth({ sub, role: 'case_worker', department, institution: await this.institutionOf(caseId, department) });
  }

  async decide(caseId: string, item: ItemCode, department: Department, decision: 'approve' | 'reject' | 'request_supplement', comment?: string) {
    return this.api
      .post(`/api/cases/${caseId}/items/${item}/decision`)
      .set('authorization', `Bearer ${await this.caseWorker(caseId, department)}`)
      .send({ decision, ...(comment && { comment }) });
  }

  /** The applicant's notifications of the case (GET /api/notifications), once `ready` says they are all there. */
  async notifications(app: Application, caseId: string, ready: (n: StoredNotification[]) => boolean): Promise<StoredNotification[]> {
    const auth = `Bearer ${await this.applicantToken(app)}`;
    let last: StoredNotification[] = [];
    return eventually(
      async () => {
        const res = await this.api.get(`/api/notifications?caseId=${caseId}`).set('authorization', auth);
        assert.equal(res.status, 200, JSON.stringify(res.body));
        last = res.body.notifications;
        return ready(last) && last;
      },
      'the notifications',
      { describe: () => JSON.stringify(last.map((n) => `${n.template}:${n.item ?? ''}`)) },
    );
  }

  /** Polls the read model until the case matches, so tests never sleep for a fixed time. */
  async waitFor(caseId: string, predicate: (view: CaseView) => boolean, what: string, timeoutMs = 30_000): Promise<CaseView> {
    let last: CaseView | undefined;
    return eventually(
      async () => {
        last = await this.view(caseId);
        return predicate(last) && last;
      },
      what,
      { timeoutMs, describe: () => `last view: ${JSON.stringify(last)}` },
    );
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
