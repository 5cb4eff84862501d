import { ApplicationFailure } from '@temporalio/activity';

// How activities talk to the systems outside: JSON over HTTP with a time limit. An
// outage (network error, time-out, 5xx, 429) is thrown as a plain error for the
// activity to retry; a definite "no" (4xx) is non-retryable when the caller names its
// type. Messages quote only the peer's error code: failure messages are stored in clear
// in the case history, and a peer's answer may echo the applicant's personal data.

export interface PostOptions {
  /** Who answers, for messages: 'department', 'registry', 'gateway'. */
  peer: string;
  timeoutMs: number;
  idempotencyKey?: string;
  signal?: AbortSignal;
  /** Failure type of a 4xx answer; without it a 4xx is retried like an outage. */
  refusalType?: string;
}

function refusalCode(body: string): string {
  try {
    const code = (JSON.parse(body) as { error?: unknown }).error;
    return typeof code === 'string' && /^[A-Za-z0-9_.-]{1,64}$/.test(code) ? ` (${code})` : '';
  } catch {
    return '';
  }
}

export async function postJson<T>(baseUrl: string, path: string, body: unknown, options: PostOptions): Promise<T> {
  const timeout = AbortSignal.timeout(options.timeoutMs);
  let response: Response;
  try {
    response = await fetch(`${baseUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(options.idempotencyKey && { 'idempotency-key': options.idempotencyKey }) },
      body: JSON.stringify(body),
      signal: options.signal ? AbortSignal.any([options.signal, timeout]) : timeout,
    });
  } catch (err) {
    throw new Error(`POST ${path}: ${(err as Error).name === 'TimeoutError' ? `no answer within ${options.timeoutMs} ms` : (err as Error).message}`);
  }
  const text = await response.text();
  if (response.ok) return JSON.parse(text) as T;
  if (response.status >= 500 || response.status === 429 || !options.refusalType) {
    throw new Error(`POST ${path}: ${options.peer} answered ${response.status}`);
  }
  throw ApplicationFailure.nonRetryable(`POST ${path}: ${options.peer} refused with ${response.status}${refusalCode(text)}`, options.refusalType);
}
