import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { decodeProtectedHeader, importJWK, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmulatorApp, DEMO_CLIENT } from '../../src/emulator/app';
import { expectValidPlaid } from '../support/plaid-spec';
import { expectSdkError, startEmulator, type Harness } from './harness';

interface Received {
  path: string;
  headers: Record<string, string | string[] | undefined>;
  raw: string;
  body: Record<string, any>;
}

let h: Harness;
let receiver: Server;
let receiverUrl: string;
const received: Received[] = [];
const waiters: Array<() => void> = [];

beforeAll(async () => {
  h = await startEmulator();
  receiver = createServer((req, res) => {
    let raw = '';
    req.setEncoding('utf8');
    req.on('data', (chunk) => (raw += chunk));
    req.on('end', () => {
      received.push({ path: req.url ?? '', headers: req.headers, raw, body: JSON.parse(raw) });
      res.writeHead(req.url?.includes('fail') ? 500 : 200).end();
      waiters.splice(0).forEach((w) => w());
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await h.close();
  await new Promise((resolve) => receiver.close(resolve));
});

/** Waits until a webhook for `path` with `code` has arrived. */
async function waitFor(path: string, code: string): Promise<Received> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const hit = received.find((r) => r.path === path && r.body.webhook_code === code);
    if (hit) return hit;
    if (Date.now() > deadline) throw new Error(`no ${code} webhook at ${path}`);
    await new Promise<void>((resolve) => {
      waiters.push(resolve);
      setTimeout(resolve, 100);
    });
  }
}

/** Verifies a webhook as Plaid tells receivers to: ES256 JWT, key from /webhook_verification_key/get, iat, body hash. */
async function verify(hook: Received): Promise<void> {
  const jwt = hook.headers['plaid-verification'];
  expect(typeof jwt).toBe('string');
  const header = decodeProtectedHeader(jwt as string);
  expect(header.alg).toBe('ES256');
  expect(header.kid).toEqual(expect.any(String));
  const { data } = await h.plaid.webhookVerificationKeyGet({ key_id: header.kid! });
  expectValidPlaid('WebhookVerificationKeyGetResponse', data);
  expect(data.key).toMatchObject({ alg: 'ES256', crv: 'P-256', kty: 'EC', use: 'sig', kid: header.kid, expired_at: null });
  const key = await importJWK(data.key as any, 'ES256');
  const { payload } = await jwtVerify(jwt as string, key, { algorithms: ['ES256'], currentDate: h.now() });
  expect(Math.abs((payload.iat as number) - h.now().getTime() / 1000)).toBeLessThanOrEqual(5 * 60);
  expect(payload.request_body_sha256).toBe(createHash('sha256').update(hook.raw).digest('hex'));
  // Plaid's bodies use 2-space indentation (the hash is over these exact bytes).
  expect(hook.raw).toBe(JSON.stringify(hook.body, null, 2));
}

describe('webhooks', () => {
  it('/processor/token/webhook/update fires a signed WEBHOOK_UPDATE_ACKNOWLEDGED to the new URL', async () => {
    const token = await h.newToken();
    const { data } = await h.plaid.processorTokenWebhookUpdate({ processor_token: token, webhook: `${receiverUrl}/ack` });
    expectValidPlaid('ProcessorTokenWebhookUpdateResponse', data);
    const hook = await waitFor('/ack', 'WEBHOOK_UPDATE_ACKNOWLEDGED');
    expectValidPlaid('WebhookUpdateAcknowledgedWebhook', hook.body);
    expect(hook.body).toMatchObject({ webhook_type: 'ITEM', new_webhook_url: `${receiverUrl}/ack`, error: null, environment: 'sandbox' });
    await verify(hook);
  });

  it('new transactions fire SYNC_UPDATES_AVAILABLE to the token webhook', async () => {
    const token = await h.newToken();
    await h.plaid.processorTokenWebhookUpdate({ processor_token: token, webhook: `${receiverUrl}/sync` });
    await waitFor('/sync', 'WEBHOOK_UPDATE_ACKNOWLEDGED');
    const add = await h.post('/sandbox/processor_token/transactions/add', { processor_token: token, count: 3 });
    expect(add.status).toBe(200);
    expect(add.body.added).toHaveLength(3);
    const hook = await waitFor('/sync', 'SYNC_UPDATES_AVAILABLE');
    expectValidPlaid('SyncUpdatesAvailableWebhook', hook.body);
    expect(hook.body).toMatchObject({ webhook_type: 'TRANSACTIONS', historical_update_complete: true });
    await verify(hook);
    const ack = received.find((r) => r.path === '/sync' && r.body.webhook_code === 'WEBHOOK_UPDATE_ACKNOWLEDGED')!;
    expect(hook.body.item_id).toBe(ack.body.item_id);
  });

  it('reset_login fires an ITEM ERROR webhook and repair a LOGIN_REPAIRED one', async () => {
    const token = await h.newToken();
    await h.plaid.processorTokenWebhookUpdate({ processor_token: token, webhook: `${receiverUrl}/item` });
    await h.post('/sandbox/processor_token/reset_login', { processor_token: token });
    const error = await waitFor('/item', 'ERROR');
    expectValidPlaid('ItemErrorWebhook', error.body);
    expect(error.body.error.error_code).toBe('ITEM_LOGIN_REQUIRED');
    await verify(error);
    await h.post('/sandbox/processor_token/repair', { processor_token: token });
    const repaired = await waitFor('/item', 'LOGIN_REPAIRED');
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

  it('delivers with the injected fetch and a 10 s timeout signal', async () => {
    const calls: Array<{ url: string; init: RequestInit }> = [];
    const app = createEmulatorApp({
      clients: [DEMO_CLIENT],
      rateLimits: false,
      fetch: async (url, init) => {
        calls.push({ url: String(url), init: init! });
        return new Response(null, { status: 204 });
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
