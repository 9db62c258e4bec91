/**
 * Database unreachable or failing: the limiter refuses with API_ERROR
 * ("rate limiter unavailable") instead of admitting calls it cannot count.
 * (A statement that waits on a lock is bounded too: test/partner/bounded-waits.test.ts.)
 */
import { describe, expect, it } from 'vitest';
import { openPostgres } from '../../src/db/postgres';
import { PlaidError } from '../../src/plaid/errors';
import { createPostgresRateLimiter } from '../../src/ratelimit/postgres-limiter';
import { openTestDatabase, usingPostgres } from '../support/db';
import { rejectionOf } from '../support/rejection';

const request = { partnerId: 'ptn_x', tokenId: 'tok_x', endpoint: '/processor/auth/get', overrides: {} };

const refusal = (promise: Promise<unknown>) => rejectionOf(promise, PlaidError);

describe('database unavailable', () => {
  it('a Postgres pool pointed at a closed port refuses with API_ERROR', async () => {
    const handle = openPostgres('postgres://postgres@127.0.0.1:1/nothing', { max: 1 });
    const warnings: string[] = [];
    const limiter = createPostgresRateLimiter(handle.db, { log: { warn: (msg) => warnings.push(msg) } });
    try {
      const error = await refusal(limiter.take(request));
      expect(error.type).toBe('API_ERROR');
      expect(error.code).toBe('INTERNAL_SERVER_ERROR');
      expect(error.status).toBe(500);
      expect(error.message).toBe('rate limiter unavailable');
      expect(error.toBody('req').error_message).not.toMatch(/127\.0\.0\.1|ECONNREFUSED/);
      expect(warnings).toEqual(['rate limiter unavailable']);
    } finally {
      await handle.close();
    }
  });

  it(`a closed ${usingPostgres() ? 'Postgres pool' : 'PGlite instance'} refuses with API_ERROR`, async () => {
    const db = await openTestDatabase();
    const limiter = createPostgresRateLimiter(db.db);
    expect((await limiter.take(request)).allowed).toBe(true);
    await db.close();
    const error = await refusal(limiter.take(request));
    expect(error).toMatchObject({ type: 'API_ERROR', status: 500, message: 'rate limiter unavailable' });
  });
});
