import { strict as assert } from 'node:assert';
import { plausibleYearBounds, stateCouncilCalendar } from '../../domain/calendar';
import { plausibleYear } from './calendar-fixtures';
import { Scenario } from './scenario';

// Issue 12 §6: the calendar decides every deadline, so a loaded year must look like
// one the State Council could publish, a published year is replaced only on purpose,
// and every load and withdrawal is on record. Only years no other test computes
// deadlines in are loaded here (2004, 2097, 2098), and withdrawn again.

describe('the calendar is law', function () {
  this.timeout(60_000);
  let s: Scenario;
  let admin = '';
  const put = (year: number, body: object, query = '') => s.api.put(`/api/admin/calendar/${year}${query}`).set('authorization', admin).send(body);
  const paths = (res: { body: { details?: { path: string }[] } }) => (res.body.details ?? []).map((d) => d.path);

  before(async function () {
    s = await Scenario.start();
    admin = `Bearer ${await s.auth({ sub: 'admin-cal', role: 'admin' })}`;
  });
  after(async function () {
    for (const year of [2004, 2097, 2098]) await s.api.delete(`/api/admin/calendar/${year}`).set('authorization', admin);
  });

  it('takes its bounds from every published year, with a margin', function () {
    const bounds = plausibleYearBounds();
    const published = stateCouncilCalendar().years;
    assert.equal(bounds.from.first, published[0]);
    assert.equal(bounds.from.last, published[published.length - 1]);
    // 2004–2026 had 16–23 weekday holidays and 5–12 weekend make-up days.
    assert.ok(bounds.holidays.min > 0 && bounds.holidays.min <= 16 && bounds.holidays.max >= 23 && bounds.holidays.max < 60, JSON.stringify(bounds));
    assert.ok(bounds.workdays.min > 0 && bounds.workdays.min <= 5 && bounds.workdays.max >= 12 && bounds.workdays.max < 30, JSON.stringify(bounds));
  });

  it('refuses an empty year, a year of holidays, holidays on weekends and make-up days on weekdays', async function () {
    const empty = await put(2098, { holidays: [], workdays: [] });
    assert.equal(empty.status, 400);
    assert.deepEqual(paths(empty).sort(), ['holidays', 'workdays']);

    const everyDay = Array.from({ length: 365 }, (_, i) => new Date(Date.UTC(2098, 0, 1 + i)).toISOString().slice(0, 10));
    const allOff = await put(2098, { holidays: everyDay, workdays: plausibleYear(2098).workdays });
    assert.equal(allOff.status, 400);
    const weekendDays = everyDay.filter((d) => [0, 6].includes(new Date(`${d}T00:00:00Z`).getUTCDay())).length;
    assert.equal(paths(allOff).filter((p) => p.startsWith('holidays.')).length, weekendDays, 'each weekend day named');
    assert.ok(paths(allOff).includes('holidays'), 'and the count');

    // 2098-01-04 is a Saturday, 2098-01-06 a Monday.
    const fine = plausibleYear(2098);
    const misplaced = await put(2098, { holidays: [...fine.holidays, '2098-01-04'], workdays: [...fine.workdays, '2098-01-06'] });
    assert.equal(misplaced.status, 400);
    assert.deepEqual(paths(misplaced), [`holidays.${fine.holidays.length}`, `workdays.${fine.workdays.length}`]);
    assert.match(misplaced.body.details[0].message, /Saturday/);

    const tooMany = plausibleYear(2098, [], { holidays: plausibleYearBounds().holidays.max + 1 });
    assert.equal((await put(2098, tooMany)).status, 400);
    assert.equal((await s.api.get('/api/admin/calendar').set('authorization', admin)).body.years.some((y: { year: number }) => y.year === 2098), false, 'nothing was loaded');
  });

  it('replaces a published year only when forced', async function () {
    const year2004 = plausibleYear(2004, ['2004-01-01']);
    const refused = await put(2004, year2004);
    assert.equal(refused.status, 409);
    assert.equal(refused.body.error, 'year_published');
    assert.equal((await put(2004, year2004, '?force=maybe')).status, 400);
    const forced = await put(2004, year2004, '?force=true');
    assert.equal(forced.status, 200, JSON.stringify(forced.body));
    const listed = await s.api.get('/api/admin/calendar').set('authorization', admin);
    assert.equal(listed.body.years.find((y: { year: number }) => y.year === 2004).source, 'loaded');
    const withdrawn = await s.api.delete('/api/admin/calendar/2004').set('authorization', admin);
    assert.equal(withdrawn.status, 200);
    assert.equal(withdrawn.body.source, 'chinese-days');
    assert.equal((await s.api.get('/api/admin/calendar').set('authorization', admin)).body.years.find((y: { year: number }) => y.year === 2004).source, 'chinese-days');
  });

  it('records who loaded and withdrew which year, and when, and only adds to the record', async function () {
    const [{ before }] = await s.env.db.sql`select count(*)::int as before from calendar_changes`;
    const other = `Bearer ${await s.auth({ sub: 'admin-other', role: 'admin' })}`;
    const loaded = await put(2097, plausibleYear(2097));
    assert.equal(loaded.status, 200);
    const reloaded = await s.api.put('/api/admin/calendar/2097').set('authorization', other).send(plausibleYear(2097, ['2097-01-01']));
    assert.equal(reloaded.status, 200);
    assert.equal((await s.api.delete('/api/admin/calendar/2097').set('authorization', `Bearer ${await s.auth({ sub: 'sup', role: 'supervisor' })}`)).status, 403);
    const withdrawn = await s.api.delete('/api/admin/calendar/2097').set('authorization', admin);
    assert.equal(withdrawn.status, 200);
    assert.equal(withdrawn.body.withdrawn, reloaded.body.digest);
    assert.equal(withdrawn.body.source, 'none');
    assert.equal((await s.api.delete('/api/admin/calendar/2097').set('authorization', admin)).status, 404, 'nothing left to withdraw');

    const listed = await s.api.get('/api/admin/calendar').set('authorization', admin);
    assert.equal(listed.status, 200);
    assert.ok(!listed.body.years.some((y: { year: number }) => y.year === 2097));
    const trail = (listed.body.changes as { year: number; action: string; digest: string; actor: string; at: string }[]).filter((c) => c.year === 2097);
    assert.deepEqual(
      trail.map(({ action, digest, actor }) => ({ action, digest, actor })),
      [
        { action: 'withdraw', digest: reloaded.body.digest, actor: 'admin-cal' },
        { action: 'load', digest: reloaded.body.digest, actor: 'admin-other' },
        { action: 'load', digest: loaded.body.digest, actor: 'admin-cal' },
      ],
    );
    assert.ok(trail.every((c) => !Number.isNaN(Date.parse(c.at))));
    const [{ after }] = await s.env.db.sql`select count(*)::int as after from calendar_changes`;
    assert.equal(after, before + 3);
  });
});
