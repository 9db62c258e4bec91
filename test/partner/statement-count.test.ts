/**
 * The database cost of one partner call on Node: at most two statements (one
 * admission statement, one audit statement) and two round trips, whatever the
 * outcome. The gateway's Postgres connections go through a counting proxy
 * (test/support/pg-counter.ts), so every statement the app sends is seen.
 *
 * Always the real Postgres (a counting proxy needs a wire protocol; PGlite has
 * none): DATABASE_URL's server, else the local one, as in the workerd suite.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scratchPostgres, testDatabaseAt, type TestDatabase } from '../support/db';
import { startStatementCounter, type StatementCounter } from '../support/pg-counter';
import { type TestStack } from '../support/stack';
import { createPartner, type Fintech, importToken, type Keys, type Partner, plaidHeaders, revokeToken, startWorld } from '../support/tenants';
import { httpPost } from '../support/http';

const MAX_STATEMENTS = 2;
const MAX_ROUND_TRIPS = 2;

let scratch: Awaited<ReturnType<typeof scratchPostgres>>;
let counter: StatementCounter;
let db: TestDatabase;
let stack: TestStack;
let partner: Partner;
let fintech: Fintech;

beforeAll(async () => {
  scratch = await scratchPostgres('gw_sc');
  counter = await startStatementCounter(scratch.url);
  db = testDatabaseAt(counter.url);
  ({ stack, partner, fintech } = await startWorld({ db, http: true }));
});

afterAll(async () => {
  await stack?.close();
  await db?.close();
  await counter?.close();
  await scratch?.drop();
});

/** Resolves once no statement has reached the database for `quietMs`. */
async function settle(quietMs = 50): Promise<void> {
  for (let seen = -1; seen !== counter.count() + counter.roundTrips(); ) {
    seen = counter.count() + counter.roundTrips();
    await new Promise((r) => setTimeout(r, quietMs));
  }
}

/**
 * Runs `call` alone inside the counted window. Before: nothing from set-up or
 * the warm-up may still be in flight. After: the window stays open until the
 * database is quiet, so work deferred past the response is counted too.
 */
async function counted<T>(call: () => Promise<T>): Promise<{ result: T; statements: string[]; roundTrips: number }> {
  await settle();
  counter.reset();
  const result = await call();
  await settle();
  return { result, statements: counter.statements(), roundTrips: counter.roundTrips() };
}

function expectCheap(measured: { statements: string[]; roundTrips: number }, extra = 0) {
  const listing = measured.statements.map((sql, i) => `  ${i + 1}. ${sql.replace(/\s+/g, ' ').trim()}`).join('\n');
  const message = `${measured.statements.length} statements, ${measured.roundTrips} round trips:\n${listing}`;
  // Shown on success too: the current cost, for whoever tightens or reads it.
  console.info(`[statement-count] ${expect.getState().currentTestName}: ${message}`);
  expect(measured.statements.length, message).toBeLessThanOrEqual(MAX_STATEMENTS + extra);
  expect(measured.roundTrips, message).toBeLessThanOrEqual(MAX_ROUND_TRIPS + extra);
}

const authGet = (p: Keys, processorToken: string) =>
  httpPost(stack, '/processor/auth/get', { processor_token: processorToken }, plaidHeaders(p));

describe('database statements of one warm partner call (Node)', () => {
  it('an allowed /processor/auth/get', async () => {
    const token = await importToken(stack, { partner, fintech });
    expect((await authGet(partner, token.gatewayToken)).status).toBe(200);
    const measured = await counted(() => authGet(partner, token.gatewayToken));
    expect(measured.result.status, measured.result.text).toBe(200);
    expectCheap(measured);
  });

  it('a call with a revoked token (INVALID_PROCESSOR_TOKEN)', async () => {
    const token = await importToken(stack, { partner, fintech });
    await revokeToken(stack, token);
    expect((await authGet(partner, token.gatewayToken)).body.error_code).toBe('INVALID_PROCESSOR_TOKEN');
    const measured = await counted(() => authGet(partner, token.gatewayToken));
    expect(measured.result.body.error_code).toBe('INVALID_PROCESSOR_TOKEN');
    expectCheap(measured);
  });

  it('a call refused by the rate limiter (RATE_LIMIT_EXCEEDED)', async () => {
    const limited = await createPartner(stack, {
      rate_limits: { token: { '/processor/auth/get': { limit: 1, window_seconds: 60 } } },
    });
    const token = await importToken(stack, { partner: limited, fintech });
    // The one admitted call, then a refused one: the counted call takes the warm refusal path.
    expect((await authGet(limited, token.gatewayToken)).status).toBe(200);
    expect((await authGet(limited, token.gatewayToken)).status).toBe(429);
    const measured = await counted(() => authGet(limited, token.gatewayToken));
    // (A 60 s window rolling over between the calls above would admit this one: rare, and visible here.)
    expect(measured.result.status, measured.result.text).toBe(429);
    expect(measured.result.body.error_type).toBe('RATE_LIMIT_EXCEEDED');
    expectCheap(measured);
  });

  it('a call with a wrong partner secret (INVALID_API_KEYS): one more, the failure count that throttles brute force', async () => {
    const token = await importToken(stack, { partner, fintech });
    const wrong = { clientId: partner.clientId, secret: `${partner.secret.slice(0, -4)}xxxx` };
    expect((await authGet(wrong, token.gatewayToken)).body.error_code).toBe('INVALID_API_KEYS');
    const measured = await counted(() => authGet(wrong, token.gatewayToken));
    expect(measured.result.body.error_code).toBe('INVALID_API_KEYS');
    // Failed authentications are counted (src/auth/failures.ts); calls with the right keys never pay it.
    expectCheap(measured, 1);
  });
});
