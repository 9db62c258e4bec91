/**
 * Webhooks end to end: the emulator's signed webhooks reach the gateway, are
 * verified, and are delivered to each party's destination, signed by the
 * gateway. Parties use the official plaid SDK against the gateway.
 */
import { decodeProtectedHeader, importJWK, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../src/lib/ids';
import { verifyGatewaySignature } from '../../src/webhooks/signature';
import { plaidSdk } from '../support/sdk';
import { auditRows } from '../support/audit';
import { type Client, clientCall, createFintech, createPartner, importToken, plaidHeaders, startWorld } from '../support/tenants';
import { call, type TestStack } from '../support/stack';
import { startWebhookReceiver, type ReceivedWebhook, type WebhookReceiver } from '../support/webhook-receiver';
import { emulatorControl } from '../support/http';

let stack: TestStack;
let partner: Client;
let fintech: Client;
let partnerHooks: WebhookReceiver;
let fintechHooks: WebhookReceiver;
let otherHooks: WebhookReceiver;

beforeAll(async () => {
  ({ stack, partner, fintech } = await startWorld({ http: true, env: { WEBHOOK_ALLOW_LOOPBACK: 'true' } }));
  [partnerHooks, fintechHooks, otherHooks] = await Promise.all([
    startWebhookReceiver(),
    startWebhookReceiver(),
    startWebhookReceiver(),
  ]);
});
afterAll(async () => {
  await stack?.close();
  await Promise.all([partnerHooks?.close(), fintechHooks?.close(), otherHooks?.close()]);
});

const code = (c: string) => (w: ReceivedWebhook) => w.json.webhook_code === c;

async function verifies(webhook: ReceivedWebhook, secrets: string[]) {
  return verifyGatewaySignature({ header: webhook.headers['gateway-signature'] as string, body: webhook.body, secrets });
}

/** A token with both parties' destinations set: the fintech at import, the partner through the SDK. */
async function tokenWithBothDestinations(products?: string[]) {
  const fintechUrl = `${fintechHooks.url}/plaid/${Math.random().toString(36).slice(2)}`;
  const imported = await importToken(stack, { partner, fintech, webhook: fintechUrl, ...(products ? { products } : {}) });
  const partnerUrl = `${partnerHooks.url}/hooks/${Math.random().toString(36).slice(2)}`;
  const set = await plaidSdk(stack.url, partner).processorTokenWebhookUpdate({
    processor_token: imported.gatewayToken,
    webhook: partnerUrl,
  });
  return {
    ...imported,
    fintechUrl,
    partnerUrl,
    fintechSecret: imported.body.webhook_secret as string,
    partnerSecret: (set.data as any).webhook_secret as string,
    tokenId: (set.data as any).processor_token_id as string,
  };
}

describe('registration and WEBHOOK_UPDATE_ACKNOWLEDGED', () => {
  it('each party sets its own URL and receives its own acknowledgement, signed with its own secret', async () => {
    const t = await tokenWithBothDestinations();
    expect(t.fintechSecret).toMatch(/^whsec_/);
    expect(t.partnerSecret).toMatch(/^whsec_/);
    expect(t.tokenId).toMatch(/^tok_/);

    const [fAck] = await fintechHooks.waitFor(1, (w) => code('WEBHOOK_UPDATE_ACKNOWLEDGED')(w) && w.path === new URL(t.fintechUrl).pathname);
    const [pAck] = await partnerHooks.waitFor(1, (w) => code('WEBHOOK_UPDATE_ACKNOWLEDGED')(w) && w.path === new URL(t.partnerUrl).pathname);
    // Each receiver is told its own URL, as Plaid tells the URL it acknowledges.
    expect(fAck!.json).toMatchObject({ webhook_type: 'ITEM', new_webhook_url: t.fintechUrl });
    expect(pAck!.json).toMatchObject({ webhook_type: 'ITEM', new_webhook_url: t.partnerUrl, item_id: t.tokenId });
    expect(fAck!.json.item_id).not.toBe(t.tokenId);
    expect(pAck!.headers['gateway-token-id']).toBe(t.tokenId);

    expect(await verifies(fAck!, [t.fintechSecret])).toMatchObject({ ok: true });
    expect(await verifies(pAck!, [t.partnerSecret])).toMatchObject({ ok: true });
    // One party's secret never verifies the other's webhook.
    expect(await verifies(fAck!, [t.partnerSecret])).toMatchObject({ ok: false, reason: 'mismatch' });
    expect(await verifies(pAck!, [t.fintechSecret])).toMatchObject({ ok: false, reason: 'mismatch' });
  });

  it('setting the same party again keeps its secret (none answered) and acknowledges the new URL only', async () => {
    const t = await tokenWithBothDestinations();
    await fintechHooks.waitFor(1, (w) => w.path === new URL(t.fintechUrl).pathname);
    await partnerHooks.waitFor(1, (w) => w.path === new URL(t.partnerUrl).pathname);
    const nextUrl = `${partnerHooks.url}/moved/${t.tokenId}`;
    const again = await plaidSdk(stack.url, partner).processorTokenWebhookUpdate({ processor_token: t.gatewayToken, webhook: nextUrl });
    expect((again.data as any).webhook_secret).toBeUndefined();
    const [ack] = await partnerHooks.waitFor(1, (w) => w.path === `/moved/${t.tokenId}`);
    expect(ack!.json.new_webhook_url).toBe(nextUrl);
    expect(await verifies(ack!, [t.partnerSecret])).toMatchObject({ ok: true });
    // The fintech, whose URL did not change, got no second acknowledgement.
    await new Promise((r) => setTimeout(r, 200));
    expect(fintechHooks.received.filter((w) => w.path === new URL(t.fintechUrl).pathname)).toHaveLength(1);
  });
});

describe("Plaid's verification procedure works against the gateway", () => {
  it('a delivered webhook verifies with the key from the gateway\'s /webhook_verification_key/get (official SDK)', async () => {
    const t = await tokenWithBothDestinations();
    const [ack] = await partnerHooks.waitFor(1, (w) => w.path === new URL(t.partnerUrl).pathname);
    const jwt = ack!.headers['plaid-verification'] as string;
    const header = decodeProtectedHeader(jwt);
    expect(header.alg).toBe('ES256');
    // Exactly the steps Plaid documents, with the SDK pointed at the gateway.
    const { data } = await plaidSdk(stack.url, partner).webhookVerificationKeyGet({ key_id: header.kid! });
    expect(data.key).toMatchObject({ alg: 'ES256', kty: 'EC', crv: 'P-256', kid: header.kid, expired_at: null });
    const { expired_at: _e, created_at: _c, ...jwk } = data.key as unknown as Record<string, unknown>;
    const { payload } = await jwtVerify(jwt, await importJWK(jwk, 'ES256'), { maxTokenAge: '5 min' });
    expect(payload.request_body_sha256).toBe(await sha256Hex(ack!.body));
    // The fintech's copy is signed with the same gateway key.
    const [fAck] = await fintechHooks.waitFor(1, (w) => w.path === new URL(t.fintechUrl).pathname);
    expect(decodeProtectedHeader(fAck!.headers['plaid-verification'] as string).kid).toBe(header.kid);

    const unknown = await clientCall(stack, partner, '/webhook_verification_key/get', { key_id: 'not-a-key' });
    expect(unknown).toMatchObject({ status: 400, body: { error_type: 'INVALID_INPUT', error_code: 'INVALID_WEBHOOK_VERIFICATION_KEY_ID' } });
  });
});

describe('Plaid webhooks reach the right receivers', () => {
  it('SYNC_UPDATES_AVAILABLE after new transactions reaches both parties of the token, and no other tenant', async () => {
    const t = await tokenWithBothDestinations();
    // Another fintech and partner with their own token and receiver.
    const otherPartner = await createPartner(stack, { name: 'Other' });
    const otherFintech = await createFintech(stack, 'Other fintech');
    const other = await importToken(stack, { partner: otherPartner, fintech: otherFintech, webhook: `${otherHooks.url}/other` });
    await otherHooks.waitFor(1, code('WEBHOOK_UPDATE_ACKNOWLEDGED'));

    // Plaid sends SYNC_UPDATES_AVAILABLE only once the Item has synced.
    const sync = await plaidSdk(stack.url, partner).processorTransactionsSync({ processor_token: t.gatewayToken });
    expect(sync.status).toBe(200);
    await emulatorControl(stack, '/sandbox/processor_token/transactions/add', { processor_token: t.rawToken, count: 2 });

    const [toPartner] = await partnerHooks.waitFor(1, (w) => code('SYNC_UPDATES_AVAILABLE')(w) && w.path === new URL(t.partnerUrl).pathname);
    const [toFintech] = await fintechHooks.waitFor(1, (w) => code('SYNC_UPDATES_AVAILABLE')(w) && w.path === new URL(t.fintechUrl).pathname);
    expect(toPartner!.json).toMatchObject({ webhook_type: 'TRANSACTIONS', item_id: t.tokenId });
    expect(await verifies(toPartner!, [t.partnerSecret])).toMatchObject({ ok: true });
    expect(await verifies(toFintech!, [t.fintechSecret])).toMatchObject({ ok: true });
    // The fintech receives Plaid's body byte for byte (Plaid's item_id).
    expect(toFintech!.json.item_id).not.toBe(t.tokenId);
    expect(toFintech!.body).toMatch(/^\{\n {2}"/);

    // The other tenant's receiver got its own acknowledgement and nothing else.
    await new Promise((r) => setTimeout(r, 200));
    expect(otherHooks.received.map((w) => w.json.webhook_code)).toEqual(['WEBHOOK_UPDATE_ACKNOWLEDGED']);
    expect(other.gatewayToken).not.toBe(t.gatewayToken);
  });

  it("a partner gets product webhooks only for products in the token's permission set; the fintech gets them all", async () => {
    const t = await tokenWithBothDestinations(['auth']);
    await emulatorControl(stack, '/sandbox/processor_token/fire_webhook', { processor_token: t.rawToken, webhook_code: 'DEFAULT_UPDATE' });
    await emulatorControl(stack, '/sandbox/processor_token/fire_webhook', { processor_token: t.rawToken, webhook_code: 'NEW_ACCOUNTS_AVAILABLE' });
    await fintechHooks.waitFor(1, (w) => code('DEFAULT_UPDATE')(w) && w.path === new URL(t.fintechUrl).pathname);
    await partnerHooks.waitFor(1, (w) => code('NEW_ACCOUNTS_AVAILABLE')(w) && w.path === new URL(t.partnerUrl).pathname);
    await new Promise((r) => setTimeout(r, 200));
    const partnerCodes = partnerHooks.received.filter((w) => w.path === new URL(t.partnerUrl).pathname).map((w) => w.json.webhook_code);
    expect(partnerCodes.sort()).toEqual(['NEW_ACCOUNTS_AVAILABLE', 'WEBHOOK_UPDATE_ACKNOWLEDGED']);
  });

  it('null removes only that party\'s destination', async () => {
    const t = await tokenWithBothDestinations();
    await plaidSdk(stack.url, partner).processorTokenWebhookUpdate({ processor_token: t.gatewayToken, webhook: null as unknown as string });
    await emulatorControl(stack, '/sandbox/processor_token/reset_login', { processor_token: t.rawToken });
    const [err] = await fintechHooks.waitFor(1, (w) => code('ERROR')(w) && w.path === new URL(t.fintechUrl).pathname);
    expect(err!.json.error).toMatchObject({ error_code: 'ITEM_LOGIN_REQUIRED' });
    await new Promise((r) => setTimeout(r, 200));
    expect(partnerHooks.received.filter((w) => w.path === new URL(t.partnerUrl).pathname && code('ERROR')(w))).toHaveLength(0);
  });
});

describe('delivery log, replay and secret rotation', () => {
  it('lists the party\'s own deliveries, replays one with a new id, and signs with both secrets after a rotation', async () => {
    const t = await tokenWithBothDestinations();
    await partnerHooks.waitFor(1, (w) => w.path === new URL(t.partnerUrl).pathname);

    const listed = () => clientCall(stack, partner, '/gateway/webhook/deliveries/list', { processor_token: t.gatewayToken });
    // Received, then settled: wait for the log to say so.
    await expect.poll(async () => (await listed()).body.deliveries[0]?.status).toBe('delivered');
    const list = await listed();
    expect(list.status).toBe(200);
    expect(list.body.deliveries).toHaveLength(1);
    const [delivery] = list.body.deliveries;
    expect(delivery).toMatchObject({
      processor_token_id: t.tokenId,
      webhook_type: 'ITEM',
      webhook_code: 'WEBHOOK_UPDATE_ACKNOWLEDGED',
      status: 'delivered',
      attempts: 1,
      last_status_code: 200,
    });
    // The fintech's log holds the fintech's delivery, not the partner's.
    const fintechList = await clientCall(stack, fintech, '/gateway/webhook/deliveries/list', { processor_token: t.gatewayToken });
    expect(fintechList.body.deliveries.map((d: any) => d.delivery_id)).not.toContain(delivery.delivery_id);
    // Nor may the fintech replay the partner's delivery.
    const stolen = await clientCall(stack, fintech, '/gateway/webhook/deliveries/replay', { delivery_id: delivery.delivery_id });
    expect(stolen).toMatchObject({ status: 400, body: { error_code: 'INVALID_FIELD' } });

    const rotated = await clientCall(stack, partner, '/gateway/webhook/secret/rotate', { processor_token: t.gatewayToken });
    expect(rotated.status).toBe(200);
    const newSecret = rotated.body.webhook_secret as string;
    expect(newSecret).not.toBe(t.partnerSecret);

    const replay = await clientCall(stack, partner, '/gateway/webhook/deliveries/replay', { delivery_id: delivery.delivery_id });
    expect(replay.status).toBe(200);
    const [replayed] = await partnerHooks.waitFor(1, (w) => w.headers['gateway-webhook-id'] === replay.body.delivery_id);
    const original = partnerHooks.received.find((w) => w.headers['gateway-webhook-id'] === delivery.delivery_id)!;
    expect(replayed!.body).toBe(original.body);
    // Both secrets verify during the overlap; each alone is enough.
    expect(String(replayed!.headers['gateway-signature']).match(/v1=/g)).toHaveLength(2);
    expect(await verifies(replayed!, [newSecret])).toMatchObject({ ok: true });
    expect(await verifies(replayed!, [t.partnerSecret])).toMatchObject({ ok: true });
  });
});

describe('audit', () => {
  it('records every inbound webhook and every delivery attempt, with ids and codes and no payload values or URLs', async () => {
    const t = await tokenWithBothDestinations();
    await partnerHooks.waitFor(1, (w) => w.path === new URL(t.partnerUrl).pathname);
    await fintechHooks.waitFor(1, (w) => w.path === new URL(t.fintechUrl).pathname);
    // An attempt is recorded right after the receiver answers: wait for both records.
    const tokenRows = async () => (await auditRows(stack)).filter((r) => r.token_id === t.tokenId);
    await expect.poll(async () => (await tokenRows()).filter((r) => r.action === 'webhook.delivery').length).toBe(2);
    const rows = await tokenRows();
    const inbound = rows.filter((r) => r.action === 'webhook.inbound');
    const deliveries = rows.filter((r) => r.action === 'webhook.delivery');
    expect(inbound.length).toBeGreaterThanOrEqual(1);
    expect(inbound[0]).toMatchObject({
      actor_type: 'plaid',
      decision: 'allow',
      details: { webhook_type: 'ITEM', webhook_code: 'WEBHOOK_UPDATE_ACKNOWLEDGED' },
    });
    expect(deliveries.map((d) => d.details.party).sort()).toEqual(['fintech', 'partner']);
    expect(deliveries.every((d) => d.decision === 'allow' && d.http_status === 200 && d.actor_type === 'gateway')).toBe(true);
    const text = JSON.stringify(rows);
    for (const secret of [t.partnerSecret, t.fintechSecret, t.partnerUrl, t.fintechUrl, t.rawToken, t.gatewayToken, '127.0.0.1:']) {
      expect(text).not.toContain(secret);
    }
  });

  it('an unauthenticated caller cannot set a webhook', async () => {
    const t = await importToken(stack, { partner, fintech });
    const res = await call(stack.app, 'POST', '/processor/token/webhook/update', {
      body: { processor_token: t.gatewayToken, webhook: `${partnerHooks.url}/x` },
      headers: plaidHeaders({ clientId: partner.clientId, secret: 'wrong-secret-000000000000000000' }),
    });
    expect(res).toMatchObject({ status: 400, body: { error_code: 'INVALID_API_KEYS' } });
  });
});
