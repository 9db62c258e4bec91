import { rateLimitsSchema } from '../../src/tenancy/schemas';
/**
 * The rate limiter's policy: defaults, overrides as the database resolves them
 * (gw_rate_buckets, the one place they are resolved), error codes, header
 * formatting, the 429 error.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/database';
import { openTestDatabase, type TestDatabase } from '../support/db';
import { PARTNER_ENDPOINTS } from '../../src/plaid/schemas/endpoints';
import { rateLimitError } from '../../src/ratelimit/errors';
import { rateLimitHeaders, secondsUntil, tightest } from '../../src/ratelimit/headers';
import {
  DEFAULT_RATE_LIMITS,
  errorCodeFor,
  defaultsFor,
  type RateLimitRule,
} from '../../src/ratelimit/policy';

let db: TestDatabase;
beforeAll(async () => {
  db = await openTestDatabase();
});
afterAll(async () => db?.close());

/** The rules that apply to one call of `endpoint` for a partner with `overrides`, as the admission resolves them. */
async function resolvePolicy(endpoint: string, overrides: unknown): Promise<{ partner?: RateLimitRule; token?: RateLimitRule }> {
  const [row] = await queryRows<{ b: Record<string, { limit: number; window_seconds: number }> | string }>(
    db.db,
    sql`select gw_rate_buckets('ptn_x', 'tok_x', ${endpoint}, ${JSON.stringify(overrides ?? null)}::jsonb,
          ${JSON.stringify(defaultsFor(endpoint))}::jsonb, 0, 0) as b`,
  );
  const buckets = typeof row!.b === 'string' ? JSON.parse(row!.b) : row!.b;
  const out: { partner?: RateLimitRule; token?: RateLimitRule } = {};
  for (const scope of ['partner', 'token'] as const) {
    const b = buckets[scope];
    if (b) out[scope] = { limit: b.limit, windowSeconds: b.window_seconds };
  }
  return out;
}

describe('default policy', () => {
  it('covers every partner endpoint with a partner-scope limit', async () => {
    for (const { path } of PARTNER_ENDPOINTS) {
      expect((await resolvePolicy(path, {})).partner, path).toBeDefined();
    }
  });

  it("mirrors Plaid's Production per-client and per-Item rows", async () => {
    expect(await resolvePolicy('/processor/auth/get', {})).toEqual({
      partner: { limit: 12_000, windowSeconds: 60 },
      token: { limit: 15, windowSeconds: 60 },
    });
    expect(await resolvePolicy('/processor/balance/get', {})).toEqual({
      partner: { limit: 1_200, windowSeconds: 60 },
      token: { limit: 5, windowSeconds: 60 },
    });
    expect((await resolvePolicy('/processor/transactions/sync', {})).token).toEqual({ limit: 50, windowSeconds: 60 });
    expect((await resolvePolicy('/processor/signal/decision/report', {})).token).toBeUndefined();
  });

  it('gives signal evaluate a per-second partner limit and a per-hour token limit', () => {
    expect(DEFAULT_RATE_LIMITS['/processor/signal/evaluate']).toEqual({
      partner: { limit: 50, windowSeconds: 1 },
      token: { limit: 70, windowSeconds: 3_600 },
    });
  });

  it('has no limits for a path that is not a partner endpoint', async () => {
    expect(await resolvePolicy('/processor/unknown', {})).toEqual({});
  });
});

describe('overrides', () => {
  it('replace the default for that path and scope only', async () => {
    const policy = await resolvePolicy('/processor/auth/get', {
      partner: { '/processor/auth/get': { limit: 3, window_seconds: 10 } },
    });
    expect(policy).toEqual({ partner: { limit: 3, windowSeconds: 10 }, token: { limit: 15, windowSeconds: 60 } });
    expect(await resolvePolicy('/processor/balance/get', { partner: { '/processor/auth/get': { limit: 3, window_seconds: 10 } } }))
      .toEqual(await resolvePolicy('/processor/balance/get', {}));
  });

  it('can add a scope the defaults leave out', async () => {
    const policy = await resolvePolicy('/processor/signal/return/report', {
      token: { '/processor/signal/return/report': { limit: 2, window_seconds: 60 } },
    });
    expect(policy.token).toEqual({ limit: 2, windowSeconds: 60 });
  });

  it('ignore malformed entries, keeping the default', async () => {
    const overrides = {
      token: {
        '/processor/auth/get': { limit: -1, window_seconds: 60 },
        '/processor/balance/get': { limit: 2.5, window_seconds: 60 },
        '/processor/transactions/sync': { limit: 5, window_seconds: 0 },
      },
    };
    expect((await resolvePolicy('/processor/auth/get', overrides)).token).toEqual({ limit: 15, windowSeconds: 60 });
    expect((await resolvePolicy('/processor/balance/get', overrides)).token).toEqual({ limit: 5, windowSeconds: 60 });
    expect((await resolvePolicy('/processor/transactions/sync', overrides)).token).toEqual({ limit: 50, windowSeconds: 60 });
    expect((await resolvePolicy('/processor/auth/get', null as never)).token).toEqual({ limit: 15, windowSeconds: 60 });
  });

  it("are validated by the operator API's schema (rateLimitsSchema, the one owner of the bounds)", () => {
    expect(
      rateLimitsSchema.safeParse({
        partner: { '/processor/auth/get': { limit: 500, window_seconds: 60 } },
        token: { '/processor/auth/get': { limit: 1, window_seconds: 86_400 } },
      }).success,
    ).toBe(true);
    expect(rateLimitsSchema.safeParse({}).success).toBe(true);
    expect(rateLimitsSchema.safeParse({ partner: { '/processor/nope': { limit: 1, window_seconds: 1 } } }).success).toBe(false);
    expect(rateLimitsSchema.safeParse({ partner: { '/processor/auth/get': { limit: 1 } } }).success).toBe(false);
    expect(rateLimitsSchema.safeParse({ partner: { '/processor/auth/get': { limit: 1, window_seconds: 0 } } }).success).toBe(false);
    expect(rateLimitsSchema.safeParse({ partner: { '/processor/auth/get': { limit: 0, window_seconds: 60 } } }).success).toBe(false);
    expect(rateLimitsSchema.safeParse({ partner: { '/processor/auth/get': { limit: 1, window_seconds: 86_401 } } }).success).toBe(false);
    expect(rateLimitsSchema.safeParse({ item: {} }).success).toBe(false);
  });
});

describe('error codes', () => {
  it("use Plaid's code per endpoint and scope, RATE_LIMIT where Plaid names none", () => {
    expect(errorCodeFor('/processor/auth/get', 'token')).toBe('AUTH_LIMIT');
    expect(errorCodeFor('/processor/auth/get', 'partner')).toBe('AUTH_LIMIT');
    expect(errorCodeFor('/processor/balance/get', 'token')).toBe('BALANCE_LIMIT');
    expect(errorCodeFor('/processor/balance/get', 'partner')).toBe('BALANCE_LIMIT');
    expect(errorCodeFor('/processor/transactions/sync', 'partner')).toBe('TRANSACTIONS_SYNC_LIMIT');
    expect(errorCodeFor('/processor/identity/match', 'token')).toBe('RATE_LIMIT');
    expect(errorCodeFor('/processor/signal/evaluate', 'partner')).toBe('RATE_LIMIT');
    expect(errorCodeFor('/processor/other', 'partner')).toBe('RATE_LIMIT');
  });
});

describe('headers (draft-ietf-httpapi-ratelimit-headers-07)', () => {
  const token = { limit: 15, windowSeconds: 60, remaining: 2, resetMs: 16_200 };
  const partner = { limit: 12_000, windowSeconds: 60, remaining: 11_000, resetMs: 16_200 };

  it('report the tightest bucket in RateLimit and every policy in RateLimit-Policy', () => {
    expect(tightest([partner, token])).toBe(token);
    expect(rateLimitHeaders(token, [partner, token])).toEqual({
      'RateLimit-Policy': '15;w=60, 12000;w=60',
      RateLimit: 'limit=15, remaining=2, reset=17',
    });
  });

  it('add Retry-After when given and never report a zero reset', () => {
    const full = { ...token, remaining: 0, resetMs: 0 };
    expect(rateLimitHeaders(full, [full], 1)).toEqual({
      'RateLimit-Policy': '15;w=60',
      RateLimit: 'limit=15, remaining=0, reset=1',
      'Retry-After': '1',
    });
    expect(secondsUntil(1)).toBe(1);
    expect(secondsUntil(1000)).toBe(1);
    expect(secondsUntil(1001)).toBe(2);
  });

  it('prefer the bucket that resets later when remaining ties', () => {
    const a = { limit: 5, windowSeconds: 1, remaining: 0, resetMs: 500 };
    const b = { limit: 70, windowSeconds: 3600, remaining: 0, resetMs: 3_000_000 };
    expect(tightest([a, b])).toBe(b);
  });
});

describe('rateLimitError', () => {
  it('is a 429 RATE_LIMIT_EXCEEDED with the decision code and headers', () => {
    const error = rateLimitError({
      allowed: false,
      scope: 'token',
      errorCode: 'AUTH_LIMIT',
      retryAfterSeconds: 17,
      headers: { RateLimit: 'limit=15, remaining=0, reset=17', 'RateLimit-Policy': '15;w=60', 'Retry-After': '17' },
    });
    expect(error.status).toBe(429);
    expect(error.type).toBe('RATE_LIMIT_EXCEEDED');
    expect(error.code).toBe('AUTH_LIMIT');
    expect(error.headers['Retry-After']).toBe('17');
    expect(error.headers.RateLimit).toBe('limit=15, remaining=0, reset=17');
    const body = error.toBody('req_1');
    expect(body).toMatchObject({
      error_type: 'RATE_LIMIT_EXCEEDED',
      error_code: 'AUTH_LIMIT',
      error_message: 'rate limit exceeded for attempts to access this item. please try again later',
      display_message: null,
      request_id: 'req_1',
    });
  });

  it('falls back to RATE_LIMIT and adds Retry-After from the decision', () => {
    const error = rateLimitError({ allowed: false, scope: 'partner', retryAfterSeconds: 3, headers: {} });
    expect(error.code).toBe('RATE_LIMIT');
    expect(error.headers['Retry-After']).toBe('3');
    expect(error.message).toContain('client');
  });
});
