/**
 * user_custom beyond the account fields: configured transactions and `seed`
 * (what /processor/transactions/sync and refresh answer), and the account-type
 * rules Plaid documents for Auth, Signal, Transactions and Capital One.
 */
import type { Transaction } from 'plaid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectValidPlaid } from '../support/plaid-spec';
import { expectSdkError } from '../support/sdk';
import { startEmulatorHarness, type Harness } from './harness';

let h: Harness;
beforeAll(async () => {
  // The harness clock starts at 2024-07-15T12:00Z: the Items are created that day.
  h = await startEmulatorHarness({ rateLimits: false });
});
afterAll(() => h.close());

const DAY_MS = 86_400_000;

async function customToken(account: Record<string, unknown>, extra: Record<string, unknown> = {}, institution_id = 'ins_109508') {
  const { data } = await h.plaid.sandboxProcessorTokenCreate({
    institution_id,
    options: { override_username: 'user_custom', override_password: JSON.stringify({ ...extra, override_accounts: [account] }) },
  });
  return data.processor_token;
}

async function syncAll(token: string, cursor?: string, options?: Record<string, unknown>) {
  const added: Transaction[] = [];
  const modified: Transaction[] = [];
  const removed: string[] = [];
  for (;;) {
    const { data } = await h.plaid.processorTransactionsSync({ processor_token: token, cursor, count: 500, ...(options ? { options } : {}) });
    expectValidPlaid('ProcessorTransactionsSyncResponse', data);
    added.push(...data.added);
    modified.push(...data.modified);
    removed.push(...data.removed.map((r) => r.transaction_id));
    cursor = data.next_cursor;
    if (!data.has_more) return { added, modified, removed, cursor };
  }
}

const CHECKING_WITH_TRANSACTIONS = {
  type: 'depository',
  subtype: 'checking',
  currency: 'USD',
  transactions: [
    { date_transacted: '2024-07-01', date_posted: '2024-07-02', amount: 42.5, description: 'Corner Bakery' },
    { date_transacted: '2024-06-20', date_posted: '2024-06-21', amount: -1500, description: 'ACME PAYROLL', currency: 'EUR' },
    { date_transacted: '2024-07-15', date_posted: '2024-07-17', amount: 19.99, description: 'Streaming Service' },
  ],
};

describe('user_custom transactions', () => {
  it('sync answers exactly the configured transactions, oldest first, with the documented pending rule', async () => {
    const token = await customToken(CHECKING_WITH_TRANSACTIONS);
    const { added } = await syncAll(token);
    expect(added.map((t) => [t.name, t.amount, t.date, t.authorized_date, t.pending, t.iso_currency_code])).toEqual([
      ['ACME PAYROLL', -1500, '2024-06-21', '2024-06-20', false, 'EUR'],
      ['Corner Bakery', 42.5, '2024-07-02', '2024-07-01', false, 'USD'],
      // date_posted in the future: pending, dated the day it was transacted.
      ['Streaming Service', 19.99, '2024-07-15', '2024-07-15', true, 'USD'],
    ]);
    expect(added.every((t) => t.merchant_name === null && t.pending_transaction_id === null)).toBe(true);
    const { data } = await h.plaid.processorTransactionsSync({ processor_token: token, options: { include_original_description: true } });
    expect(data.added.map((t) => t.original_description)).toEqual(['ACME PAYROLL', 'Corner Bakery', 'Streaming Service']);
  });

  it('refresh posts a pending transaction once its date_posted has come, and invents nothing', async () => {
    const token = await customToken(CHECKING_WITH_TRANSACTIONS);
    const first = await syncAll(token);
    const pending = first.added.find((t) => t.pending)!;

    // Refresh before date_posted: nothing changed.
    await h.plaid.processorTransactionsRefresh({ processor_token: token });
    const idle = await syncAll(token, first.cursor);
    expect([idle.added, idle.modified, idle.removed]).toEqual([[], [], []]);

    h.advance(2 * DAY_MS); // 2024-07-17: the date_posted
    try {
      await h.plaid.processorTransactionsRefresh({ processor_token: token });
      const posted = await syncAll(token, idle.cursor);
      expect(posted.removed).toEqual([pending.transaction_id]);
      expect(posted.added).toHaveLength(1);
      expect(posted.added[0]).toMatchObject({
        name: 'Streaming Service',
        amount: 19.99,
        pending: false,
        pending_transaction_id: pending.transaction_id,
        date: '2024-07-17',
        authorized_date: '2024-07-15',
      });
    } finally {
      h.advance(-2 * DAY_MS);
    }
  });

  it('options.days_requested bounds the configured history too', async () => {
    const token = await customToken(CHECKING_WITH_TRANSACTIONS);
    const { added } = await syncAll(token, undefined, { days_requested: 20 });
    expect(added.map((t) => t.name)).toEqual(['Corner Bakery', 'Streaming Service']);
  });

  it('an empty list is an account with no transactions', async () => {
    const token = await customToken({ type: 'depository', subtype: 'checking', transactions: [] });
    const { added } = await syncAll(token);
    expect(added).toEqual([]);
  });

  it.each([
    ['a transaction without amount', { date_transacted: '2024-07-01', date_posted: '2024-07-01', description: 'x' }],
    ['a date that does not exist', { date_transacted: '2024-02-30', date_posted: '2024-03-01', amount: 1, description: 'x' }],
    ['a date in another format', { date_transacted: '07/01/2024', date_posted: '2024-07-01', amount: 1, description: 'x' }],
    ['a lower-case currency', { date_transacted: '2024-07-01', date_posted: '2024-07-01', amount: 1, description: 'x', currency: 'usd' }],
  ])('refuses %s with INVALID_CREDENTIALS, as any unusable configuration', async (_label, transaction) => {
    await expectSdkError(customToken({ type: 'depository', subtype: 'checking', transactions: [transaction] }), {
      status: 400,
      error_type: 'ITEM_ERROR',
      error_code: 'INVALID_CREDENTIALS',
    });
  });
});

describe('user_custom inflow_model', () => {
  it('monthly-income adds an income transaction on the payment day of each month, besides the configured ones', async () => {
    const token = await customToken({
      ...CHECKING_WITH_TRANSACTIONS,
      inflow_model: { type: 'monthly-income', income_amount: 2500, payment_day_of_month: 15, transaction_name: 'PLATYPUS PAYROLL' },
    });
    const { added } = await syncAll(token);
    const income = added.filter((t) => t.name === 'PLATYPUS PAYROLL');
    // The 90 days up to 2024-07-15 hold three 15ths.
    expect(income.map((t) => [t.date, t.amount, t.pending])).toEqual([
      ['2024-05-15', -2500, false],
      ['2024-06-15', -2500, false],
      ['2024-07-15', -2500, false],
    ]);
    expect(added.filter((t) => t.name !== 'PLATYPUS PAYROLL').map((t) => t.name)).toEqual(['ACME PAYROLL', 'Corner Bakery', 'Streaming Service']);
    // Oldest first, income included.
    const dates = added.map((t) => t.date);
    expect(dates).toEqual([...dates].sort());
  });

  it("'last' is the month's last day; with a generated history the income comes on top of it", async () => {
    const token = await customToken({
      type: 'depository',
      subtype: 'checking',
      inflow_model: { type: 'monthly-income', income_amount: 1000, payment_day_of_month: 'last', transaction_name: 'MONTH END PAY' },
    });
    const { added } = await syncAll(token);
    expect(added.filter((t) => t.name === 'MONTH END PAY').map((t) => t.date)).toEqual(['2024-04-30', '2024-05-31', '2024-06-30']);
    expect(added.length).toBeGreaterThan(100);
  });

  it.each([
    ['monthly-income without its amount', { type: 'monthly-income', payment_day_of_month: 1, transaction_name: 'PAY' }],
    ['a payment day of 31', { type: 'monthly-income', income_amount: 10, payment_day_of_month: 31, transaction_name: 'PAY' }],
    ['an unknown type', { type: 'weekly-income' }],
  ])('refuses %s with INVALID_CREDENTIALS', async (_label, inflow_model) => {
    await expectSdkError(customToken({ type: 'depository', subtype: 'checking', inflow_model }), {
      status: 400,
      error_type: 'ITEM_ERROR',
      error_code: 'INVALID_CREDENTIALS',
    });
  });
});

describe('user_custom seed', () => {
  const shape = (txs: Transaction[]) => txs.map((t) => [t.name, t.amount, t.date, t.pending]);

  it('the same seed gives the same generated history on two Items (with their own ids); another seed another one', async () => {
    const account = { type: 'depository', subtype: 'checking' };
    const a = await syncAll(await customToken(account, { seed: 'partner-suite-1' }));
    const b = await syncAll(await customToken(account, { seed: 'partner-suite-1' }));
    const c = await syncAll(await customToken(account, { seed: 'partner-suite-2' }));
    expect(a.added.length).toBeGreaterThan(100);
    expect(shape(b.added)).toEqual(shape(a.added));
    expect(b.added.map((t) => t.transaction_id)).not.toEqual(a.added.map((t) => t.transaction_id));
    expect(shape(c.added)).not.toEqual(shape(a.added));
  });
});

describe('account types (Plaid\'s account type / product matrix)', () => {
  it('a credit card: no Auth (NO_AUTH_ACCOUNTS), no Signal (PRODUCTS_NOT_SUPPORTED); balance, identity and transactions work', async () => {
    const token = await customToken({ type: 'credit', subtype: 'credit card', starting_balance: 320, meta: { limit: 5000 } });
    await expectSdkError(h.plaid.processorAuthGet({ processor_token: token }), { status: 400, error_type: 'ITEM_ERROR', error_code: 'NO_AUTH_ACCOUNTS' });
    const { body } = await expectSdkError(
      h.plaid.processorSignalEvaluate({ processor_token: token, client_transaction_id: 'cc-1', amount: 10 }),
      { status: 400, error_type: 'ITEM_ERROR', error_code: 'PRODUCTS_NOT_SUPPORTED' },
    );
    expect(body.error_message).toBe('');
    const { data: balance } = await h.plaid.processorBalanceGet({ processor_token: token });
    expectValidPlaid('ProcessorBalanceGetResponse', balance);
    expect(balance.account).toMatchObject({ type: 'credit', subtype: 'credit card', balances: { current: 320, limit: 5000 } });
    const { data: identity } = await h.plaid.processorIdentityGet({ processor_token: token });
    expectValidPlaid('ProcessorIdentityGetResponse', identity);
    expect((await syncAll(token)).added.length).toBeGreaterThan(0);
  });

  it('a savings account is debitable: Auth and Signal answer', async () => {
    const token = await customToken({ type: 'depository', subtype: 'savings' });
    const { data: auth } = await h.plaid.processorAuthGet({ processor_token: token });
    expectValidPlaid('ProcessorAuthGetResponse', auth);
    const { data: signal } = await h.plaid.processorSignalEvaluate({ processor_token: token, client_transaction_id: 'sv-1', amount: 10 });
    expectValidPlaid('ProcessorSignalEvaluateResponse', signal);
  });

  it.each([
    ['loan', 'auto'],
    ['investment', 'brokerage'],
  ])('a %s (%s) account has no transactions: PRODUCTS_NOT_SUPPORTED on sync and refresh; a student loan has', async (type, subtype) => {
    const other = await customToken({ type, subtype });
    for (const call of [
      h.plaid.processorTransactionsSync({ processor_token: other }),
      h.plaid.processorTransactionsRefresh({ processor_token: other }),
    ]) {
      await expectSdkError(call, { status: 400, error_type: 'ITEM_ERROR', error_code: 'PRODUCTS_NOT_SUPPORTED' });
    }
    const student = await customToken({ type: 'loan', subtype: 'student' });
    const { data } = await h.plaid.processorTransactionsSync({ processor_token: student, count: 5 });
    expectValidPlaid('ProcessorTransactionsSyncResponse', data);
  });
});

describe('Capital One (ins_128026): depository accounts are real-time, the others are not', () => {
  it('a checking account needs no min_last_updated_datetime and answers a balance updated now; refresh works', async () => {
    const token = await h.newToken({ institution_id: 'ins_128026' });
    const { data } = await h.plaid.processorBalanceGet({ processor_token: token });
    expectValidPlaid('ProcessorBalanceGetResponse', data);
    expect(data.account.balances.last_updated_datetime).toBe(h.now().toISOString());
    // The option is ignored for a depository account, even a minimum in the future.
    const { data: later } = await h.plaid.processorBalanceGet({ processor_token: token, options: { min_last_updated_datetime: '2099-01-01T00:00:00Z' } });
    expectValidPlaid('ProcessorBalanceGetResponse', later);
    const { data: refreshed } = await h.plaid.processorTransactionsRefresh({ processor_token: token });
    expectValidPlaid('ProcessorTransactionsRefreshResponse', refreshed);
  });

  it('a credit card requires min_last_updated_datetime and checks it; refresh is PRODUCTS_NOT_SUPPORTED', async () => {
    const token = await customToken({ type: 'credit', subtype: 'credit card' }, {}, 'ins_128026');
    const { body } = await expectSdkError(h.plaid.processorBalanceGet({ processor_token: token }), {
      status: 400,
      error_type: 'INVALID_REQUEST',
      error_code: 'INVALID_FIELD',
    });
    expect(body.error_message).toContain('min_last_updated_datetime');
    const recent = new Date(h.now().getTime() - 5 * 60_000).toISOString();
    await expectSdkError(h.plaid.processorBalanceGet({ processor_token: token, options: { min_last_updated_datetime: recent } }), {
      status: 400,
      error_type: 'INVALID_RESULT',
      error_code: 'LAST_UPDATED_DATETIME_OUT_OF_RANGE',
    });
    const old = new Date(h.now().getTime() - 24 * 3600_000).toISOString();
    const { data } = await h.plaid.processorBalanceGet({ processor_token: token, options: { min_last_updated_datetime: old } });
    expectValidPlaid('ProcessorBalanceGetResponse', data);
    expect(Date.parse(data.account.balances.last_updated_datetime!)).toBe(h.now().getTime() - 3600_000);
    await expectSdkError(h.plaid.processorTransactionsRefresh({ processor_token: token }), {
      status: 400,
      error_type: 'ITEM_ERROR',
      error_code: 'PRODUCTS_NOT_SUPPORTED',
    });
  });
});
