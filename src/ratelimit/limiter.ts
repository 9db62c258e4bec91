import type { RateLimitConfig } from '../db/schema';

/**
 * The rate limiter's contract with the partner routes (implementation: issue 6).
 * One call per partner request, before anything goes upstream.
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

/** Admits everything (placeholder until issue 6 lands; also handy in unit tests). */
export const unlimited: RateLimiter = {
  async take() {
    return { allowed: true, headers: {} };
  },
};

// The implementation and its helpers, for one import site.
export { rateLimitError, rateLimiterUnavailable } from './errors';
export { createPostgresRateLimiter, type PostgresRateLimiter, type PostgresRateLimiterOptions } from './postgres-limiter';
export { DEFAULT_RATE_LIMITS, RATE_LIMIT_ERROR_CODES, defaultsFor, rateLimitConfigSchema } from './policy';
