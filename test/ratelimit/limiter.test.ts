/**
 * The Postgres limiter against a real database (PGlite, or Postgres with
 * DATABASE_URL): exact admission, windows rolling over on an injected clock,
 * overrides, scope independence, no quota leaking between buckets, cleanup.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RateLimitConfig } from '../../src/db/schema';
import { type Database, queryRows } from '../../src/db/database';
import { openPostgres } from '../../src/db/postgres';
import { createPostgresRateLimiter, type PostgresRateLimiter } from '../../src/ratelimit/postgres-limiter';
import type { RateLimitDecision } from '../../src/ratelimit/limiter';
import { openTestDatabase, usingPostgres, type TestDatabase } from '../support/db';

const DB = usingPostgres() ? 'Postgres' : 'PGlite';
// 2030-01-01T00:00:00Z plus 10 s: every window length used here divides the epoch offset evenly.
const T0 = Date.UTC(2030, 0, 1, 0, 0, 10);

let db: TestDatabase;
let seq = 0;
const id = (prefix: string) => `${prefix}_${process.pid}_${seq++}`;

beforeAll(async () => {
  db = await openTestDatabase();
});
afterAll(async () => {
  await db.close();
});

function limiterAt(start = T0): { limiter: PostgresRateLimiter; clock: { now: number } } {
  const clock = { now: start };
  const limiter = createPostgresRateLimiter(db.db, { clock: () => clock.now, cleanupProbability: 0 });
  return { limiter, clock };
}

async function takeMany(
  limiter: PostgresRateLimiter,
  n: number,
  request: { partnerId: string; tokenId: string; endpoint: string; overrides?: RateLimitConfig },
): Promise<RateLimitDecision[]> {
  const out: RateLimitDecision[] = [];
  for (let i = 0; i < n; i++) out.push(await limiter.take({ overrides: {}, ...request }));
  return out;
}

const admitted = (decisions: RateLimitDecision[]) => decisions.filter((d) => d.allowed).length;

async function counter(key: string): Promise<number | undefined> {
  const rows = await queryRows<{ count: number }>(db.db, sql`select count from rate_limit_counters where key = ${key}`);
  return rows[0]?.count;
}

describe(`exact admission (${DB})`, () => {
  it('admits exactly the default per-token limit, then refuses with BALANCE_LIMIT and headers', async () => {
    const { limiter } = limiterAt();
    const request = { partnerId: id('ptn'), tokenId: id('tok'), endpoint: '/processor/balance/get' };
    const decisions = await takeMany(limiter, 8, request);
    expect(decisions.map((d) => d.allowed)).toEqual([true, true, true, true, true, false, false, false]);

    // Allowed answers carry the headers too; the token bucket (5/min) is the tightest.
    expect(decisions[0]!.headers).toEqual({
      'RateLimit-Policy': '5;w=60, 1200;w=60',
      RateLimit: 'limit=5, remaining=4, reset=50',
    });
    expect(decisions[4]!.headers.RateLimit).toBe('limit=5, remaining=0, reset=50');

    const refused = decisions[5]!;
    expect(refused).toMatchObject({ allowed: false, scope: 'token', errorCode: 'BALANCE_LIMIT', retryAfterSeconds: 50 });
    expect(refused.headers).toEqual({
      'RateLimit-Policy': '5;w=60, 1200;w=60',
      RateLimit: 'limit=5, remaining=0, reset=50',
      'Retry-After': '50',
    });
  });

  it('refuses per partner with the partner code once the partner limit is reached, whatever the token', async () => {
    const { limiter } = limiterAt();
    const partnerId = id('ptn');
    const overrides = { partner: { '/processor/balance/get': { limit: 3, window_seconds: 60 } } };
    const decisions: RateLimitDecision[] = [];
    for (let i = 0; i < 5; i++) {
      decisions.push(await limiter.take({ partnerId, tokenId: id('tok'), endpoint: '/processor/balance/get', overrides }));
    }
    expect(decisions.map((d) => d.allowed)).toEqual([true, true, true, false, false]);
    expect(decisions[3]).toMatchObject({ scope: 'partner', errorCode: 'BALANCE_LIMIT', retryAfterSeconds: 50 });
    expect(decisions[3]!.headers.RateLimit).toBe('limit=3, remaining=0, reset=50');
    expect(decisions[3]!.headers['RateLimit-Policy']).toBe('3;w=60, 5;w=60');
  });

  it('uses TRANSACTIONS_SYNC_LIMIT, AUTH_LIMIT and RATE_LIMIT for their endpoints', async () => {
    const { limiter } = limiterAt();
    const limits = (path: string) => ({ token: { [path]: { limit: 1, window_seconds: 60 } } });
    for (const [endpoint, code] of [
      ['/processor/transactions/sync', 'TRANSACTIONS_SYNC_LIMIT'],
      ['/processor/auth/get', 'AUTH_LIMIT'],
      ['/processor/identity/match', 'RATE_LIMIT'],
      ['/processor/signal/decision/report', 'RATE_LIMIT'],
    ] as const) {
      const request = { partnerId: id('ptn'), tokenId: id('tok'), endpoint, overrides: limits(endpoint) };
      const [first, second] = await takeMany(limiter, 2, request);
      expect(first!.allowed, endpoint).toBe(true);
      expect(second, endpoint).toMatchObject({ allowed: false, errorCode: code });
    }
  });

  it('a limit of 0 refuses every call and stores nothing', async () => {
    const { limiter } = limiterAt();
    const partnerId = id('ptn');
    const decision = await limiter.take({
      partnerId,
      tokenId: id('tok'),
      endpoint: '/processor/auth/get',
      overrides: { partner: { '/processor/auth/get': { limit: 0, window_seconds: 60 } } },
    });
    expect(decision).toMatchObject({ allowed: false, scope: 'partner', errorCode: 'AUTH_LIMIT' });
    expect(await counter(`p|${partnerId}|/processor/auth/get|60`)).toBeUndefined();
  });

  it('admits everything, without headers, on a path that has no limit', async () => {
    const { limiter } = limiterAt();
    const decision = await limiter.take({ partnerId: id('ptn'), tokenId: id('tok'), endpoint: '/processor/other', overrides: {} });
    expect(decision).toEqual({ allowed: true, headers: {} });
  });
});

describe(`windows (${DB})`, () => {
  it('roll over at the window boundary of the injected clock', async () => {
    const { limiter, clock } = limiterAt();
    const request = { partnerId: id('ptn'), tokenId: id('tok'), endpoint: '/processor/balance/get' };
    expect(admitted(await takeMany(limiter, 7, request))).toBe(5);

    clock.now = T0 + 49_999; // still 00:00:59.999
    const late = await limiter.take({ ...request, overrides: {} });
    expect(late).toMatchObject({ allowed: false, retryAfterSeconds: 1 });

    clock.now = T0 + 50_000; // 00:01:00: a new window
    const next = await takeMany(limiter, 6, request);
    expect(admitted(next)).toBe(5);
    expect(next[0]!.headers.RateLimit).toBe('limit=5, remaining=4, reset=60');
  });

  it('keeps signal evaluate at 50 per second per partner and 70 per hour per token', async () => {
    const { limiter, clock } = limiterAt();
    const partnerId = id('ptn');
    const tokenId = id('tok');
    const endpoint = '/processor/signal/evaluate';

    // 50 per second per partner, across many tokens.
    const burst: RateLimitDecision[] = [];
    for (let i = 0; i < 52; i++) burst.push(await limiter.take({ partnerId, tokenId: id('tok'), endpoint, overrides: {} }));
    expect(admitted(burst)).toBe(50);
    expect(burst[50]).toMatchObject({ scope: 'partner', errorCode: 'RATE_LIMIT', retryAfterSeconds: 1 });

    // 70 per hour for one token, even spread over seconds the partner allows.
    let allowed = 0;
    let refusal: RateLimitDecision | undefined;
    for (let second = 1; second <= 80; second++) {
      clock.now = T0 + second * 1000;
      const decision = await limiter.take({ partnerId, tokenId, endpoint, overrides: {} });
      if (decision.allowed) allowed++;
      else refusal ??= decision;
    }
    expect(allowed).toBe(70);
    expect(refusal).toMatchObject({ scope: 'token', errorCode: 'RATE_LIMIT' });
    // 00:01:21 -> the hour ends at 01:00:00.
    expect(refusal!.retryAfterSeconds).toBe(3600 - 81);
    expect(refusal!.headers.RateLimit).toBe(`limit=70, remaining=0, reset=${3600 - 81}`);
  });
});

describe(`overrides (${DB})`, () => {
  it('replace the default and apply on the next call, counts kept', async () => {
    const { limiter } = limiterAt();
    const request = { partnerId: id('ptn'), tokenId: id('tok'), endpoint: '/processor/auth/get' };
    // Default per-token limit is 15; take 4.
    expect(admitted(await takeMany(limiter, 4, request))).toBe(4);
    // Operator lowers it to 5: one more, then refused.
    const lowered = { token: { '/processor/auth/get': { limit: 5, window_seconds: 60 } } };
    const after = await takeMany(limiter, 3, { ...request, overrides: lowered });
    expect(after.map((d) => d.allowed)).toEqual([true, false, false]);
    expect(after[1]!.headers['RateLimit-Policy']).toBe('5;w=60, 12000;w=60');
    // And raises it to 7: two more.
    const raised = { token: { '/processor/auth/get': { limit: 7, window_seconds: 60 } } };
    expect(admitted(await takeMany(limiter, 4, { ...request, overrides: raised }))).toBe(2);
  });

  it('with another window length count afresh', async () => {
    const { limiter } = limiterAt();
    const request = { partnerId: id('ptn'), tokenId: id('tok'), endpoint: '/processor/balance/get' };
    expect(admitted(await takeMany(limiter, 6, request))).toBe(5);
    const hourly = { token: { '/processor/balance/get': { limit: 2, window_seconds: 3600 } } };
    const decisions = await takeMany(limiter, 3, { ...request, overrides: hourly });
    expect(decisions.map((d) => d.allowed)).toEqual([true, true, false]);
    expect(decisions[2]!.headers['RateLimit-Policy']).toBe('2;w=3600, 1200;w=60');
  });

  it('of one partner do not apply to another', async () => {
    const { limiter } = limiterAt();
    const strict = { partner: { '/processor/auth/get': { limit: 1, window_seconds: 60 } } };
    const a = await takeMany(limiter, 3, { partnerId: id('ptn'), tokenId: id('tok'), endpoint: '/processor/auth/get', overrides: strict });
    const b = await takeMany(limiter, 3, { partnerId: id('ptn'), tokenId: id('tok'), endpoint: '/processor/auth/get' });
    expect(admitted(a)).toBe(1);
    expect(admitted(b)).toBe(3);
  });
});

describe(`scopes (${DB})`, () => {
  it('token buckets are independent of each other and per endpoint', async () => {
    const { limiter } = limiterAt();
    const partnerId = id('ptn');
    const t1 = id('tok');
    const t2 = id('tok');
    expect(admitted(await takeMany(limiter, 7, { partnerId, tokenId: t1, endpoint: '/processor/balance/get' }))).toBe(5);
    expect(admitted(await takeMany(limiter, 7, { partnerId, tokenId: t2, endpoint: '/processor/balance/get' }))).toBe(5);
    // t1's other endpoints are untouched.
    expect(admitted(await takeMany(limiter, 3, { partnerId, tokenId: t1, endpoint: '/processor/auth/get' }))).toBe(3);
  });

  it('partner A flooding does not affect partner B', async () => {
    const { limiter } = limiterAt();
    const overrides = { partner: { '/processor/auth/get': { limit: 10, window_seconds: 60 } } };
    const a = id('ptn');
    const b = id('ptn');
    const flood: RateLimitDecision[] = [];
    for (let i = 0; i < 30; i++) flood.push(await limiter.take({ partnerId: a, tokenId: id('tok'), endpoint: '/processor/auth/get', overrides }));
    expect(admitted(flood)).toBe(10);
    const other: RateLimitDecision[] = [];
    for (let i = 0; i < 10; i++) other.push(await limiter.take({ partnerId: b, tokenId: id('tok'), endpoint: '/processor/auth/get', overrides }));
    expect(admitted(other)).toBe(10);
    expect(other[9]!.headers.RateLimit).toBe('limit=10, remaining=0, reset=50');
  });

  it("a call refused per token does not consume the partner's quota", async () => {
    const { limiter } = limiterAt();
    const partnerId = id('ptn');
    const overrides = { partner: { '/processor/balance/get': { limit: 8, window_seconds: 60 } } };
    const hog = id('tok');
    // 5 admitted and 20 refused for one token...
    expect(admitted(await takeMany(limiter, 25, { partnerId, tokenId: hog, endpoint: '/processor/balance/get', overrides }))).toBe(5);
    expect(await counter(`p|${partnerId}|/processor/balance/get|60`)).toBe(5);
    // ...leave the partner exactly 3 for its other tokens.
    const rest = await takeMany(limiter, 5, { partnerId, tokenId: id('tok'), endpoint: '/processor/balance/get', overrides });
    expect(rest.map((d) => d.allowed)).toEqual([true, true, true, false, false]);
  });

  it("a call refused per partner does not consume the token's quota", async () => {
    const { limiter } = limiterAt();
    const partnerId = id('ptn');
    const tokenId = id('tok');
    const endpoint = '/processor/balance/get';
    const overrides = { partner: { [endpoint]: { limit: 2, window_seconds: 10 } } };
    // Partner full for this 10 s window (by two other tokens).
    await takeMany(limiter, 2, { partnerId, tokenId: id('tok'), endpoint, overrides });
    const refused = await takeMany(limiter, 4, { partnerId, tokenId, endpoint, overrides });
    expect(refused.every((d) => !d.allowed && d.scope === 'partner')).toBe(true);
    // Token: refused calls were refunded; the headers report the token's full quota as unused.
    expect(refused[3]!.headers['RateLimit-Policy']).toBe('2;w=10, 5;w=60');
    // Next 10 s window: the token still has all 5 of its minute.
    const { limiter: later } = { limiter: createPostgresRateLimiter(db.db, { clock: () => T0 + 10_000, cleanupProbability: 0 }) };
    const next = await takeMany(later, 6, { partnerId, tokenId, endpoint, overrides: { partner: { [endpoint]: { limit: 100, window_seconds: 10 } } } });
    expect(admitted(next)).toBe(5);
    expect(next[0]!.headers.RateLimit).toBe('limit=5, remaining=4, reset=40');
  });
});

describe(`cleanup (${DB})`, () => {
  it('deletes expired counters and keeps live ones', async () => {
    const { limiter, clock } = limiterAt(T0 + 7 * 86_400_000);
    const partnerId = id('ptn');
    const request = { partnerId, tokenId: id('tok'), endpoint: '/processor/auth/get' };
    await takeMany(limiter, 1, request);
    clock.now += 10 * 60_000; // ten minutes later: the first window's rows are past expiry
    await takeMany(limiter, 1, request);
    const before = await queryRows<{ n: number }>(db.db, sql`select count(*)::int as n from rate_limit_counters where key like ${`p|${partnerId}|%`}`);
    expect(before[0]!.n).toBe(2);

    const deleted = await limiter.cleanup(100_000);
    expect(deleted).toBeGreaterThanOrEqual(2); // both first-window rows (partner + token), plus older tests' rows
    const after = await queryRows<{ window_start: string }>(
      db.db,
      sql`select window_start::text from rate_limit_counters where key like ${`p|${partnerId}|%`}`,
    );
    expect(after.map((r) => Number(r.window_start))).toEqual([Math.floor(clock.now / 60_000) * 60_000]);
    const expired = await queryRows<{ n: number }>(
      db.db,
      sql`select count(*)::int as n from rate_limit_counters where expires_at < ${new Date(clock.now).toISOString()}::timestamptz`,
    );
    expect(expired[0]!.n).toBe(0);
  });

  it('runs inside take() when the coin says so, in the same statement', async () => {
    const clock = { now: T0 + 14 * 86_400_000 };
    let coin = 1; // never clean
    const limiter = createPostgresRateLimiter(db.db, { clock: () => clock.now, random: () => coin, cleanupProbability: 0.5 });
    const request = { partnerId: id('ptn'), tokenId: id('tok'), endpoint: '/processor/auth/get', overrides: {} };
    await limiter.take(request);
    clock.now += 3_600_000;
    await limiter.take(request);
    expect(await counter(`p|${request.partnerId}|/processor/auth/get|60`)).toBe(1);
    const rows = async () =>
      (await queryRows<{ n: number }>(db.db, sql`select count(*)::int as n from rate_limit_counters where key like ${`%|${request.partnerId}|%`}`))[0]!.n;
    expect(await rows()).toBe(2);
    coin = 0; // clean this time
    const decision = await limiter.take(request);
    expect(decision.allowed).toBe(true);
    expect(await rows()).toBe(1);
  });
});

describe(`commit durability (${DB})`, () => {
  it("turns synchronous_commit off for its own statement only, never for the connection's later work", async () => {
    // One connection, so the SHOW runs where the take() ran.
    const single = usingPostgres() ? openPostgres(db.url!, { max: 1 }) : undefined;
    const conn: Database = single?.db ?? db.db;
    try {
      const before = (await queryRows<{ synchronous_commit: string }>(conn, sql`show synchronous_commit`))[0]!.synchronous_commit;
      expect(before).not.toBe('off');
      const limiter = createPostgresRateLimiter(conn, { clock: () => T0, cleanupProbability: 0 });
      const request = { partnerId: id('ptn'), tokenId: id('tok'), endpoint: '/processor/balance/get' };
      expect(admitted(await takeMany(limiter, 6, request))).toBe(5);
      const after = (await queryRows<{ synchronous_commit: string }>(conn, sql`show synchronous_commit`))[0]!.synchronous_commit;
      expect(after).toBe(before);
    } finally {
      await single?.close();
    }
  });

  it('with synchronousCommit: true admits exactly the same', async () => {
    const limiter = createPostgresRateLimiter(db.db, { clock: () => T0, cleanupProbability: 0, synchronousCommit: true });
    const request = { partnerId: id('ptn'), tokenId: id('tok'), endpoint: '/processor/balance/get' };
    const decisions = await takeMany(limiter, 7, request);
    expect(admitted(decisions)).toBe(5);
    expect(decisions[6]).toMatchObject({ allowed: false, errorCode: 'BALANCE_LIMIT' });
  });
});
