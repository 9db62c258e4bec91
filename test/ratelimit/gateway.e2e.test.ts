/**
 * End to end: two gateway apps (two instances) on the same database, each with
 * the real admission statement built by buildNodeDeps, partners calling through both at once.
 * Postgres: the second app has its own postgres.js pool. PGlite: both apps share
 * the one embedded instance (it cannot be opened twice).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFintech, createPartner, type Fintech, importToken, plaidHeaders } from '../support/tenants';
import { usingPostgres } from '../support/db';
import { call, startTwoInstances, type TestStack } from '../support/stack';

const ON = usingPostgres() ? 'Postgres, two pools' : 'PGlite, one shared instance';
const endpoint = '/processor/auth/get';

let a: TestStack;
let b: TestStack;
let instances: Awaited<ReturnType<typeof startTwoInstances>>;
let fintech: Fintech;

beforeAll(async () => {
  instances = await startTwoInstances();
  ({ a, b } = instances);
  fintech = await createFintech(a);
});

afterAll(async () => instances?.close());

describe(`limits through two gateway instances (${ON})`, () => {
  it("a partner limit of 12 admits exactly 12 of 40 simultaneous calls split over both instances; another partner is unaffected", async () => {
    const limited = await createPartner(a, {
      rate_limits: { partner: { [endpoint]: { limit: 12, window_seconds: 60 } } },
    });
    const other = await createPartner(a);
    const tokens = await Promise.all(Array.from({ length: 4 }, () => importToken(a, { partner: limited, fintech })));
    const otherToken = await importToken(a, { partner: other, fintech });

    const calls = Array.from({ length: 40 }, (_, i) =>
      call(i % 2 === 0 ? a.app : b.app, 'POST', endpoint, {
        headers: plaidHeaders(limited),
        body: { processor_token: tokens[i % tokens.length]!.gatewayToken },
      }),
    );
    const others = Array.from({ length: 6 }, (_, i) =>
      call(i % 2 === 0 ? b.app : a.app, 'POST', endpoint, {
        headers: plaidHeaders(other),
        body: { processor_token: otherToken.gatewayToken },
      }),
    );
    const results = await Promise.all(calls);
    const otherResults = await Promise.all(others);

    expect(results.filter((r) => r.status === 200)).toHaveLength(12);
    const refused = results.filter((r) => r.status !== 200);
    expect(refused).toHaveLength(28);
    for (const r of refused) {
      expect(r.status).toBe(429);
      expect(r.body).toMatchObject({ error_type: 'RATE_LIMIT_EXCEEDED', error_code: 'AUTH_LIMIT' });
      expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(r.headers.get('ratelimit')).toMatch(/^limit=12, remaining=0, reset=\d+$/);
      expect(r.headers.get('ratelimit-policy')).toBe('12;w=60, 15;w=60');
    }
    // Allowed answers carry the headers too.
    for (const r of results.filter((r) => r.status === 200)) {
      expect(r.headers.get('ratelimit')).toMatch(/^limit=\d+, remaining=\d+, reset=\d+$/);
    }
    expect(otherResults.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 200]);
  });

  it('the default per-token limit (15/min on auth) holds across both instances', async () => {
    const partner = await createPartner(a);
    const token = await importToken(a, { partner, fintech });
    const results = await Promise.all(
      Array.from({ length: 24 }, (_, i) =>
        call(i % 2 === 0 ? a.app : b.app, 'POST', endpoint, {
          headers: plaidHeaders(partner),
          body: { processor_token: token.gatewayToken },
        }),
      ),
    );
    expect(results.filter((r) => r.status === 200)).toHaveLength(15);
    expect(results.filter((r) => r.status === 429 && r.body.error_code === 'AUTH_LIMIT')).toHaveLength(9);
  });
});
