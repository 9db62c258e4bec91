/**
 * Plaid's Sandbox: "Items will transition to an ITEM_LOGIN_REQUIRED error
 * state automatically after 30 days". The harness clock is moved past that.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectValidPlaid } from '../support/plaid-spec';
import { expectSdkError } from '../support/sdk';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver';
import { startEmulatorHarness, type Harness } from './harness';

let h: Harness;
let hooks: WebhookReceiver;
beforeAll(async () => {
  h = await startEmulatorHarness({ rateLimits: false });
  hooks = await startWebhookReceiver();
});
afterAll(async () => {
  await h.close();
  await hooks.close();
});

const DAY_MS = 86_400_000;

describe('Sandbox logins expire after 30 days', () => {
  it('day 29 is fine; from day 30 data calls answer ITEM_LOGIN_REQUIRED, with one ERROR webhook; repair gives another 30 days', async () => {
    const token = await h.newToken();
    await h.plaid.processorTokenWebhookUpdate({ processor_token: token, webhook: `${hooks.url}/expiry` });
    await hooks.waitForCode('/expiry', 'WEBHOOK_UPDATE_ACKNOWLEDGED');

    h.advance(29 * DAY_MS);
    expectValidPlaid('ProcessorBalanceGetResponse', (await h.plaid.processorBalanceGet({ processor_token: token })).data);

    h.advance(DAY_MS);
    const { body } = await expectSdkError(h.plaid.processorBalanceGet({ processor_token: token }), {
      status: 400,
      error_type: 'ITEM_ERROR',
      error_code: 'ITEM_LOGIN_REQUIRED',
    });
    expect(body.display_message).toBeNull();
    await expectSdkError(h.plaid.processorTransactionsSync({ processor_token: token }), { status: 400, error_code: 'ITEM_LOGIN_REQUIRED' });
    // Signal still scores, with the warning.
    const { data: signal } = await h.plaid.processorSignalEvaluate({ processor_token: token, client_transaction_id: 'exp-1', amount: 5 });
    expectValidPlaid('ProcessorSignalEvaluateResponse', signal);
    expect(signal.warnings?.map((w) => w.warning_code)).toEqual(['ITEM_LOGIN_REQUIRED']);

    const error = await hooks.waitForCode('/expiry', 'ERROR');
    expectValidPlaid('ItemErrorWebhook', error.json);
    expect(error.json.error).toMatchObject({ error_code: 'ITEM_LOGIN_REQUIRED', status: 400 });
    await h.app.emulator.flushWebhooks();
    expect(hooks.at('/expiry', 'ERROR')).toHaveLength(1);

    const repaired = await h.post('/sandbox/processor_token/repair', { processor_token: token });
    expect(repaired.status).toBe(200);
    await hooks.waitForCode('/expiry', 'LOGIN_REPAIRED');
    h.advance(29 * DAY_MS);
    expectValidPlaid('ProcessorAuthGetResponse', (await h.plaid.processorAuthGet({ processor_token: token })).data);
    h.advance(DAY_MS);
    await expectSdkError(h.plaid.processorAuthGet({ processor_token: token }), { status: 400, error_code: 'ITEM_LOGIN_REQUIRED' });
  });

  it('a cursor stays valid for more than a year (Plaid: "at least 1 year"), once the expired login is repaired', async () => {
    const token = await h.newToken();
    const first = await h.plaid.processorTransactionsSync({ processor_token: token, count: 500 });
    expect(first.data.has_more).toBe(false);
    h.advance(400 * DAY_MS);
    await expectSdkError(h.plaid.processorTransactionsSync({ processor_token: token, cursor: first.data.next_cursor }), {
      status: 400,
      error_code: 'ITEM_LOGIN_REQUIRED',
    });
    expect((await h.post('/sandbox/processor_token/repair', { processor_token: token })).status).toBe(200);
    const { data } = await h.plaid.processorTransactionsSync({ processor_token: token, cursor: first.data.next_cursor });
    expectValidPlaid('ProcessorTransactionsSyncResponse', data);
    expect([data.added, data.modified, data.removed, data.has_more]).toEqual([[], [], [], false]);
  });

  it('an Item already in another error keeps it', async () => {
    const token = await h.newToken({ password: 'error_NO_AUTH_ACCOUNTS' });
    h.advance(31 * DAY_MS);
    await expectSdkError(h.plaid.processorAuthGet({ processor_token: token }), { status: 400, error_code: 'NO_AUTH_ACCOUNTS' });
  });
});
