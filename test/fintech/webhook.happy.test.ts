import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { processorTokens } from '../../src/db/schema';
import { hashGatewayToken } from '../../src/tenancy/tokens';
import { type TestStack } from '../support/stack';
import { auditRows, type Client, importApi, startFintechWorld } from '../tenancy/fixtures';
import { fintechSdk, sdkError } from './sdk';

let stack: TestStack;
let partner: Client;
let fintech: Client;
beforeAll(async () => {
  ({ stack, partner, fintech } = await startFintechWorld({ http: true }));
});
afterAll(async () => stack?.close());

async function storedWebhook(gatewayToken: string) {
  const [row] = await stack.deps.db
    .select({ webhook: processorTokens.webhook })
    .from(processorTokens)
    .where(eq(processorTokens.tokenHash, await hashGatewayToken(gatewayToken)));
  return row!.webhook;
}

describe('/processor/token/webhook/update (official plaid SDK)', () => {
  it('sets, replaces and (with null) removes the webhook', async () => {
    const plaid = fintechSdk(stack, fintech);
    const { gatewayToken } = await importApi(stack, fintech, partner.id);
    const set = await plaid.processorTokenWebhookUpdate({
      processor_token: gatewayToken,
      webhook: 'https://fintech.example.com/hooks/1',
    });
    expect(set.status).toBe(200);
    expect(set.data.request_id).toMatch(/^[A-Za-z0-9]{15}$/);
    expect(await storedWebhook(gatewayToken)).toBe('https://fintech.example.com/hooks/1');

    await plaid.processorTokenWebhookUpdate({ processor_token: gatewayToken, webhook: 'https://fintech.example.com/hooks/2' });
    expect(await storedWebhook(gatewayToken)).toBe('https://fintech.example.com/hooks/2');

    await plaid.processorTokenWebhookUpdate({ processor_token: gatewayToken, webhook: null as unknown as string });
    expect(await storedWebhook(gatewayToken)).toBeNull();

    const records = (await auditRows(stack)).filter((r) => r.action === 'token.webhook_update');
    expect(records.map((r) => r.details.webhook)).toEqual(['set', 'set', 'removed']);
    expect(JSON.stringify(records)).not.toContain('fintech.example.com');
  });

  it('rejects a missing webhook field and a non-URL', async () => {
    const plaid = fintechSdk(stack, fintech);
    const { gatewayToken } = await importApi(stack, fintech, partner.id);
    const missing = await sdkError(plaid.processorTokenWebhookUpdate({ processor_token: gatewayToken } as any));
    expect(missing).toMatchObject({ status: 400, body: { error_type: 'INVALID_REQUEST', error_code: 'MISSING_FIELDS' } });
    const bad = await sdkError(plaid.processorTokenWebhookUpdate({ processor_token: gatewayToken, webhook: 'javascript:alert(1)' }));
    expect(bad).toMatchObject({ status: 400, body: { error_type: 'INVALID_REQUEST', error_code: 'INVALID_FIELD' } });
    expect(await storedWebhook(gatewayToken)).toBeNull();
  });
});
