import { PlaidError } from '../plaid/errors';
import type { RateLimitDecision } from './limiter';

/**
 * The 429 the partner routes throw for a refused decision: Plaid's
 * RATE_LIMIT_EXCEEDED with the endpoint's code (AUTH_LIMIT, BALANCE_LIMIT, ...),
 * carrying Retry-After, RateLimit and RateLimit-Policy (the app's error handler
 * copies PlaidError.headers onto the response). The messages are Plaid's.
 */
export function rateLimitError(decision: RateLimitDecision): PlaidError {
  const message =
    decision.scope === 'partner'
      ? 'rate limit exceeded for this client. please try again later'
      : 'rate limit exceeded for attempts to access this item. please try again later';
  const headers = { ...decision.headers };
  if (decision.retryAfterSeconds !== undefined && headers['Retry-After'] === undefined) {
    headers['Retry-After'] = String(decision.retryAfterSeconds);
  }
  return new PlaidError({
    type: 'RATE_LIMIT_EXCEEDED',
    code: decision.errorCode ?? 'RATE_LIMIT',
    message,
    status: 429,
    headers,
  });
}

/** What take() throws when the shared counters cannot be reached: refuse, never admit blind. */
export function rateLimiterUnavailable(cause: unknown): PlaidError {
  const error = new PlaidError({
    type: 'API_ERROR',
    code: 'INTERNAL_SERVER_ERROR',
    message: 'rate limiter unavailable',
    status: 500,
  });
  (error as { cause?: unknown }).cause = cause;
  return error;
}
