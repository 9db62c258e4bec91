import { beforeAll, describe, expect, it } from 'vitest';
import { bindings, type ClientKeys, createWorld, importToken as importWorldToken, plaidHeaders, post } from './helpers';

/**
 * The database cost of one partner call inside workerd: at most two statements
 * (one admission statement, one audit statement) and two round trips. The
 * Worker's DATABASE_URL is a counting proxy (test/support/pg-counter.ts, started
 * by global-setup.ts); its counts are read over HTTP, since workerd cannot
 * reach the Node process' memory.
 *
 * The Worker opens a new connection per request: its startup messages are not
 * statements, but anything the driver runs on a new connection is, and counts.
 */
const MAX_STATEMENTS = 2;
const MAX_ROUND_TRIPS = 2;


interface Count {
  statements: number;
  round_trips: number;
  texts: string[];
}

async function readCount(): Promise<Count> {
  const res = await fetch(`${bindings.TEST_STATEMENT_COUNTER_URL}/count`);
  const body = (await res.json()) as Count & { error?: string };
  if (body.error) throw new Error(body.error);
  return body;
}

/** Resolves once no statement has reached the database for `quietMs`. */
async function settle(quietMs = 50): Promise<void> {
  for (let seen = -1, now = await readCount(); seen !== now.statements + now.round_trips; now = await readCount()) {
    seen = now.statements + now.round_trips;
    await new Promise((r) => setTimeout(r, quietMs));
  }
}

/**
 * Runs `call` alone inside the counted window: nothing earlier still in flight
 * at the reset, and the window held open until the database is quiet, so work
 * deferred past the response is counted too. (Every file's Worker shares this
 * one proxy, hence `fileParallelism: false` in vitest.workers.config.ts.)
 */
async function counted<T>(call: () => Promise<T>): Promise<{ result: T; count: Count }> {
  await settle();
  await fetch(`${bindings.TEST_STATEMENT_COUNTER_URL}/reset`, { method: 'POST' });
  const result = await call();
  await settle();
  return { result, count: await readCount() };
}

function expectCheap(count: Count) {
  const listing = count.texts.map((sql, i) => `  ${i + 1}. ${sql.replace(/\s+/g, ' ').trim()}`).join('\n');
  const message = `${count.statements} statements, ${count.round_trips} round trips:\n${listing}`;
  console.info(`[statement-count] ${expect.getState().currentTestName}: ${message}`);
  expect(count.statements, message).toBeLessThanOrEqual(MAX_STATEMENTS);
  expect(count.round_trips, message).toBeLessThanOrEqual(MAX_ROUND_TRIPS);
}

let world: Awaited<ReturnType<typeof createWorld>>;
let partner: ClientKeys;
let fintech: ClientKeys;

const importToken = async () => (await importWorldToken(world)).gatewayToken;

beforeAll(async () => {
  world = await createWorld('Counted');
  ({ partner, fintech } = world);
});

describe('database statements of one warm partner call (workerd)', () => {
  it('an allowed /processor/auth/get', async () => {
    const token = await importToken();
    expect((await post('/processor/auth/get', { processor_token: token }, plaidHeaders(partner))).status).toBe(200);
    const { result, count } = await counted(() => post('/processor/auth/get', { processor_token: token }, plaidHeaders(partner)));
    expect(result.status, JSON.stringify(result.body)).toBe(200);
    expectCheap(count);
  });

  it('a call with a revoked token (INVALID_PROCESSOR_TOKEN)', async () => {
    const token = await importToken();
    const revoked = await post('/gateway/processor_token/revoke', { processor_token: token }, plaidHeaders(fintech));
    expect(revoked.status).toBe(200);
    expect((await post('/processor/auth/get', { processor_token: token }, plaidHeaders(partner))).body.error_code).toBe('INVALID_PROCESSOR_TOKEN');
    const { result, count } = await counted(() => post('/processor/auth/get', { processor_token: token }, plaidHeaders(partner)));
    expect(result.body.error_code).toBe('INVALID_PROCESSOR_TOKEN');
    expectCheap(count);
  });
});
