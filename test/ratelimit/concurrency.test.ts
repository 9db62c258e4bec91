/**
 * The requirement: limits hold exactly across every gateway instance
 * sharing the database, at any concurrency.
 *
 * Postgres (DATABASE_URL set): several limiter instances, each on its own
 * postgres.js pool (= its own gateway instance), fire their calls at once.
 * PGlite (single connection, no second instance possible): the same
 * assertions with concurrent promises on one instance.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DatabaseHandle, queryRows } from '../../src/db/database';
import { openPostgres } from '../../src/db/postgres';
import type { RateLimitDecision, RateLimitRequest } from '../../src/ratelimit/limiter';
import { createPostgresRateLimiter, type PostgresRateLimiter } from '../../src/ratelimit/postgres-limiter';
import { openTestDatabase, usingPostgres, type TestDatabase } from '../support/db';

const ON = usingPostgres() ? 'Postgres, 4 instances on 4 pools' : 'PGlite, concurrent promises on 1 instance';
const NOW = Date.UTC(2030, 5, 1, 12, 0, 5);

let db: TestDatabase;
const extra: DatabaseHandle[] = [];
let instances: PostgresRateLimiter[] = [];
let seq = 0;
const id = (prefix: string) => `${prefix}_c${process.pid}_${seq++}`;

beforeAll(async () => {
  db = await openTestDatabase();
  const handles: DatabaseHandle[] = [db];
  if (usingPostgres()) {
    for (let i = 0; i < 3; i++) {
      const handle = openPostgres(db.url!, { max: 8 });
      extra.push(handle);
      handles.push(handle);
    }
  }
  instances = handles.map((handle) => createPostgresRateLimiter(handle.db, { clock: () => NOW, cleanupProbability: 0 }));
});

afterAll(async () => {
  for (const handle of extra) await handle.close();
  await db.close();
});

/** Fires every request at once, spread round-robin over the instances. */
async function fireAll(requests: RateLimitRequest[]): Promise<RateLimitDecision[]> {
  return Promise.all(requests.map((request, i) => instances[i % instances.length]!.take(request)));
}

const admitted = (decisions: RateLimitDecision[]) => decisions.filter((d) => d.allowed).length;

async function count(key: string): Promise<number> {
  const rows = await queryRows<{ count: number }>(db.db, sql`select count from rate_limit_counters where key = ${key}`);
  return rows[0]?.count ?? 0;
}

describe(`exact under concurrency (${ON})`, () => {
  it('a partner limit of 25 admits exactly 25 of 200 simultaneous calls, and another partner is unaffected', async () => {
    const endpoint = '/processor/auth/get';
    for (let round = 0; round < 3; round++) {
      const a = id('ptnA');
      const b = id('ptnB');
      const requests: RateLimitRequest[] = [];
      for (let i = 0; i < 200; i++) {
        requests.push({ partnerId: a, tokenId: id('tok'), endpoint, overrides: { partner: { [endpoint]: { limit: 25, window_seconds: 60 } } } });
        if (i % 5 === 0) {
          requests.push({ partnerId: b, tokenId: id('tok'), endpoint, overrides: { partner: { [endpoint]: { limit: 40, window_seconds: 60 } } } });
        }
      }
      const decisions = await fireAll(requests);
      const forA = decisions.filter((_, i) => requests[i]!.partnerId === a);
      const forB = decisions.filter((_, i) => requests[i]!.partnerId === b);
      expect(forA).toHaveLength(200);
      expect(admitted(forA)).toBe(25);
      expect(forA.filter((d) => !d.allowed).every((d) => d.scope === 'partner' && d.errorCode === 'AUTH_LIMIT')).toBe(true);
      expect(forB).toHaveLength(40);
      expect(admitted(forB)).toBe(40);
      expect(await count(`p|${a}|${endpoint}|60`)).toBe(25);
    }
  });

  it('a token limit of 25 admits exactly 25 of 200 simultaneous calls with one token', async () => {
    const endpoint = '/processor/transactions/sync';
    const partnerId = id('ptn');
    const tokenId = id('tok');
    const other = id('tok');
    const overrides = { token: { [endpoint]: { limit: 25, window_seconds: 60 } } };
    const requests: RateLimitRequest[] = [];
    for (let i = 0; i < 200; i++) requests.push({ partnerId, tokenId, endpoint, overrides });
    for (let i = 0; i < 20; i++) requests.push({ partnerId, tokenId: other, endpoint, overrides });
    const decisions = await fireAll(requests);
    expect(admitted(decisions.slice(0, 200))).toBe(25);
    expect(decisions.slice(0, 200).filter((d) => !d.allowed).every((d) => d.errorCode === 'TRANSACTIONS_SYNC_LIMIT' && d.scope === 'token')).toBe(true);
    expect(admitted(decisions.slice(200))).toBe(20);
    // Refused token calls never reached the partner bucket: 25 + 20 admitted calls in it.
    expect(await count(`p|${partnerId}|${endpoint}|60`)).toBe(45);
  });

  it('with both limits binding, the partner admits exactly 25 and no token more than its 3', async () => {
    const endpoint = '/processor/balance/get';
    const partnerId = id('ptn');
    const tokens = Array.from({ length: 20 }, () => id('tok'));
    const overrides = {
      partner: { [endpoint]: { limit: 25, window_seconds: 60 } },
      token: { [endpoint]: { limit: 3, window_seconds: 60 } },
    };
    const requests: RateLimitRequest[] = [];
    for (let i = 0; i < 10; i++) for (const tokenId of tokens) requests.push({ partnerId, tokenId, endpoint, overrides });
    const decisions = await fireAll(requests);
    expect(admitted(decisions)).toBe(25);
    expect(await count(`p|${partnerId}|${endpoint}|60`)).toBe(25);
    for (const tokenId of tokens) {
      const mine = decisions.filter((_, i) => requests[i]!.tokenId === tokenId);
      expect(admitted(mine)).toBeLessThanOrEqual(3);
      // What the token bucket holds (count - refunds) is what it admitted: no quota leaked.
      const held = (await count(`t|${tokenId}|${endpoint}|60`)) - (await count(`r|${tokenId}|${endpoint}|60`));
      expect(held).toBe(admitted(mine));
    }
  });
});
