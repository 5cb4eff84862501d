import { strict as assert } from 'node:assert';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import type { Principal } from '../../api/auth';
import { makeIdNumber } from '../../policy/id-number';
import type { Department } from '../../policy/types';
import { sampleApplication } from '../../scripts/sample-application';
import { uniqueSeq } from '../applicants';
import { eventually } from '../eventually';
import { plausibleYear } from '../integration/calendar-fixtures';
import { ConsoleWorld, SCREENSHOTS } from './world';

// Each role's main path through the console, in Chromium, against the real service;
// every page checked with axe-core and photographed under test-results/console/.

const HOSPITAL_WORKER = { sub: 'worker-hospital-1', role: 'case_worker', department: 'hospital', institution: 'H110105001' } as Principal;
const SUPERVISOR: Principal = { sub: 'supervisor-1', role: 'supervisor' };
const AUDITOR: Principal = { sub: 'auditor-1', role: 'auditor' };

const shanghai = (iso: string) =>
  new Intl.DateTimeFormat('zh-CN', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false }).format(new Date(iso));

describe('the console in a browser', function () {
  this.timeout(120_000);
  let world: ConsoleWorld;
  /** A case in review at the hospital: worked by the case worker, breached for the supervisor, read by the auditor. */
  let caseId: string;

  before(async function () {
    // A working day of 6 s: the vaccination certificate, left undecided, breaches within the run.
    world = await ConsoleWorld.start({ slaDaySeconds: 6 });
    caseId = await world.submit(world.application());
    await world.waitFor(caseId, (v) => v.items.some((i) => i.item === 'birth_certificate' && i.status === 'in_review'), 'the birth certificate in review');
  });

  after(async function () {
    if (!world) return;
    writeFileSync(join(SCREENSHOTS, 'axe-results.json'), `${JSON.stringify(world.axeResults, null, 2)}\n`);
    await world.stop();
  });

  afterEach(function () {
    assert.deepEqual(world?.cspViolations ?? [], [], 'no Content-Security-Policy violation and no uncaught error in the pages');
  });

  it('signs in from #token=, takes the token out of the address bar, lands a case worker on the inbox, and signs out', async function () {
    const page = await world.page(HOSPITAL_WORKER, '/');
    await page.waitForURL(/\/console\/inbox$/);
    assert.equal(new URL(page.url()).hash, '', 'the token left the address bar');
    assert.ok(await page.evaluate("sessionStorage.getItem('newborn-one-thing.token')"), 'kept for the tab');
    await page.getByRole('button', { name: '退出登录' }).click();
    await page.waitForURL(/\/console\/signin/);
    assert.equal(await page.evaluate("sessionStorage.getItem('newborn-one-thing.token')"), null, 'forgotten on sign-out');
    await page.goto(`${world.base}/console/inbox`);
    await page.waitForURL(/\/console\/signin/);
    await page.getByText('开发环境登录').waitFor();
    await world.screenshot(page, 'signin');
    await world.checkAccessibility(page, 'signin');
    // The development sign-in: a hospital case worker by default.
    await page.locator('[data-test=dev-submit]').click();
    await page.waitForURL(/\/console\/inbox$/);
    await page.context().close();
  });

  it('shows the API’s own message when it refuses a token, never a blank page', async function () {
    const page = await world.newPage();
    await page.goto(`${world.base}/console/#token=not-a-token`);
    await page.waitForURL(/\/console\/signin/);
    await page.getByText('链接中的令牌无效或已过期').waitFor();
    // A token the console can read but the API refuses (a forged signature): the API's 401 message is shown.
    const forged = `${(await world.token(SUPERVISOR)).slice(0, -4)}AAAA`;
    await page.goto(`${world.base}/console/#token=${forged}`);
    await page.getByText(/invalid token/).first().waitFor();
    await page.context().close();
  });

  it('lets a case worker find the item in the inbox, claim it, and approve it from the keyboard; the case moves on', async function () {
    const page = await world.page(HOSPITAL_WORKER, '/inbox');
    const rows = page.locator('[data-test=inbox] .el-table__body tr');
    await rows.filter({ hasText: caseId }).first().waitFor();
    await world.screenshot(page, 'inbox');
    await world.checkAccessibility(page, 'inbox');

    // j moves down the list to our case's birth certificate; Enter opens it.
    const texts = await rows.allInnerTexts();
    const index = texts.findIndex((t) => t.includes(caseId) && t.includes('出生医学证明'));
    assert.ok(index >= 0, 'the birth certificate of the case is in the inbox');
    for (let i = 0; i < index; i++) await page.keyboard.press('j');
    await page.keyboard.press('Enter');
    await page.waitForURL(new RegExp(`/console/inbox/${caseId}/birth_certificate$`));
    await page.locator('[data-test=item-status]').getByText('审核中').waitFor();

    const view = await world.view(caseId);
    const deadline = view.items.find((i) => i.item === 'birth_certificate')!.deadline!;
    await page.getByText(shanghai(deadline)).first().waitFor();

    if (await world.offers('post', '/api/cases/{caseId}/items/{itemKey}/claim')) {
      await page.locator('[data-test=claim]').first().click();
      await page.getByText(HOSPITAL_WORKER.sub).first().waitFor();
    } else {
      assert.equal(await page.locator('[data-test=claim]').count(), 0, 'no 认领 button while the API has no claims');
    }
    await page.locator('#decision-comment').fill('材料齐全，同意签发');
    await world.screenshot(page, 'item');
    await world.checkAccessibility(page, 'item');

    await page.locator('body').click({ position: { x: 5, y: 300 } });
    await page.keyboard.press('a');
    const confirm = page.getByRole('button', { name: '确定' });
    await confirm.waitFor();
    await eventually(async () => page.evaluate("document.activeElement?.textContent?.trim() === '确定'"), '确定 to have the focus');
    await world.screenshot(page, 'item-confirm');
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/console\/inbox$/);

    const moved = await world.waitFor(caseId, (v) => v.items.some((i) => i.item === 'hukou_registration' && i.status === 'in_review'), 'the hukou registration to start');
    const birth = moved.items.find((i) => i.item === 'birth_certificate')!;
    assert.equal(birth.status, 'completed');
    assert.ok(birth.licence, 'the birth certificate issued its licence');
    await page.context().close();
  });

  it('lets a parent on a phone get the one-time notice, see the API’s field messages, submit the form and watch the items start', async function () {
    // Born on another day than the sample mothers of world.application(), so never one of them.
    const motherId = makeIdNumber('110105', '19960101', String(process.pid % 1000).padStart(3, '0'));
    const page = await world.page({ sub: motherId, role: 'applicant' }, '/', { width: 375 });
    await page.waitForURL(/\/console\/parent$/);
    await page.locator('[data-test=fill-sample]').click();
    await world.screenshot(page, 'parent-form');
    await world.checkAccessibility(page, 'parent-form');

    // A wrong check digit: the API's own message, at the field, before anything is sent on.
    const bad = `${motherId.slice(0, 17)}${motherId.endsWith('0') ? '1' : '0'}`;
    await page.locator('#f-mother-id').fill(bad);
    await page.locator('[data-test=check]').click();
    await page.locator('[data-test=form-errors]').getByText(/母亲 · 身份证号：must be an 18-character resident ID number/).waitFor();
    await page.locator('.el-form-item__error').getByText(/must be an 18-character resident ID number/).first().waitFor();
    await world.screenshot(page, 'parent-form-errors');

    await page.locator('#f-mother-id').fill(motherId);
    await page.locator('[data-test=check]').click();
    await page.locator('[data-test=notice]').getByText('符合办理条件，可以提交').waitFor();
    await page.locator('[data-test=submit]').click();
    await page.waitForURL(/\/console\/parent\/cases\/case-/);
    const parentCase = new URL(page.url()).pathname.split('/').pop()!;
    await page.locator('[data-test=progress-item]').filter({ hasText: '审核中' }).first().waitFor({ timeout: 30_000 });
    assert.ok(await page.locator('[data-test=withdraw]').isVisible(), 'an open case can be withdrawn');
    const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
    assert.ok(overflow <= 0, `the page fits 375 px without sideways scrolling (overflow ${overflow} px)`);
    await world.screenshot(page, 'parent-case');
    await world.checkAccessibility(page, 'parent-case');
    assert.equal((await world.view(parentCase)).status, 'in_progress');
    await page.context().close();
  });

  it("shows a Shanghai parent the payment to make, takes its reference, and tracks the card posted by EMS", async function () {
    const app = {
      ...sampleApplication({ region: 'shanghai', seq: uniqueSeq(), motherBirthDate: '19940613' }),
      items: ['birth_certificate', 'hukou_registration', 'medical_insurance_enrollment', 'social_security_card', 'medical_insurance_payment'] as const,
      socialSecurityCard: { bankCode: 'ICBC', deliverByPost: true },
      logistics: { method: 'ems' as const, recipient: '李芳', phone: '13800000000', address: '上海市徐汇区漕溪北路1号' },
    };
    const id = await world.submit({ ...app, items: [...app.items] });
    const parent: Principal = { sub: app.applicant.idNumber, role: 'applicant' };
    const steps: [string, Department][] = [['birth_certificate', 'hospital'], ['hukou_registration', 'police'], ['medical_insurance_enrollment', 'medical_insurance'], ['social_security_card', 'hrss']];
    for (const [item, department] of steps) {
      const view = await world.waitFor(id, (v) => v.items.some((i) => i.item === item && i.status === 'in_review'), `${item} in review`);
      const institution = view.items.find((i) => i.item === item)!.institution;
      const decided = await world.api('POST', `/api/cases/${id}/items/${item}/decision`, { sub: `worker-${department}`, role: 'case_worker', department, institution } as Principal, { decision: 'approve' });
      assert.equal(decided.status, 200, JSON.stringify(decided.body));
    }
    await world.waitFor(id, (v) => v.items.some((i) => i.item === 'medical_insurance_payment' && i.status === 'awaiting_applicant') && ((v as { shipments?: unknown[] }).shipments ?? []).length === 1, 'the payment awaited and the card posted');
    // The parents pay at the gateway (the simulator) and bring its reference to the console.
    const gateway = (path: string, body: unknown) => fetch(`${world.env.simulator.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }).then((r) => r.json() as Promise<{ reference: string }>);
    const order = await gateway('/payments', { caseId: id, item: 'medical_insurance_payment', amountFen: 20000 });
    await gateway(`/payments/${order.reference}/pay`, {});

    const page = await world.page(parent, `/parent/cases/${id}`, { width: 375 });
    await page.locator('[data-test=amount-due]').getByText('200.00 元').waitFor();
    await page.locator('[data-test=shipment]').getByText('已下单').waitFor();
    await page.locator('[data-test=visit]').getByText(/户口簿/).waitFor();
    await world.screenshot(page, 'parent-payment');
    await world.checkAccessibility(page, 'parent-payment');
    await page.locator('[data-test=payment] input').fill(order.reference);
    await page.locator('[data-test=pay]').click();
    await page.locator('[data-test=progress-item]').filter({ hasText: '医保缴费及激活' }).getByText('已办结').waitFor({ timeout: 30_000 });
    assert.equal(await page.locator('[data-test=payment]').count(), 0, 'nothing left to pay');
    await world.screenshot(page, 'parent-paid');
    const done = await world.api<{ items: { item: string; status: string; decidedBy?: string }[] }>('GET', `/api/cases/${id}`, parent);
    assert.equal(done.body.items.find((i) => i.item === 'medical_insurance_payment')?.decidedBy, 'applicant');
    await page.context().close();
  });

  it('shows a supervisor the open breach, the on-time chart, and the case behind it', async function () {
    await world.waitFor(caseId, (v) => v.items.some((i) => i.item === 'vaccination_certificate' && i.escalationLevel >= 1), 'the vaccination certificate to breach');
    const page = await world.page(SUPERVISOR, '/');
    await page.waitForURL(/\/console\/supervisor$/);
    const row = page.locator('[data-test=breaches] .el-table__body tr').filter({ hasText: caseId }).filter({ hasText: '预防接种证' });
    await row.first().waitFor();
    await page.locator('canvas').first().waitFor();
    await world.screenshot(page, 'supervisor');
    await world.checkAccessibility(page, 'supervisor');
    await row.first().locator('[data-test=breach-case]').click();
    await page.waitForURL(new RegExp(`/console/cases/${caseId}$`));
    await page.locator('[data-test=case-id]').getByText(caseId).waitFor();
    await page.getByText('已办结').first().waitFor();
    await world.screenshot(page, 'case-detail');
    await world.checkAccessibility(page, 'case-detail');
    await page.context().close();
  });

  it('lets an auditor open a case’s timeline, verify the chain and replay', async function () {
    const page = await world.page(AUDITOR, '/');
    await page.waitForURL(/\/console\/audit$/);
    await page.locator('[data-test=audit-case-id]').fill(caseId);
    await page.keyboard.press('Enter');
    const timeline = page.locator('[data-test=timeline]');
    await timeline.getByText('提交申请').first().waitFor();
    await timeline.getByText('作出决定').first().waitFor();
    await timeline.getByText('颁发电子证照').first().waitFor();
    await page.locator('[data-test=verify]').click();
    await page.locator('[data-test=chain]').getByText(/存档链完整/).waitFor();
    const download = page.waitForEvent('download');
    await page.locator('[data-test=download]').click();
    const file = await (await download).path();
    const raw = JSON.parse((await import('node:fs')).readFileSync(file, 'utf8')) as { events: { eventType: string }[] };
    assert.ok(raw.events.length > 0 && raw.events[0].eventType, 'the raw history downloads as Temporal JSON');
    await page.locator('[data-test=replay-all]').click();
    await page.locator('[data-test=replay-result]').waitFor({ timeout: 60_000 });
    await world.screenshot(page, 'audit');
    await world.checkAccessibility(page, 'audit');
    await page.context().close();
  });

  it('names each child’s item of twins by its place, in Chinese, on the case page', async function () {
    const single = world.application({ items: ['birth_certificate'] });
    const first = Date.parse(single.delivery.bornAt);
    const { bornAt: _b, childSex: _s, weightGrams: _w, ...delivery } = single.delivery;
    const { child: _c, ...rest } = single;
    const children = [0, 4].map((minutes, i) => ({ name: ['王一', '王二'][i], sex: 'female', bornAt: new Date(first + minutes * 60_000).toISOString(), weightGrams: 2500 }));
    const records = children.map((c) => ({ institutionCode: delivery.institutionCode, motherIdNumber: single.mother.idNumber, bornAt: c.bornAt }));
    assert.equal((await fetch(`${world.env.simulator.url}/admin/deliveries`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ records }) })).status, 200);
    const submitted = await world.api<{ caseId: string }>('POST', '/api/cases', { sub: single.applicant.idNumber, role: 'applicant' }, { ...rest, delivery, children });
    assert.equal(submitted.status, 201, JSON.stringify(submitted.body));
    const twins = submitted.body.caseId;
    await world.waitFor(twins, (v) => v.items.filter((i) => i.item === 'birth_certificate' && i.status === 'in_review').length === 2, 'both certificates in review');
    const page = await world.page(AUDITOR, `/cases/${twins}`);
    const names = page.locator('[data-test=item-name]');
    await names.filter({ hasText: '出生医学证明（第2个孩子）' }).first().waitFor();
    const shown = await names.allTextContents();
    assert.ok(shown.includes('出生医学证明（第1个孩子）'), shown.join(' | '));
    assert.equal(shown.filter((t) => t.startsWith('出生医学证明（第')).length, 2, shown.join(' | '));
    await world.screenshot(page, 'case-twins');
    await page.context().close();
  });

  it('lets an administrator see the calendar years and load a new one', async function () {
    const page = await world.page({ sub: 'admin-1', role: 'admin' }, '/');
    await page.waitForURL(/\/console\/admin$/);
    await page.locator('[data-test=calendar-years]').getByText('2026').first().waitFor();
    // A far-future year no other test loads, with as many holidays and make-up days as published years have.
    const year = plausibleYear(2095);
    await page.locator('#cal-year').fill('2095');
    await page.locator('#cal-holidays').fill(`2095-01-01 2094-10-01 ${year.holidays.join(' ')}`);
    await page.locator('#cal-workdays').fill(year.workdays.join(' '));
    await page.locator('[data-test=calendar-load]').click();
    await page.getByText(/holidays\.1：must be in 2095/).first().waitFor();
    await page.locator('#cal-holidays').fill(year.holidays.join(', '));
    await page.locator('[data-test=calendar-load]').click();
    await page.getByText(new RegExp(`已载入 2095 年：节假日 ${year.holidays.length} 天`)).waitFor();
    await page.locator('[data-test=calendar-years]').getByText('管理员载入').first().waitFor();
    await world.screenshot(page, 'admin');
    await world.checkAccessibility(page, 'admin');
    await page.context().close();
  });
});
