/**
 * The database goes away under load and comes back, with no gateway restart,
 * twice: a proxy in front of a Postgres database of the test's own cuts every
 * connection and refuses new ones (the network or the server gone), then the
 * real server itself refuses the database and ends its sessions
 * (ALLOW_CONNECTIONS false, pg_terminate_backend), then allows it again:
 * - while it is gone, calls are refused with Plaid's API_ERROR within
 *   DATABASE_TIMEOUT_MS (never hang), and /ready says so;
 * - once it is back, calls succeed again, /ready is ready;
 * - every 200 a client received has its audit record, and the chain verifies.
 */
import { sql } from 'drizzle-orm';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/database';
import { verifyChain } from '../../src/audit/verify';
import { scratchPostgres, testDatabaseAt, type TestDatabase } from '../support/db';
import { serverUrl } from '../support/pg-url';
import { startOutageProxy, type OutageProxy } from '../support/outage-proxy';
import { expectPlaidError } from '../support/plaid-spec';
import { type TestStack } from '../support/stack';
import { type Partner, plaidHeaders, startWorldWithToken, type Token } from '../support/tenants';
import { httpPost } from '../support/http';

const TIMEOUT_MS = 2_000;

let scratch: Awaited<ReturnType<typeof scratchPostgres>>;
let proxy: OutageProxy;
let db: TestDatabase;
let stack: TestStack;
let partner: Partner;
let token: Token;

beforeAll(async () => {
  scratch = await scratchPostgres('gw_outage');
  proxy = await startOutageProxy(scratch.url);
  db = testDatabaseAt(proxy.url);
  // Limits high enough that the load below is never rate limited: this test is about the database.
  const generous = { '/processor/auth/get': { limit: 100_000, window_seconds: 60 } };
  ({ stack, partner, token } = await startWorldWithToken({
    db,
    http: true,
    env: { DATABASE_TIMEOUT_MS: String(TIMEOUT_MS) },
    partner: { rate_limits: { partner: generous, token: generous } },
  }));
});
afterAll(async () => {
  await stack?.close();
  await db?.close();
  await proxy?.close();
  await scratch?.drop();
});

interface Outcome {
  status: number;
  requestId: string;
  ms: number;
  body: any;
}

async function authGet(): Promise<Outcome> {
  const started = Date.now();
  const res = await httpPost(stack, '/processor/auth/get', { processor_token: token.gatewayToken }, plaidHeaders(partner));
  return { status: res.status, requestId: res.body.request_id, ms: Date.now() - started, body: res.body };
}

/** `concurrency` clients calling in a loop until `stop()`; answers every outcome. */
function load(concurrency: number) {
  const outcomes: Outcome[] = [];
  let running = true;
  const clients = Array.from({ length: concurrency }, async () => {
    while (running) {
      try {
        outcomes.push(await authGet());
      } catch (err) {
        // A connection the test's own shutdown cut: recorded, never left unhandled.
        outcomes.push({ status: 0, requestId: '', ms: 0, body: { error: String(err) } });
      }
    }
  });
  return {
    outcomes,
    async stop() {
      running = false;
      await Promise.all(clients);
      return outcomes;
    },
  };
}

const ready = async () => (await fetch(`${stack.url}/ready`)).status;

/**
 * One outage under load: `takeDown` makes the database unreachable, `bringBack`
 * restores it. Answers a line of figures for the log.
 */
async function outageUnderLoad(takeDown: () => Promise<void>, bringBack: () => Promise<void>): Promise<string> {
  expect((await authGet()).status).toBe(200);
  const traffic = load(6);
  try {
    return await outageDuring(traffic, takeDown, bringBack);
  } finally {
    await traffic.stop();
  }
}

async function outageDuring(
  traffic: ReturnType<typeof load>,
  takeDown: () => Promise<void>,
  bringBack: () => Promise<void>,
): Promise<string> {
  await new Promise((r) => setTimeout(r, 500));

  await takeDown();
  const downAt = Date.now();
  await new Promise((r) => setTimeout(r, 3_000));
  expect(await ready()).toBe(503);
  const duringOutage = traffic.outcomes.filter((o) => o.status !== 200);

  await bringBack();
  const downMs = Date.now() - downAt;
  // Recovered: the pool reconnects on its own.
  await expect.poll(async () => (await authGet()).status, { timeout: 40_000, interval: 250 }).toBe(200);
  // /ready too (its probe may first meet a pooled connection the outage ended, and answer 503 once).
  await expect.poll(ready, { timeout: 40_000, interval: 250 }).toBe(200);
  await new Promise((r) => setTimeout(r, 500));
  const outcomes = await traffic.stop();

  // Refusals during the outage: Plaid's API_ERROR, each answered in bounded time.
  expect(duringOutage.length).toBeGreaterThan(0);
  for (const o of outcomes.filter((x) => x.status !== 200)) {
    expect(o.status).toBeGreaterThanOrEqual(500);
    expectPlaidError(o.body, { error_type: 'API_ERROR' });
    expect(o.ms).toBeLessThan(TIMEOUT_MS * 4 + 2_000);
  }
  const oks = outcomes.filter((o) => o.status === 200);
  expect(oks.length).toBeGreaterThan(0);

  // Every 200 a client received has its record; the chain verifies.
  const rows = await queryRows<{ request_id: string }>(
    db.db,
    sql`select request_id from audit_events where action = 'partner.call' and decision = 'allow'`,
  );
  const recorded = new Set(rows.map((r) => r.request_id));
  expect(oks.filter((o) => !recorded.has(o.requestId))).toEqual([]);
  expect((await verifyChain(db.db)).ok).toBe(true);
  return `${outcomes.length} calls under load, ${outcomes.length - oks.length} refused during ${downMs} ms without the database, 0 records lost`;
}

describe('the database goes away under load and comes back, without a gateway restart', () => {
  it('connections cut and refused (the network or the server gone): refused promptly, resumed, no record of a 200 lost', async () => {
    const figures = await outageUnderLoad(
      async () => proxy.down(),
      async () => proxy.up(),
    );
    console.info(`[outage] network: ${figures}`);
  });

  it('the real server refuses the database and ends its sessions, then allows it again: the same', async () => {
    const name = new URL(scratch.url).pathname.slice(1);
    const server = postgres(serverUrl(scratch.url), { max: 1, onnotice: () => {} });
    try {
      const figures = await outageUnderLoad(
        async () => {
          await server.unsafe(`alter database "${name}" with allow_connections false`);
          await server`select pg_terminate_backend(pid) from pg_stat_activity where datname = ${name} and pid <> pg_backend_pid()`;
        },
        async () => {
          await server.unsafe(`alter database "${name}" with allow_connections true`);
        },
      );
      console.info(`[outage] server: ${figures}`);
    } finally {
      await server.unsafe(`alter database "${name}" with allow_connections true`).catch(() => {});
      await server.end();
    }
  });
});
