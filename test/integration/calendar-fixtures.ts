/**
 * A year an administrator could plausibly load: the `pinned` holidays, then weekdays
 * from October on up to 16 holidays, and the first five weekend days of September as
 * make-up working days. Far-future years only: loading them changes no test's deadlines.
 */
export function plausibleYear(year: number, pinned: string[] = [], counts: { holidays?: number; workdays?: number } = {}): { holidays: string[]; workdays: string[] } {
  const day = (month: number, d: number) => `${year}-${String(month).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
  const weekend = (date: string) => [0, 6].includes(new Date(`${date}T00:00:00Z`).getUTCDay());
  const holidays = [...pinned];
  for (let i = 0; holidays.length < (counts.holidays ?? 16) && i < 90; i++) {
    const d = day(10 + Math.floor(i / 30), (i % 30) + 1);
    if (!weekend(d) && !holidays.includes(d)) holidays.push(d);
  }
  const workdays: string[] = [];
  for (let d = 1; workdays.length < (counts.workdays ?? 5) && d <= 30; d++) if (weekend(day(9, d))) workdays.push(day(9, d));
  return { holidays, workdays };
}
