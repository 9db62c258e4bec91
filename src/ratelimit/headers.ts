/**
 * RateLimit header fields, draft-ietf-httpapi-ratelimit-headers-07 (June 2023):
 *
 *   RateLimit-Policy: 15;w=60, 12000;w=60     every quota policy that applies (List)
 *   RateLimit: limit=15, remaining=3, reset=17 the one closest to refusing (Dictionary)
 *   Retry-After: 17                            only on a refusal (RFC 9110, delay-seconds)
 *
 * draft-07 is the last version with the `limit=, remaining=, reset=` dictionary
 * (draft-08 moved to named policies, `"name";q=..;w=..` / `"name";r=..;t=..`,
 * which no client library reads yet). `reset` and Retry-After are whole seconds,
 * rounded up, so a client that waits that long lands in the next window.
 */

/** One bucket's state after a take(). */
export interface BucketState {
  limit: number;
  windowSeconds: number;
  /** Calls still admitted in this window (0 when refused). */
  remaining: number;
  /** Milliseconds until the window ends. */
  resetMs: number;
}

/** Whole seconds until `ms` have passed, at least 1 (a 0 would invite an immediate retry). */
export function secondsUntil(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}

/**
 * Builds the header map. `shown` is the bucket reported in `RateLimit` (the
 * refusing one, or the one with the fewest calls left); `all` lists every
 * policy in `RateLimit-Policy`, `shown` first.
 */
export function rateLimitHeaders(
  shown: BucketState,
  all: readonly BucketState[],
  retryAfterSeconds?: number,
): Record<string, string> {
  const policies = [shown, ...all.filter((bucket) => bucket !== shown)];
  const headers: Record<string, string> = {
    'RateLimit-Policy': policies.map((bucket) => `${bucket.limit};w=${bucket.windowSeconds}`).join(', '),
    RateLimit: `limit=${shown.limit}, remaining=${Math.max(0, shown.remaining)}, reset=${secondsUntil(shown.resetMs)}`,
  };
  if (retryAfterSeconds !== undefined) headers['Retry-After'] = String(retryAfterSeconds);
  return headers;
}

/** The bucket closest to refusing: fewest calls left, then the later reset. */
export function tightest(buckets: readonly BucketState[]): BucketState | undefined {
  let best: BucketState | undefined;
  for (const bucket of buckets) {
    if (
      !best ||
      bucket.remaining < best.remaining ||
      (bucket.remaining === best.remaining && bucket.resetMs > best.resetMs)
    ) {
      best = bucket;
    }
  }
  return best;
}
