import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmulatorApp, DEMO_CLIENT } from '../../src/emulator/app';
import { expectValidPlaid } from '../support/plaid-spec';
import { startWebhookReceiver, type ReceivedWebhook, type WebhookReceiver } from '../support/webhook-receiver';
import { expectSdkError } from '../support/sdk';
import { startEmulatorHarness, verifyWebhook, type Harness } from './harness';

let h: Harness;
let receiver: WebhookReceiver;
let receiverUrl: string;
let received: ReceivedWebhook[];

beforeAll(async () => {
  h = await startEmulatorHarness();
  receiver = await startWebhookReceiver();
  receiver.answerAt('/fail', 500);
  receiverUrl = receiver.url;
  received = receiver.received;
});
afterAll(async () => {
  await h.close();
  await receiver.close();
});

const waitFor = (path: string, code: string) => receiver.waitForCode(path, code);
const verify = (hook: ReceivedWebhook) => verifyWebhook(h, hook);

describe('webhooks', () => {
  it('/processor/token/webhook/update fires a signed WEBHOOK_UPDATE_ACKNOWLEDGED to the new URL', async () => {
    const token = await h.newToken();
    const { data } = await h.plaid.processorTokenWebhookUpdate({ processor_token: token, webhook: `${receiverUrl}/ack` });
    expectValidPlaid('ProcessorTokenWebhookUpdateResponse', data);
    const hook = await waitFor('/ack', 'WEBHOOK_UPDATE_ACKNOWLEDGED');
    expectValidPlaid('WebhookUpdateAcknowledgedWebhook', hook.json);
    expect(hook.json).toMatchObject({ webhook_type: 'ITEM', new_webhook_url: `${receiverUrl}/ack`, error: null, environment: 'sandbox' });
    await verify(hook);
  });

  it('new transactions fire SYNC_UPDATES_AVAILABLE to the token webhook once the token has synced', async () => {
    const token = await h.newToken();
    await h.plaid.processorTokenWebhookUpdate({ processor_token: token, webhook: `${receiverUrl}/sync` });
    await waitFor('/sync', 'WEBHOOK_UPDATE_ACKNOWLEDGED');
    await h.plaid.processorTransactionsSync({ processor_token: token, count: 500 });
    const add = await h.post('/sandbox/processor_token/transactions/add', { processor_token: token, count: 3 });
    expect(add.status).toBe(200);
    expect(add.body.added).toHaveLength(3);
    const hook = await waitFor('/sync', 'SYNC_UPDATES_AVAILABLE');
    expectValidPlaid('SyncUpdatesAvailableWebhook', hook.json);
    expect(hook.json).toMatchObject({ webhook_type: 'TRANSACTIONS', historical_update_complete: true });
    await verify(hook);
    const ack = received.find((r) => r.path === '/sync' && r.json.webhook_code === 'WEBHOOK_UPDATE_ACKNOWLEDGED')!;
    expect(hook.json.item_id).toBe(ack.json.item_id);
  });

  it('reset_login fires an ITEM ERROR webhook and repair a LOGIN_REPAIRED one', async () => {
    const token = await h.newToken();
    await h.plaid.processorTokenWebhookUpdate({ processor_token: token, webhook: `${receiverUrl}/item` });
    await h.post('/sandbox/processor_token/reset_login', { processor_token: token });
    const error = await waitFor('/item', 'ERROR');
    expectValidPlaid('ItemErrorWebhook', error.json);
    expect(error.json.error).toMatchObject({ error_type: 'ITEM_ERROR', error_code: 'ITEM_LOGIN_REQUIRED', status: 400 });
    // Errors inside webhooks carry no request_id.
    expect(error.json.error).not.toHaveProperty('request_id');
    await verify(error);
    await h.post('/sandbox/processor_token/repair', { processor_token: token });
    const repaired = await waitFor('/item', 'LOGIN_REPAIRED');
    expectValidPlaid('ItemLoginRepairedWebhook', repaired.json);
    expect(repaired.json.item_id).toBe(error.json.item_id);
    await verify(repaired);
  });

  it('null removes the webhook: later changes send nothing', async () => {
    const token = await h.newToken();
    await h.plaid.processorTokenWebhookUpdate({ processor_token: token, webhook: `${receiverUrl}/removed` });
    await waitFor('/removed', 'WEBHOOK_UPDATE_ACKNOWLEDGED');
    const { data } = await h.plaid.processorTokenWebhookUpdate({ processor_token: token, webhook: null as unknown as string });
    expectValidPlaid('ProcessorTokenWebhookUpdateResponse', data);
    await h.post('/sandbox/processor_token/transactions/add', { processor_token: token });
    await h.app.emulator.flushWebhooks();
    expect(received.filter((r) => r.path === '/removed')).toHaveLength(1);
  });

  it('a failing or unreachable receiver never fails the call that fired the webhook', async () => {
    const token = await h.newToken();
    const failing = await h.plaid.processorTokenWebhookUpdate({ processor_token: token, webhook: `${receiverUrl}/fail` });
    expect(failing.status).toBe(200);
    await waitFor('/fail', 'WEBHOOK_UPDATE_ACKNOWLEDGED');
    await h.app.emulator.flushWebhooks();
    expect(h.app.emulator.webhooks.deliveries.find((d) => d.url === `${receiverUrl}/fail`)?.status).toBe(500);
    const unreachable = await h.plaid.processorTokenWebhookUpdate({ processor_token: token, webhook: 'http://127.0.0.1:9/nowhere' });
    expect(unreachable.status).toBe(200);
    await h.app.emulator.flushWebhooks();
    const last = h.app.emulator.webhooks.deliveries.at(-1)!;
    expect(last.url).toBe('http://127.0.0.1:9/nowhere');
    expect(last.status).toBeNull();
    expect(last.error).toEqual(expect.any(String));
  });

  it('refuses a non-URL webhook (INVALID_FIELD) and a missing one (MISSING_FIELDS)', async () => {
    const token = await h.newToken();
    await expectSdkError(h.plaid.processorTokenWebhookUpdate({ processor_token: token, webhook: 'not a url' }), {
      status: 400,
      error_code: 'INVALID_FIELD',
    });
    const missing = await h.post('/processor/token/webhook/update', { processor_token: token });
    expect(missing.status).toBe(400);
    expect(missing.body.error_code).toBe('MISSING_FIELDS');
  });

  it('/webhook_verification_key/get refuses an unknown key_id', async () => {
    await expectSdkError(h.plaid.webhookVerificationKeyGet({ key_id: 'no-such-key' }), {
      status: 400,
      error_type: 'INVALID_INPUT',
      error_code: 'INVALID_WEBHOOK_VERIFICATION_KEY_ID',
    });
  });

  it('retries a delivery the receiver did not answer 200, twice, with the same body signed again, then gives up', async () => {
    const r = await startWebhookReceiver();
    const fast = await startEmulatorHarness({ webhookRetryDelayMs: 50 });
    try {
      r.answerAt('/down', 500);
      r.answerAt('/no-content', 204);
      const down = await fast.newToken();
      await fast.plaid.processorTokenWebhookUpdate({ processor_token: down, webhook: `${r.url}/down` });
      const [first, second, third] = await r.waitFor(3, (w) => w.path === '/down');
      expect([first, second, third].map((w) => w!.body)).toEqual([first!.body, first!.body, first!.body]);
      for (const hook of [first!, second!, third!]) await verifyWebhook(fast, hook);
      // A retry is signed again: its own JWT.
      expect(new Set([first, second, third].map((w) => w!.headers['plaid-verification'])).size).toBe(3);

      // "Non-200" includes other 2xx answers.
      const noContent = await fast.newToken();
      await fast.plaid.processorTokenWebhookUpdate({ processor_token: noContent, webhook: `${r.url}/no-content` });
      await r.waitFor(3, (w) => w.path === '/no-content');

      // A receiver answering 200 gets the webhook once.
      const ok = await fast.newToken();
      await fast.plaid.processorTokenWebhookUpdate({ processor_token: ok, webhook: `${r.url}/ok` });
      await r.waitForCode('/ok', 'WEBHOOK_UPDATE_ACKNOWLEDGED');

      // After the third attempt nothing more is scheduled or sent.
      await new Promise((resolve) => setTimeout(resolve, 300));
      await fast.app.emulator.flushWebhooks();
      expect(fast.app.emulator.webhooks.pendingRetries).toBe(0);
      expect(r.at('/down')).toHaveLength(3);
      expect(r.at('/no-content')).toHaveLength(3);
      expect(r.at('/ok')).toHaveLength(1);
      expect(fast.app.emulator.webhooks.deliveries.filter((d) => d.url === `${r.url}/down`).map((d) => [d.attempt, d.status])).toEqual([
        [1, 500],
        [2, 500],
        [3, 500],
      ]);
    } finally {
      await fast.close();
      await r.close();
    }
  });

  it('a retry waits the configured delay (Plaid: a few minutes), and closing the emulator cancels it', async () => {
    const r = await startWebhookReceiver();
    const slow = await startEmulatorHarness();
    r.answerAt('/later', 503);
    const token = await slow.newToken();
    await slow.plaid.processorTokenWebhookUpdate({ processor_token: token, webhook: `${r.url}/later` });
    await r.waitFor(1, (w) => w.path === '/later');
    await slow.app.emulator.flushWebhooks();
    expect(slow.app.emulator.webhooks.pendingRetries).toBe(1);
    await slow.close();
    expect(slow.app.emulator.webhooks.pendingRetries).toBe(0);
    expect(r.at('/later')).toHaveLength(1);
    await r.close();
  });

  it('delivers with the injected fetch and a 10 s timeout signal', async () => {
    const calls: Array<{ url: string; init: RequestInit }> = [];
    const app = createEmulatorApp({
      clients: [DEMO_CLIENT],
      rateLimits: false,
      fetch: async (url, init) => {
        calls.push({ url: String(url), init: init! });
        return new Response(null, { status: 200 });
      },
    });
    const headers = { 'content-type': 'application/json', 'plaid-client-id': DEMO_CLIENT.clientId, 'plaid-secret': DEMO_CLIENT.secret };
    const created = await app.request('/sandbox/processor_token/create', { method: 'POST', headers, body: '{"institution_id":"ins_109508"}' });
    const { processor_token } = (await created.json()) as { processor_token: string };
    const updated = await app.request('/processor/token/webhook/update', {
      method: 'POST',
      headers,
      body: JSON.stringify({ processor_token, webhook: 'https://example.com/hook' }),
    });
    expect(updated.status).toBe(200);
    await app.emulator.flushWebhooks();
    expect(calls).toHaveLength(1);
    expect(calls[0]!.url).toBe('https://example.com/hook');
    expect(calls[0]!.init.signal).toBeInstanceOf(AbortSignal);
    expect(new Headers(calls[0]!.init.headers).get('plaid-verification')).toMatch(/^ey/);
  });
});
