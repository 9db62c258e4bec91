import type { RateLimitConfig } from '../db/schema';

/**
 * The rate limiter used on its own (bench, tests, tools). Partner calls count in
 * the same buckets through the same database functions, inside their admission
 * statement (src/tenancy/admission.ts), so there is one implementation of the
 * counting either way.
 */
export interface RateLimitRequest {
  partnerId: string;
  /** Gateway token id (processor_tokens.id). */
  tokenId: string;
  /** The partner path, e.g. '/processor/auth/get'. */
  endpoint: string;
  /** The partner's overrides (partners.rate_limits); defaults apply elsewhere. */
  overrides: RateLimitConfig;
}

export interface RateLimitDecision {
  allowed: boolean;
  /** Headers to send on every answer: RateLimit, RateLimit-Policy, and Retry-After when refused. */
  headers: Record<string, string>;
  /** When refused: which bucket refused and Plaid's error code for the endpoint. */
  scope?: 'partner' | 'token';
  errorCode?: string;
  retryAfterSeconds?: number;
}

export interface RateLimiter {
  take(request: RateLimitRequest): Promise<RateLimitDecision>;
}
