import { createExecutionContext, createScheduledController, env, SELF, waitOnExecutionContext } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import worker from '../../src/worker';
import { verifyGatewaySignature } from '../../src/webhooks/signature';
import { adminHeaders, bindings, createWorld, importToken, plaidHeaders, post } from './helpers';

/**
 * Webhooks on Workers: a webhook Plaid (the emulator) signed is verified by the
 * Worker (key fetched from /webhook_verification_key/get with the partner's
 * keys), queued in Postgres, attempted right after the response (waitUntil),
 * and, after the receiver's first 503, delivered by the Cron Trigger.
 *
 * The Worker is not reachable over a real socket here, so the emulator sends
 * to a recording relay (GATEWAY_PUBLIC_URL) and the test hands the captured
 * request to the Worker unchanged.
 */
const admin = adminHeaders();

async function recorded(path: string, count: number): Promise<Array<{ headers: Record<string, string>; body: string }>> {
  for (let i = 0; i < 200; i++) {
    const list = (await (await fetch(`${bindings.TEST_RELAY_URL}/__recorded?path=${encodeURIComponent(path)}`)).json()) as Array<{
      headers: Record<string, string>;
      body: string;
    }>;
    if (list.length >= count) return list;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`nothing recorded at ${path}`);
}

describe('webhooks in workerd', () => {
  it('verifies, queues, retries from the Cron Trigger and delivers signed to the partner', async () => {
    const world = await createWorld('Hooks');
    const { partner } = world;
    const { gatewayToken } = await importToken(world);

    const destination = `/flaky/${crypto.randomUUID()}`;
    const set = await post(
      '/processor/token/webhook/update',
      { processor_token: gatewayToken, webhook: `${bindings.TEST_RELAY_URL}${destination}` },
      plaidHeaders(partner),
    );
    expect(set.status).toBe(200);
    const tokenId: string = set.body.processor_token_id;
    const secret: string = set.body.webhook_secret;

    // Plaid's acknowledgement, sent to the gateway's registered URL: hand it to the Worker as received.
    const [ack] = await recorded(`/gw/webhooks/plaid/${tokenId}`, 1);
    const inbound = await SELF.fetch(`http://gateway.test/webhooks/plaid/${tokenId}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'plaid-verification': ack!.headers['plaid-verification']! },
      body: ack!.body,
    });
    expect(inbound.status).toBe(200);
    // A tampered copy is refused.
    const tampered = await SELF.fetch(`http://gateway.test/webhooks/plaid/${tokenId}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'plaid-verification': ack!.headers['plaid-verification']! },
      body: ack!.body.replace('ITEM', 'ITEX'),
    });
    expect(tampered.status).toBe(401);

    // First attempt (after the response): the relay answers 503.
    await recorded(destination, 1);
    // The Cron Trigger delivers the retry.
    for (let i = 0; i < 50; i++) {
      const ctx = createExecutionContext();
      await worker.scheduled(createScheduledController({ scheduledTime: Date.now(), cron: '* * * * *' }), env as never, ctx);
      await waitOnExecutionContext(ctx);
      const list = await post('/gateway/webhook/deliveries/list', { processor_token: gatewayToken }, plaidHeaders(partner));
      if (list.body.deliveries[0]?.status === 'delivered') break;
      await new Promise((r) => setTimeout(r, 20));
    }
    const attempts = await recorded(destination, 2);
    expect(attempts[1]!.headers['gateway-webhook-attempt']).toBe('2');
    expect(attempts[1]!.headers['gateway-webhook-id']).toBe(attempts[0]!.headers['gateway-webhook-id']);
    const body = JSON.parse(attempts[1]!.body);
    expect(body).toMatchObject({ webhook_code: 'WEBHOOK_UPDATE_ACKNOWLEDGED', item_id: tokenId, new_webhook_url: `${bindings.TEST_RELAY_URL}${destination}` });
    expect(await verifyGatewaySignature({ header: attempts[1]!.headers['gateway-signature'], body: attempts[1]!.body, secrets: [secret] })).toMatchObject({
      ok: true,
    });

    const events = (await (await SELF.fetch(`http://gateway.test/audit/events?partner_id=${partner.partner_id}`, { headers: admin })).json()) as {
      events: Array<Record<string, any>>;
    };
    const actions = events.events.filter((e) => e.token_id === tokenId).map((e) => `${e.action}:${e.decision}`);
    expect(actions).toContain('webhook.inbound:allow');
    expect(actions).toContain('webhook.inbound:deny');
    expect(actions.filter((a) => a.startsWith('webhook.delivery'))).toEqual(expect.arrayContaining(['webhook.delivery:error', 'webhook.delivery:allow']));
  });
});
