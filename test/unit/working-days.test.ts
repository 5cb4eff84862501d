import { strict as assert } from 'node:assert';
import { stateCouncilCalendar, withLoadedYears, workingMsBetween } from '../../domain/calendar';
import { loadConfig } from '../../runtime/config';
import { CalendarNotCoveredError, workingDayDeadline } from '../../policy/working-days';

// The deadline rule of DESIGN §2 on the State Council calendar as published:
// close of office on the k-th working day strictly after the day of arrival.

const calendar = stateCouncilCalendar();
const due = (arrivedAt: string, k = 1, close?: string) => workingDayDeadline(new Date(arrivedAt), k, calendar, close).toISOString();
const at = (local: string) => new Date(`${local}+08:00`).toISOString();

describe('working-day deadlines on the State Council calendar', function () {
  it('falls on the make-up Sunday before National Day 2025', function () {
    assert.equal(due('2025-09-26T10:00:00+08:00'), at('2025-09-28T17:30:00'));
  });

  it('skips the National Day and Mid-Autumn holidays 2025 (10-01 to 10-08)', function () {
    assert.equal(due('2025-09-30T09:00:00+08:00'), at('2025-10-09T17:30:00'));
  });

  it('falls on the make-up Saturday before the Spring Festival 2026', function () {
    assert.equal(due('2026-02-13T11:00:00+08:00'), at('2026-02-14T17:30:00'));
  });

  it('skips the Spring Festival 2024 to its make-up Sunday', function () {
    assert.equal(due('2024-02-09T09:00:00+08:00'), at('2024-02-18T17:30:00'));
  });

  it('gives Tuesday 17:30 to a step arriving Monday 10:00', function () {
    assert.equal(due('2025-11-17T10:00:00+08:00'), at('2025-11-18T17:30:00'));
  });

  it('gives Monday 17:30 to a step arriving Friday evening or on Saturday', function () {
    assert.equal(due('2025-11-21T20:00:00+08:00'), at('2025-11-24T17:30:00'));
    assert.equal(due('2025-11-22T15:00:00+08:00'), at('2025-11-24T17:30:00'));
    assert.equal(due('2025-11-23T23:59:00+08:00'), at('2025-11-24T17:30:00'), 'Sunday night too');
  });

  it('counts the day of arrival in Asia/Shanghai, not UTC', function () {
    // 2025-11-16T17:00Z is Monday 01:00 in Shanghai: due Tuesday.
    assert.equal(due('2025-11-16T17:00:00Z'), at('2025-11-18T17:30:00'));
  });

  it('counts k working days for a longer limit', function () {
    // Friday → the make-up Sunday (1) → Monday (2).
    assert.equal(due('2025-09-26T10:00:00+08:00', 2), at('2025-09-29T17:30:00'));
  });

  it('uses the configured close of office hours', function () {
    assert.equal(due('2025-11-17T10:00:00+08:00', 1, '18:00'), at('2025-11-18T18:00:00'));
    assert.equal(loadConfig({}).officeClose, '17:30');
    assert.equal(loadConfig({ OFFICE_CLOSE: '17:00' }).officeClose, '17:00');
    assert.throws(() => loadConfig({ OFFICE_CLOSE: '5pm' }), /OFFICE_CLOSE/);
  });

  it('refuses to guess in a year the calendar does not cover', function () {
    assert.throws(() => due('2027-03-01T10:00:00+08:00'), CalendarNotCoveredError);
    // A deadline that would cross into an uncovered year is refused too.
    assert.throws(() => due('2026-12-31T10:00:00+08:00'), (err: unknown) => err instanceof CalendarNotCoveredError && err.date === '2027-01-01');
  });

  it('lets a loaded year override or extend the calendar, with a version that follows the data', function () {
    const y2027 = { year: 2027, holidays: ['2027-01-01'], workdays: [], digest: 'aaa' };
    const extended = withLoadedYears(calendar, [y2027]);
    assert.equal(workingDayDeadline(new Date('2026-12-31T10:00:00+08:00'), 1, extended).toISOString(), at('2027-01-04T17:30:00'));
    assert.notEqual(extended.version, calendar.version);
    assert.notEqual(withLoadedYears(calendar, [{ ...y2027, digest: 'bbb' }]).version, extended.version);
    // A loaded 2025 without the National Day make-up Sunday: that Sunday is a rest day again.
    const overridden = withLoadedYears(calendar, [{ year: 2025, holidays: [], workdays: [], digest: 'ccc' }]);
    assert.equal(workingDayDeadline(new Date('2025-09-26T10:00:00+08:00'), 1, overridden).toISOString(), at('2025-09-29T17:30:00'));
  });

  it('measures working time on working days only', function () {
    // Friday 12:00 to Monday 12:00: 12 h of Friday and 12 h of Monday.
    assert.equal(workingMsBetween(new Date(at('2025-11-21T12:00:00')), new Date(at('2025-11-24T12:00:00')), calendar), 24 * 3_600_000);
    assert.equal(workingMsBetween(new Date(at('2025-11-18T09:00:00')), new Date(at('2025-11-18T10:30:00')), calendar), 1.5 * 3_600_000);
  });
});
