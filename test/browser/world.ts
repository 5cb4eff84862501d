import { strict as assert } from 'node:assert';
import { mkdirSync, readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Worker } from '@temporalio/worker';
import pino from 'pino';
import { chromium, type Browser, type Page } from 'playwright-core';
import { createApp } from '../../api/app';
import type { Principal } from '../../api/auth';
import { readinessChecks } from '../../api/server';
import type { Application } from '../../policy/types';
import { sampleApplication } from '../../scripts/sample-application';
import { uniqueSeq } from '../applicants';
import type { CaseView } from '../../workflows/messages';
import { eventually } from '../eventually';
import { newWorker, testEnv, token, type TestEnv } from '../harness';
import { ensureConsoleBuilt, setupStep } from './console-build';

// The browser tests' world: the service as `npm start` serves it (the API and the
// console over a real HTTP port, a worker on the run's Temporal server, the simulator,
// PostgreSQL) and Debian's Chromium driven by playwright-core. One browser per run.

export const SCREENSHOTS = join(__dirname, '..', '..', 'test-results', 'console');
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

export interface AxeFinding {
  id: string;
  impact: string | null;
  help: string;
  nodes: number;
}


export class ConsoleWorld {
  /** Content-Security-Policy violations the browser reported, by page. */
  readonly cspViolations: string[] = [];
  /** axe-core's findings per page, serious or not, for the report. */
  readonly axeResults: Record<string, AxeFinding[]> = {};

  private constructor(
    readonly env: TestEnv,
    readonly base: string,
    readonly browser: Browser,
    private readonly server: Server,
    private readonly worker: Worker,
    private readonly running: Promise<void>,
  ) {}

  /** `slaDaySeconds` compresses the working day so that a breach happens within the test. */
  static async start(options: { slaDaySeconds: number }): Promise<ConsoleWorld> {
    await ensureConsoleBuilt();
    const env = await testEnv();
    const { worker, taskQueue } = await newWorker(env, { slaDaySeconds: options.slaDaySeconds });
    const running = worker.run();
    const app = createApp({ client: env.client, db: env.db.db, config: { ...env.config, taskQueue }, logger: pino({ level: 'silent' }), checks: readinessChecks(env.client, env.db) });
    const server = await new Promise<Server>((ok, fail) => {
      const s = app.listen(0, '127.0.0.1', (err?: Error) => (err ? fail(err) : ok(s)));
    });
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    // Debian's Chromium, never a browser downloaded by the test tool.
    const browser = await chromium.launch({ executablePath: (await setupStep()).CHROMIUM_PATH });
    mkdirSync(SCREENSHOTS, { recursive: true });
    return new ConsoleWorld(env, base, browser, server, worker, running);
  }

  async stop(): Promise<void> {
    await this.browser.close();
    await new Promise<void>((ok) => this.server.close(() => ok()));
    this.worker.shutdown();
    await this.running;
  }

  token(principal: Principal & { institution?: string; division?: string }): Promise<string> {
    return token(this.env, principal);
  }

  /** A page signed in through `#token=` (width 375 for the parents' phone layout). */
  async page(principal: Principal & { institution?: string }, path: string, options: { width?: number } = {}): Promise<Page> {
    const page = await this.newPage(options.width);
    await page.goto(`${this.base}/console${path}#token=${await this.token(principal)}`);
    return page;
  }

  async newPage(width = 1280): Promise<Page> {
    const context = await this.browser.newContext({ viewport: { width, height: width < 600 ? 812 : 900 }, locale: 'zh-CN', timezoneId: 'Europe/London' });
    const page = await context.newPage();
    page.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) this.cspViolations.push(`${page.url()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => this.cspViolations.push(`${page.url()}: page error ${e.message}`));
    return page;
  }

  application(overrides: Partial<Application> = {}): Application {
    return { ...sampleApplication({ seq: uniqueSeq() }), ...overrides };
  }

  async api<T>(method: string, path: string, principal: Principal, body?: unknown): Promise<{ status: number; body: T }> {
    const res = await fetch(`${this.base}${path}`, {
      method,
      headers: { authorization: `Bearer ${await this.token(principal)}`, ...(body !== undefined && { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as T };
  }

  /** Submits through the API, the delivering hospital having recorded the birth (a birth certificate needs its record). */
  async submit(app: Application): Promise<string> {
    const recorded = await fetch(`${this.env.simulator.url}/admin/deliveries`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ records: [{ institutionCode: app.delivery.institutionCode, motherIdNumber: app.mother.idNumber, bornAt: app.delivery.bornAt }] }),
    });
    assert.equal(recorded.status, 200);
    const res = await this.api<{ caseId: string }>('POST', '/api/cases', { sub: app.applicant.idNumber, role: 'applicant' }, app);
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body.caseId;
  }

  async view(caseId: string): Promise<CaseView> {
    const res = await this.api<CaseView>('GET', `/api/cases/${caseId}`, { sub: 'auditor-browser', role: 'auditor' });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body;
  }

  async waitFor(caseId: string, predicate: (v: CaseView) => boolean, what: string): Promise<CaseView> {
    let last: CaseView | undefined;
    return eventually(async () => predicate((last = await this.view(caseId))) && last, what, { describe: () => JSON.stringify(last?.items.map((i) => [i.item, i.status])) });
  }

  /** Whether the API describes `method path` (so the console offers it). */
  async offers(method: string, path: string): Promise<boolean> {
    const doc = (await (await fetch(`${this.base}/api/openapi.json`)).json()) as { paths: Record<string, Record<string, unknown>> };
    const wanted = path.replace(/\{[^}]+\}/g, '{}');
    return Object.entries(doc.paths).some(([p, ops]) => p.replace(/\{[^}]+\}/g, '{}') === wanted && method in ops);
  }

  async screenshot(page: Page, name: string): Promise<string> {
    const file = join(SCREENSHOTS, `${name}.png`);
    await page.screenshot({ path: file, fullPage: true });
    return file;
  }

  /**
   * axe-core run in the page as it stands (evaluated through the DevTools protocol, so
   * the page's CSP stays as served); fails on any serious or critical violation.
   */
  async checkAccessibility(page: Page, name: string): Promise<void> {
    // A message fading in or out is half transparent, and axe measures its contrast as it is
    // at that instant (CI once caught the claim's 已认领 mid-fade): let transitions end first.
    // (A spinner's animation never ends: only finite ones are awaited.)
    await page.evaluate(`Promise.all(document.getAnimations()
      .filter((a) => Number.isFinite(a.effect?.getComputedTiming().endTime ?? Infinity))
      .map((a) => a.finished.catch(() => undefined)))`);
    await page.evaluate(AXE_SOURCE);
    // A string, run in the page: the browser's types are not the test's.
    const { violations, passed } = await page.evaluate<{ violations: { id: string; impact: string | null; help: string; nodes: number; targets: string[] }[]; passed: number }>(`
      axe.run(document, { resultTypes: ['violations'] }).then((result) => ({
        violations: result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.length, targets: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) })),
        passed: result.passes.length,
      }))
    `);
    assert.ok(passed > 10, `${name}: axe-core checked the page (${passed} rules passed)`);
    this.axeResults[name] = violations.map(({ id, impact, help, nodes }) => ({ id, impact, help, nodes }));
    const serious = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    assert.deepEqual(serious, [], `${name}: serious or critical accessibility violations`);
  }
}
