// Every date the console shows is Asia/Shanghai time, whatever the browser's zone.

const ZONE = 'Asia/Shanghai';

const dateTime = new Intl.DateTimeFormat('zh-CN', { timeZone: ZONE, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false });
const shortDateTime = new Intl.DateTimeFormat('zh-CN', { timeZone: ZONE, month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hour12: false });
const dayOnly = new Intl.DateTimeFormat('en-CA', { timeZone: ZONE, year: 'numeric', month: '2-digit', day: '2-digit' });

export function formatDateTime(iso: string | null | undefined): string {
  return iso ? dateTime.format(new Date(iso)) : '—';
}

export function formatShort(iso: string | null | undefined): string {
  return iso ? shortDateTime.format(new Date(iso)) : '—';
}

/** YYYY-MM-DD of the instant in Shanghai. */
export function shanghaiDay(at: Date): string {
  return dayOnly.format(at);
}

/** "剩余 3 小时 5 分" before the deadline, "已超期 1 天 2 小时" after it. */
export function timeLeft(deadline: string | null | undefined, now: number): string {
  if (!deadline) return '—';
  const ms = Date.parse(deadline) - now;
  const text = duration(Math.abs(ms));
  return ms >= 0 ? `剩余 ${text}` : `已超期 ${text}`;
}

export function duration(ms: number): string {
  const minutes = Math.floor(ms / 60_000);
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  const mins = minutes % 60;
  if (days > 0) return `${days} 天 ${hours} 小时`;
  if (hours > 0) return `${hours} 小时 ${mins} 分`;
  if (minutes > 0) return `${mins} 分`;
  return `${Math.max(0, Math.floor(ms / 1000))} 秒`;
}

/**
 * How urgent an item is: 'late' once its deadline passed or it escalated (red),
 * 'soon' in the last quarter of its time or the last two hours (amber), else 'ok'.
 */
export function urgency(item: { deadline?: string | null; escalationLevel?: number; startedAt?: string | null }, now: number): 'late' | 'soon' | 'ok' | 'none' {
  if ((item.escalationLevel ?? 0) > 0) return 'late';
  if (!item.deadline) return 'none';
  const deadline = Date.parse(item.deadline);
  const left = deadline - now;
  if (left <= 0) return 'late';
  const span = item.startedAt ? deadline - Date.parse(item.startedAt) : undefined;
  if (left <= 2 * 3_600_000 || (span !== undefined && span > 0 && left <= span / 4)) return 'soon';
  return 'ok';
}

export const URGENCY_LABEL: Record<string, string> = { late: '已超期', soon: '即将到期', ok: '正常', none: '无期限' };
