/**
 * The emulator's Sandbox behaviours as a partner meets them through the
 * gateway: the official plaid SDK pointed at the gateway with the partner's
 * gateway keys, tokens a fintech created at the emulator and imported, the
 * emulator's controls driven with the partner's Plaid keys. Every body is
 * checked against Plaid's OpenAPI spec.
 */
import type { PlaidApi, Transaction } from 'plaid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emulatorControl, emulatorPost } from '../support/http';
import { expectPlaidError, expectValidPlaid } from '../support/plaid-spec';
import { expectSdkError, plaidSdk } from '../support/sdk';
import type { TestStack } from '../support/stack';
import { importToken, startWorld, type Fintech, type Partner, type Token } from '../support/tenants';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver';

let stack: TestStack;
let partner: Partner;
let fintech: Fintech;
let gateway: PlaidApi;
let hooks: WebhookReceiver;

beforeAll(async () => {
  ({ stack, partner, fintech } = await startWorld({
    http: true,
    env: { WEBHOOK_ALLOW_LOOPBACK: 'true' },
    partner: { products: ['auth', 'balance', 'identity', 'signal', 'transactions'] },
  }));
  gateway = plaidSdk(stack.url, partner);
  hooks = await startWebhookReceiver();
});
afterAll(async () => {
  await stack?.close();
  await hooks?.close();
});

/** A raw token from the emulator (as the fintech creates it, with the partner's Plaid keys); fails the test if refused. */
async function rawToken(institution_id = 'ins_109508', credentials?: { username: string; password: string }): Promise<string> {
  const res = await emulatorPost(
    stack,
    '/sandbox/processor_token/create',
    { institution_id, ...(credentials ? { options: { override_username: credentials.username, override_password: credentials.password } } : {}) },
    partner.plaid,
  );
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.processor_token;
}

async function imported(institution_id?: string, credentials?: { username: string; password: string }): Promise<Token> {
  return importToken(stack, { partner, fintech, rawToken: await rawToken(institution_id, credentials) });
}

/** The date `days` ago (UTC), as a configuration writes it. */
const daysAgo = (days: number) => new Date(Date.now() - days * 86_400_000).toISOString().slice(0, 10);

const custom = (account: Record<string, unknown>) => ({ username: 'user_custom', password: JSON.stringify({ override_accounts: [account] }) });

/** An emulator control on the token's raw value (must succeed; waits for the webhooks it fired). */
const control = (path: string, body: Record<string, unknown>) => emulatorControl(stack, path, body, partner.plaid);

async function syncThroughGateway(token: Token, cursor?: string) {
  const added: Transaction[] = [];
  const modified: Transaction[] = [];
  const removed: string[] = [];
  let status = '';
  for (;;) {
    const { data } = await gateway.processorTransactionsSync({ processor_token: token.gatewayToken, cursor, count: 500 });
    expectValidPlaid('ProcessorTransactionsSyncResponse', data);
    added.push(...data.added);
    modified.push(...data.modified);
    removed.push(...data.removed.map((r) => r.transaction_id));
    cursor = data.next_cursor;
    status = data.transactions_update_status;
    if (!data.has_more) return { added, modified, removed, cursor, status };
  }
}

describe('transactions readiness and changes', () => {
  it('NOT_READY, then the initial and historical pulls completed by the control, reach the partner as sync pages and webhooks', async () => {
    const token = await imported();
    const path = `/ready/${token.tokenId}`;
    const set = await gateway.processorTokenWebhookUpdate({ processor_token: token.gatewayToken, webhook: hooks.url + path });
    expectValidPlaid('ProcessorTokenWebhookUpdateResponse', set.data);
    await hooks.waitForCode(path, 'WEBHOOK_UPDATE_ACKNOWLEDGED');

    await control('/sandbox/processor_token/transactions/set_update_status', { processor_token: token.rawToken, transactions_update_status: 'NOT_READY' });
    const { data: notReady } = await gateway.processorTransactionsSync({ processor_token: token.gatewayToken });
    expectValidPlaid('ProcessorTransactionsSyncResponse', notReady);
    expect(notReady).toMatchObject({ added: [], modified: [], removed: [], has_more: false, next_cursor: '', transactions_update_status: 'NOT_READY' });

    const initial = await control('/sandbox/processor_token/transactions/set_update_status', {
      processor_token: token.rawToken,
      transactions_update_status: 'INITIAL_UPDATE_COMPLETE',
    });
    const initialHook = await hooks.waitForCode(path, 'INITIAL_UPDATE');
    expectValidPlaid('InitialUpdateWebhook', initialHook.json);
    expect(initialHook.json.new_transactions).toBe(initial.added.length);
    // The partner's copy names the token by the gateway's id, never Plaid's item_id.
    expect(initialHook.json.item_id).toBe(token.tokenId);
    const available = await hooks.waitForCode(path, 'SYNC_UPDATES_AVAILABLE');
    expectValidPlaid('SyncUpdatesAvailableWebhook', available.json);
    expect(available.json).toMatchObject({ initial_update_complete: true, historical_update_complete: false });

    const recent = await syncThroughGateway(token, notReady.next_cursor);
    expect(recent.status).toBe('INITIAL_UPDATE_COMPLETE');
    expect(recent.added.map((t) => t.transaction_id).sort()).toEqual([...initial.added].sort());
    // Only the last 30 days (a day of slack for a run across midnight UTC).
    const monthAgo = new Date(Date.now() - 30 * 86_400_000).toISOString().slice(0, 10);
    expect(recent.added.every((t) => t.date >= monthAgo)).toBe(true);

    const historical = await control('/sandbox/processor_token/transactions/set_update_status', {
      processor_token: token.rawToken,
      transactions_update_status: 'HISTORICAL_UPDATE_COMPLETE',
    });
    const historicalHook = await hooks.waitForCode(path, 'HISTORICAL_UPDATE');
    expectValidPlaid('HistoricalUpdateWebhook', historicalHook.json);
    const older = await syncThroughGateway(token, recent.cursor);
    expect(older.status).toBe('HISTORICAL_UPDATE_COMPLETE');
    expect(older.added.map((t) => t.transaction_id).sort()).toEqual([...historical.added].sort());
    expect(older.added.length).toBeGreaterThan(0);
    const dates = (txs: Transaction[]) => txs.map((t) => t.date).sort();
    expect(dates(older.added).at(-1)! < dates(recent.added)[0]!).toBe(true);
  });

  it('modified and removed transactions made by the controls come back in the next sync', async () => {
    const token = await imported();
    const first = await syncThroughGateway(token);
    const [a, b] = first.added.filter((t) => !t.pending);
    await control('/sandbox/processor_token/transactions/modify', { processor_token: token.rawToken, transaction_ids: [a!.transaction_id], amount: 12.34, name: 'Corrected' });
    await control('/sandbox/processor_token/transactions/remove', { processor_token: token.rawToken, transaction_ids: [b!.transaction_id] });
    const next = await syncThroughGateway(token, first.cursor);
    expect(next.added).toEqual([]);
    expect(next.modified).toHaveLength(1);
    expect(next.modified[0]).toMatchObject({ transaction_id: a!.transaction_id, amount: 12.34, name: 'Corrected' });
    expect(next.removed).toEqual([b!.transaction_id]);
  });
});

describe('Signal', () => {
  const evaluate = (token: Token, id: string) =>
    gateway.processorSignalEvaluate({ processor_token: token.gatewayToken, client_transaction_id: id, amount: 42 });

  it('a non-US institution answers PRODUCTS_NOT_SUPPORTED with the documented empty message', async () => {
    const token = await imported('ins_43');
    const { body } = await expectSdkError(evaluate(token, 'ca-1'), { status: 400, error_type: 'ITEM_ERROR', error_code: 'PRODUCTS_NOT_SUPPORTED' });
    expect(body.error_message).toBe('');
  });

  it('PRODUCT_NOT_READY while the control holds it, scores once lifted', async () => {
    const token = await imported();
    await control('/sandbox/processor_token/signal/set_product_not_ready', { processor_token: token.rawToken });
    await expectSdkError(evaluate(token, 'nr-1'), { status: 400, error_type: 'ITEM_ERROR', error_code: 'PRODUCT_NOT_READY' });
    await control('/sandbox/processor_token/signal/set_product_not_ready', { processor_token: token.rawToken, not_ready: false });
    const { data } = await evaluate(token, 'nr-1');
    expectValidPlaid('ProcessorSignalEvaluateResponse', data);
    expect(data.scores?.customer_initiated_return_risk?.score).toBeGreaterThanOrEqual(1);
    expect(data.warnings).toEqual([]);
  });

  it('return/report refuses R00 and R99 (not NACHA codes) and accepts R01', async () => {
    const token = await imported();
    expectValidPlaid('ProcessorSignalEvaluateResponse', (await evaluate(token, 'ret-1')).data);
    for (const return_code of ['R00', 'R99']) {
      const { body } = await expectSdkError(
        gateway.processorSignalReturnReport({ processor_token: token.gatewayToken, client_transaction_id: 'ret-1', return_code }),
        { status: 400, error_type: 'INVALID_REQUEST', error_code: 'INVALID_FIELD' },
      );
      expect(body.error_message).toContain(return_code);
    }
    const { data } = await gateway.processorSignalReturnReport({ processor_token: token.gatewayToken, client_transaction_id: 'ret-1', return_code: 'R01' });
    expectValidPlaid('ProcessorSignalReturnReportResponse', data);
  });
});

describe('identity match', () => {
  it('detects a business name and scores a likely relative in the 50-69 band', async () => {
    const token = await imported();
    const { data: business } = await gateway.processorIdentityMatch({ processor_token: token.gatewayToken, user: { legal_name: 'Acme Holdings LLC' } });
    expectValidPlaid('ProcessorIdentityMatchResponse', business);
    expect(business.account.legal_name?.is_business_name_detected).toBe(true);

    const { data: relative } = await gateway.processorIdentityMatch({ processor_token: token.gatewayToken, user: { legal_name: 'Jane Charleson' } });
    expectValidPlaid('ProcessorIdentityMatchResponse', relative);
    expect(relative.account.legal_name?.score).toBeGreaterThanOrEqual(50);
    expect(relative.account.legal_name?.score).toBeLessThanOrEqual(69);
    expect(relative.account.legal_name?.is_business_name_detected).toBe(false);
  });
});

describe('Auth numbers by institution country', () => {
  it('a Canadian institution answers EFT only, in CAD', async () => {
    const token = await imported('ins_43');
    const { data } = await gateway.processorAuthGet({ processor_token: token.gatewayToken });
    expectValidPlaid('ProcessorAuthGetResponse', data);
    expect(data.numbers).toMatchObject({ ach: null, eft: { institution: '021', branch: '01140' }, international: null, bacs: null });
    expect(data.account.balances.iso_currency_code).toBe('CAD');
  });

  it('a UK institution answers BACS and IBAN, in GBP', async () => {
    const token = await imported('ins_117650');
    const { data } = await gateway.processorAuthGet({ processor_token: token.gatewayToken });
    expectValidPlaid('ProcessorAuthGetResponse', data);
    expect(data.numbers).toMatchObject({ ach: null, eft: null, bacs: { sort_code: '601613' }, international: { bic: 'BUKBGB22' } });
    expect(data.account.balances.iso_currency_code).toBe('GBP');
  });
});

describe('user_custom', () => {
  it('the configured account, owners and transactions reach the partner', async () => {
    const [transacted, posted, interest] = [daysAgo(20), daysAgo(19), daysAgo(10)];
    const token = await imported(
      'ins_109508',
      custom({
        type: 'depository',
        subtype: 'savings',
        starting_balance: 900,
        meta: { name: 'Partner Savings', mask: '4242' },
        identity: { names: ['Rosa Partner'] },
        transactions: [
          { date_transacted: transacted, date_posted: posted, amount: 25, description: 'Transfer in' },
          { date_transacted: interest, date_posted: interest, amount: -3.5, description: 'Interest' },
        ],
      }),
    );
    const { data: auth } = await gateway.processorAuthGet({ processor_token: token.gatewayToken });
    expectValidPlaid('ProcessorAuthGetResponse', auth);
    expect(auth.account).toMatchObject({ name: 'Partner Savings', mask: '4242', subtype: 'savings' });
    const { data: balance } = await gateway.processorBalanceGet({ processor_token: token.gatewayToken });
    expectValidPlaid('ProcessorBalanceGetResponse', balance);
    expect(balance.account.balances).toMatchObject({ current: 900, available: 900 });
    const { data: match } = await gateway.processorIdentityMatch({ processor_token: token.gatewayToken, user: { legal_name: 'Rosa Partner' } });
    expectValidPlaid('ProcessorIdentityMatchResponse', match);
    expect(match.account.legal_name?.score).toBe(100);
    const { data: sync } = await gateway.processorTransactionsSync({ processor_token: token.gatewayToken });
    expectValidPlaid('ProcessorTransactionsSyncResponse', sync);
    expect(sync.added.map((t) => [t.name, t.amount, t.date])).toEqual([
      ['Transfer in', 25, posted],
      ['Interest', -3.5, interest],
    ]);
  });

  it('a credit card is no Auth account: NO_AUTH_ACCOUNTS', async () => {
    const token = await imported('ins_109508', custom({ type: 'credit', subtype: 'credit card' }));
    await expectSdkError(gateway.processorAuthGet({ processor_token: token.gatewayToken }), {
      status: 400,
      error_type: 'ITEM_ERROR',
      error_code: 'NO_AUTH_ACCOUNTS',
    });
  });
});

describe('error_<CODE> passwords', () => {
  it('error_ITEM_LOCKED fails at creation: Plaid issues no token, so there is nothing to import', async () => {
    const res = await emulatorPost(
      stack,
      '/sandbox/processor_token/create',
      { institution_id: 'ins_109508', options: { override_username: 'user_good', override_password: 'error_ITEM_LOCKED' } },
      partner.plaid,
    );
    expect(res.status).toBe(400);
    expectPlaidError(res.body, { error_type: 'ITEM_ERROR', error_code: 'ITEM_LOCKED' });
    expect(res.body.processor_token).toBeUndefined();
  });

  it('error_ITEM_LOGIN_REQUIRED issues a token whose data calls answer the documented body; Signal scores with a warning', async () => {
    const token = await imported('ins_109508', { username: 'user_good', password: 'error_ITEM_LOGIN_REQUIRED' });
    const { body } = await expectSdkError(gateway.processorBalanceGet({ processor_token: token.gatewayToken }), {
      status: 400,
      error_type: 'ITEM_ERROR',
      error_code: 'ITEM_LOGIN_REQUIRED',
    });
    expect(body.display_message).toBeNull();
    const { data } = await gateway.processorSignalEvaluate({ processor_token: token.gatewayToken, client_transaction_id: 'ilr-1', amount: 10 });
    expectValidPlaid('ProcessorSignalEvaluateResponse', data);
    expect(data.warnings).toEqual([expect.objectContaining({ warning_code: 'ITEM_LOGIN_REQUIRED' })]);
  });
});

describe('Plaid-Version, passed through by the gateway', () => {
  const withVersion = (v: string) => ({ headers: { 'Plaid-Version': v } });

  it('2020-09-14 (the SDK default) answers numbers per scheme; 2019-05-29 the older flat ACH list', async () => {
    const token = await imported();
    const { data: current } = await gateway.processorAuthGet({ processor_token: token.gatewayToken });
    expectValidPlaid('ProcessorAuthGetResponse', current);
    expect(current.numbers.ach?.routing).toBe('011401533');

    const { data: older } = await gateway.processorAuthGet({ processor_token: token.gatewayToken }, withVersion('2019-05-29'));
    const numbers = older.numbers as unknown as Array<Record<string, unknown>>;
    expect(numbers).toHaveLength(1);
    expectValidPlaid('NumbersACH', numbers[0]);
    expect(numbers[0]).toMatchObject({ account_id: older.account.account_id, routing: '011401533' });
    expectValidPlaid('AccountBase', older.account);
  });

  it('a date Plaid never released reaches the emulator and comes back as INVALID_HEADERS', async () => {
    const token = await imported();
    const { body } = await expectSdkError(gateway.processorAuthGet({ processor_token: token.gatewayToken }, withVersion('2021-01-01')), {
      status: 400,
      error_type: 'INVALID_REQUEST',
      error_code: 'INVALID_HEADERS',
    });
    expect(body.error_message).toContain('2021-01-01');
  });

  it('a value that is not date-shaped is not passed on: the gateway sends its own 2020-09-14', async () => {
    const token = await imported();
    const { data } = await gateway.processorAuthGet({ processor_token: token.gatewayToken }, withVersion('latest'));
    expectValidPlaid('ProcessorAuthGetResponse', data);
    expect(data.numbers.ach?.routing).toBe('011401533');
  });
});
