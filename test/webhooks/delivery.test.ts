/**
 * The delivery queue: retries until the receiver is back, a restart (or a
 * crash mid-delivery) loses nothing, and two instances never send the same
 * attempt twice.
 */
import { createServer } from 'node:http';
import { sql } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import { queryRows, type Database } from '../../src/db/database';
import { drainDeliveries, fetchTransport } from '../../src/webhooks/delivery';
import { GatewaySigningKeys } from '../../src/webhooks/gateway-keys';
import { claimDueDeliveries, enqueueDeliveries, retryDelayMs } from '../../src/webhooks/queue';
import { openTestDatabase, type TestDatabase } from '../support/db';
import { startTestStack, startTwoInstances, type TestStack } from '../support/stack';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver';
import { auditRows } from '../support/audit';
import { type Client, clientCall, createFintech, createPartner, importToken } from '../support/tenants';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!().catch(() => {});
});

const FAST_RETRIES = { WEBHOOK_ALLOW_LOOPBACK: 'true', WEBHOOK_RETRY_BASE_MS: '100' };

async function receiver(): Promise<WebhookReceiver> {
  const r = await startWebhookReceiver();
  cleanups.push(() => r.close());
  return r;
}

/** A partner with a destination on a fresh token; answers what the tests need. */
async function partnerDestination(stack: TestStack, url: string) {
  const partner: Client = await createPartner(stack);
  const fintech: Client = await createFintech(stack);
  const t = await importToken(stack, { partner, fintech });
  const set = await clientCall(stack, partner, '/processor/token/webhook/update', { processor_token: t.gatewayToken, webhook: url });
  expect(set.status).toBe(200);
  return { ...t, partner, fintech, tokenId: set.body.processor_token_id as string };
}

async function deliveryRows(db: Database) {
  return queryRows<{ id: string; status: string; attempts: number }>(db, sql`select id, status, attempts from webhook_deliveries order by id`);
}

describe('retries', () => {
  it('redelivers after the receiver was down, with the same delivery id and one audit record per attempt', async () => {
    // A port with nothing listening on it, then a receiver on that same port.
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as { port: number }).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));

    const stack = await startTestStack({ http: true, env: FAST_RETRIES });
    cleanups.push(() => stack.close());
    const t = await partnerDestination(stack, `http://127.0.0.1:${port}/back-soon`);
    // Let at least two attempts fail against the closed port.
    await expect.poll(async () => (await deliveryRows(stack.deps.db))[0]?.attempts ?? 0, { timeout: 10_000 }).toBeGreaterThanOrEqual(2);

    const received: Array<{ id: string; attempt: string }> = [];
    const server = createServer((req, res) => {
      received.push({ id: String(req.headers['gateway-webhook-id']), attempt: String(req.headers['gateway-webhook-attempt']) });
      req.resume();
      res.end('ok');
    });
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    cleanups.push(() => new Promise((resolve) => server.close(resolve)));

    await expect.poll(() => received.length, { timeout: 15_000 }).toBe(1);
    // Recorded and settled right after the receiver answered.
    await expect.poll(async () => (await deliveryRows(stack.deps.db))[0]?.status).toBe('delivered');
    const [row] = await deliveryRows(stack.deps.db);
    expect(row).toMatchObject({ id: received[0]!.id, status: 'delivered' });
    expect(Number(received[0]!.attempt)).toBe(row!.attempts);
    expect(row!.attempts).toBeGreaterThanOrEqual(2);

    const attempts = (await auditRows(stack)).filter((r) => r.action === 'webhook.delivery' && r.token_id === t.tokenId);
    expect(attempts).toHaveLength(row!.attempts);
    expect(attempts.slice(0, -1).every((a) => a.decision === 'error' && a.reason === 'receiver_unreachable')).toBe(true);
    expect(attempts.at(-1)).toMatchObject({ decision: 'allow', http_status: 200 });
  });

  it('gives up after WEBHOOK_MAX_ATTEMPTS (failed, in the log), and a replay delivers it once the receiver is back', async () => {
    const hooks = await receiver();
    hooks.answer(500);
    const stack = await startTestStack({ http: true, env: { ...FAST_RETRIES, WEBHOOK_MAX_ATTEMPTS: '2' } });
    cleanups.push(() => stack.close());
    const t = await partnerDestination(stack, `${hooks.url}/flaky`);
    await hooks.waitFor(2);
    const list = async () =>
      (await clientCall(stack, t.partner, '/gateway/webhook/deliveries/list', { processor_token: t.gatewayToken })).body.deliveries;
    await expect.poll(async () => (await list())[0]?.status, { timeout: 5_000 }).toBe('failed');
    expect((await list())[0]).toMatchObject({ attempts: 2, last_status_code: 500, last_error: 'receiver_status_500' });
    await new Promise((r) => setTimeout(r, 300));
    expect(hooks.received).toHaveLength(2);

    hooks.answer(200);
    const failedId = (await list())[0].delivery_id;
    const replay = await clientCall(stack, t.partner, '/gateway/webhook/deliveries/replay', { delivery_id: failedId });
    expect(replay.status).toBe(200);
    await hooks.waitFor(1, (w) => w.headers['gateway-webhook-id'] === replay.body.delivery_id);
    await expect.poll(async () => (await list()).find((d: any) => d.delivery_id === replay.body.delivery_id)?.status).toBe('delivered');
    expect((await list()).find((d: any) => d.delivery_id === replay.body.delivery_id).replay_of).toBe(failedId);
  });

  it('backs off exponentially with jitter, capped at an hour', () => {
    expect(retryDelayMs(1, 1000, () => 0)).toBe(500);
    expect(retryDelayMs(1, 1000, () => 1)).toBe(1000);
    expect(retryDelayMs(4, 1000, () => 1)).toBe(8000);
    expect(retryDelayMs(30, 1000, () => 1)).toBe(3_600_000);
  });
});

describe('durability', () => {
  it('a restart in the middle of the queue loses nothing: the next process delivers what the last one left', async () => {
    const db: TestDatabase = await openTestDatabase();
    cleanups.push(() => db.close());
    const hooks = await receiver();
    hooks.answer(503);
    // The same keys in both processes, as one deployment restarted.
    const keys = {
      GATEWAY_ADMIN_KEY: `test_admin_${'k'.repeat(32)}`,
      GATEWAY_ENCRYPTION_KEY: `t1:${Buffer.alloc(32, 7).toString('base64')}`,
    };
    const first = await startTestStack({ db, http: true, env: { ...FAST_RETRIES, ...keys, WEBHOOK_RETRY_BASE_MS: '300' } });
    const t = await partnerDestination(first, `${hooks.url}/restart`);
    await hooks.waitFor(1);
    await first.close();
    const left = await deliveryRows(db.db);
    expect(left).toHaveLength(1);
    expect(left[0]!.status).toBe('pending');

    hooks.answer(200);
    const second = await startTestStack({ db, env: { ...FAST_RETRIES, ...keys, WEBHOOK_DELIVERY_POLL_MS: '50' } });
    cleanups.push(() => second.close());
    await hooks.waitFor(1, (w) => w.headers['gateway-webhook-id'] === left[0]!.id && w.headers['gateway-webhook-attempt'] !== '1');
    await expect.poll(async () => (await deliveryRows(db.db))[0]!.status).toBe('delivered');
    expect(t.tokenId).toMatch(/^tok_/);
  });

  it('a process that dies holding a claim: the lease runs out and another delivers it', async () => {
    const hooks = await receiver();
    // No delivery loop in this process: the test is every drainer there is.
    const stack = await startTestStack({
      http: true,
      env: FAST_RETRIES,
      deps: { webhooks: { keys: undefined as never, signer: new GatewaySigningKeys(), notify: () => {}, close: async () => {} } },
    });
    cleanups.push(() => stack.close());
    const t = await partnerDestination(stack, `${hooks.url}/lease`);
    const [destination] = await queryRows<{ id: string }>(stack.deps.db, sql`select id from webhook_destinations where token_id = ${t.tokenId}`);
    const [id] = await enqueueDeliveries(stack.deps.db, [
      { destinationId: destination!.id, tokenId: t.tokenId, party: 'partner', partyId: t.partner.id, webhookType: 'ITEM', webhookCode: 'NEW_ACCOUNTS_AVAILABLE', body: '{}' },
    ]);
    // The "dead" claimer: claims with a short lease and never sends or settles.
    const claimed = await claimDueDeliveries(stack.deps.db, 10, 300);
    expect(claimed.map((c) => c.id)).toContain(id);
    // While the lease holds, no one else may take it.
    expect(await drainDeliveries(stack.deps, fetchTransport())).toMatchObject({ attempted: 0 });
    // Once it has run out, the next drain delivers it (as attempt 2).
    await new Promise((r) => setTimeout(r, 350));
    expect((await drainDeliveries(stack.deps, fetchTransport())).delivered).toBeGreaterThanOrEqual(1);
    const [got] = await hooks.waitFor(1, (w) => w.headers['gateway-webhook-id'] === id);
    expect(got!.headers['gateway-webhook-attempt']).toBe('2');
  });

  it('two instances draining one queue never send the same attempt twice', async () => {
    const hooks = await receiver();
    const pair = await startTwoInstances({ http: true, env: { WEBHOOK_ALLOW_LOOPBACK: 'true' } });
    cleanups.push(() => pair.close());
    const t = await partnerDestination(pair.a, `${hooks.url}/pair`);
    await hooks.waitFor(1);
    const [destination] = await queryRows<{ id: string }>(pair.a.deps.db, sql`select id from webhook_destinations where token_id = ${t.tokenId}`);
    const ids = await enqueueDeliveries(
      pair.a.deps.db,
      Array.from({ length: 60 }, (_, i) => ({
        destinationId: destination!.id,
        tokenId: t.tokenId,
        party: 'partner' as const,
        partyId: t.partner.id,
        webhookType: 'TRANSACTIONS',
        webhookCode: 'SYNC_UPDATES_AVAILABLE',
        body: JSON.stringify({ n: i }),
      })),
    );
    const drainer = async (stack: TestStack) => {
      for (;;) {
        const { attempted } = await drainDeliveries(stack.deps, fetchTransport(), 7);
        if (attempted === 0) return;
      }
    };
    await Promise.all([drainer(pair.a), drainer(pair.b), drainer(pair.a), drainer(pair.b)]);
    const got = hooks.received.filter((w) => ids.includes(String(w.headers['gateway-webhook-id'])));
    expect(got).toHaveLength(60);
    expect(new Set(got.map((w) => w.headers['gateway-webhook-id'])).size).toBe(60);
    expect(got.filter((w) => w.headers['gateway-webhook-attempt'] !== '1').map((w) => w.headers)).toEqual([]);
    // The instances' own loops may hold the last few (sent, being settled).
    const unsettled = async () =>
      (await deliveryRows(pair.a.deps.db)).filter((r) => ids.includes(r.id) && (r.status !== 'delivered' || r.attempts !== 1));
    await expect.poll(unsettled, { timeout: 5_000 }).toEqual([]);
  });
});
