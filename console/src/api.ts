import { ElMessage } from 'element-plus';
import { session, signOut } from './session';

// One way to the API: same origin, the session's bearer token, and errors as the API
// worded them ({ error, message, details? }), shown to the person, never swallowed.

export interface FieldIssue {
  path: string;
  message: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: FieldIssue[] = [],
    readonly body: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

let onUnauthenticated: (message: string) => void = () => undefined;

/** What to do when the API no longer accepts the token (the router sends the person to sign in). */
export function whenUnauthenticated(handler: (message: string) => void): void {
  onUnauthenticated = handler;
}

export interface Answer<T> {
  status: number;
  body: T;
  headers: Headers;
}

export async function request<T>(method: string, path: string, body?: unknown, options: { token?: string | null } = {}): Promise<Answer<T>> {
  const headers: Record<string, string> = { accept: 'application/json' };
  const token = options.token === undefined ? session.token : options.token;
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    throw new ApiError(0, 'network', '无法连接服务，请检查网络后重试');
  }
  const text = await res.text();
  let parsed: unknown = undefined;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  if (!res.ok) {
    const err = (parsed ?? {}) as { error?: string; message?: string; details?: FieldIssue[] };
    const error = new ApiError(res.status, err.error ?? `http_${res.status}`, err.message ?? `服务返回 ${res.status}`, err.details ?? [], (parsed ?? {}) as Record<string, unknown>);
    if (res.status === 401 && token) {
      signOut();
      onUnauthenticated(error.message);
    }
    throw error;
  }
  return { status: res.status, body: parsed as T, headers: res.headers };
}

export const api = {
  get: async <T>(path: string) => (await request<T>('GET', path)).body,
  post: async <T>(path: string, body: unknown = {}) => (await request<T>('POST', path, body)).body,
  put: async <T>(path: string, body: unknown) => (await request<T>('PUT', path, body)).body,
  delete: async <T>(path: string) => (await request<T>('DELETE', path)).body,
};

/** Shows the API's own message (and each failing field) as a toast; returns the error for callers that show it in place too. */
export function showError(err: unknown): ApiError {
  const error = err instanceof ApiError ? err : new ApiError(0, 'client', err instanceof Error ? err.message : String(err));
  const fields = error.details.length ? `：${error.details.map((d) => `${d.path} ${d.message}`).join('；')}` : '';
  ElMessage({ type: 'error', message: `${error.message}${fields}`, duration: 6000, showClose: true, grouping: true });
  return error;
}

/** Runs an action and shows its error, if any; resolves to undefined then. */
export async function attempt<T>(action: () => Promise<T>): Promise<T | undefined> {
  try {
    return await action();
  } catch (err) {
    showError(err);
    return undefined;
  }
}

export function encodePath(value: string): string {
  return encodeURIComponent(value);
}
