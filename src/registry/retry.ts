// When to try a registry request again and how long to wait: exponential backoff with full jitter,
// a server's Retry-After honoured (capped), and a bounded number of attempts.

export interface RetryPolicy {
  /** Tries in all, the first included. */
  attempts: number;
  /** First backoff step in ms; doubles each try. */
  baseDelayMs: number;
  /** No single wait is longer than this, whatever Retry-After says. */
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 5, baseDelayMs: 200, maxDelayMs: 10_000 };

/**
 * Retry-After as milliseconds: delta-seconds or an HTTP date (RFC 9110 §10.2.3); undefined when
 * absent or unreadable.
 */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/**
 * The wait before try number `attempt` + 1 (attempt counts from 1). A Retry-After the server sent
 * is a floor, not a suggestion: waiting less would just earn another 429.
 */
export function backoffDelay(policy: RetryPolicy, attempt: number, retryAfterMs?: number, random = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  const jittered = ceiling / 2 + random() * (ceiling / 2);
  const wait = retryAfterMs === undefined ? jittered : Math.max(retryAfterMs, jittered);
  return Math.min(policy.maxDelayMs, Math.round(wait));
}

/** Sleeps, unless the signal aborts first (then rejects with its reason). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) { reject(signal.reason as Error); return; }
    const onAbort = (): void => { clearTimeout(timer); reject(signal!.reason as Error); };
    const timer = setTimeout(() => { signal?.removeEventListener('abort', onAbort); resolve(); }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
