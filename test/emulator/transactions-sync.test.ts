import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectValidPlaid } from '../support/plaid-spec';
import { expectSdkError } from '../support/sdk';
import { startEmulatorHarness, type Harness } from './harness';

let h: Harness;
beforeAll(async () => {
  h = await startEmulatorHarness();
});
afterAll(() => h.close());

async function syncAll(token: string, cursor = '', count?: number) {
  const pages = [];
  for (;;) {
    const { data } = await h.plaid.processorTransactionsSync({ processor_token: token, cursor, ...(count ? { count } : {}) });
    expectValidPlaid('ProcessorTransactionsSyncResponse', data);
    pages.push(data);
    cursor = data.next_cursor;
    if (!data.has_more) return { pages, cursor };
  }
}

describe('/processor/transactions/sync', () => {
  it('pages through ~90 days of history in several default-size pages', async () => {
    const token = await h.newToken();
    const { pages, cursor } = await syncAll(token);
    expect(pages.length).toBeGreaterThanOrEqual(3);
    expect(pages[0]!.added).toHaveLength(100);
    const added = pages.flatMap((p) => p.added);
    expect(added.length).toBeGreaterThanOrEqual(250);
    expect(new Set(added.map((t) => t.transaction_id)).size).toBe(added.length);
    const dates = added.map((t) => Date.parse(t.date)).sort((a, b) => a - b);
    expect((dates.at(-1)! - dates[0]!) / 86_400_000).toBeGreaterThanOrEqual(80);
    expect(added.some((t) => t.amount < 0)).toBe(true); // payroll credits
    expect(added.some((t) => t.pending)).toBe(true);
    // Personal finance categories come without asking (the spec: "now returned by default").
    expect(added.every((t) => t.personal_finance_category?.primary)).toBe(true);
    for (const cursorValue of pages.map((p) => p.next_cursor)) {
      expect(cursorValue.length).toBeLessThanOrEqual(256);
      expect(cursorValue).toMatch(/^[A-Za-z0-9+/=]+$/);
    }
    // Nothing new: an empty page, has_more false, a usable cursor.
    const { data } = await h.plaid.processorTransactionsSync({ processor_token: token, cursor });
    expect(data.added).toEqual([]);
    expect(data.has_more).toBe(false);
  });

  it('is deterministic for a token, and honours count', async () => {
    const token = await h.newToken();
    const a = await h.plaid.processorTransactionsSync({ processor_token: token, count: 500 });
    const b = await h.plaid.processorTransactionsSync({ processor_token: token, count: 500 });
    expect(b.data.added).toEqual(a.data.added);
    expect(a.data.has_more).toBe(false);
    const small = await h.plaid.processorTransactionsSync({ processor_token: token, count: 7 });
    expect(small.data.added).toHaveLength(7);
    expect(small.data.has_more).toBe(true);
  });

  it('returns original_description only when asked', async () => {
    const token = await h.newToken();
    const plain = await h.plaid.processorTransactionsSync({ processor_token: token, count: 1 });
    expect(plain.data.added[0]!.original_description).toBeNull();
    const withDesc = await h.plaid.processorTransactionsSync({ processor_token: token, count: 1, options: { include_original_description: true } });
    expect(withDesc.data.added[0]!.original_description).toEqual(expect.any(String));
  });

  it.each([0, 501, 1.5])('refuses count %j with INVALID_FIELD', async (count) => {
    const token = await h.newToken();
    await expectSdkError(h.plaid.processorTransactionsSync({ processor_token: token, count }), { status: 400, error_code: 'INVALID_FIELD' });
  });

  it('refuses a forged cursor and another token\'s cursor with INVALID_FIELD', async () => {
    const token = await h.newToken();
    const other = await h.newToken();
    const { data } = await h.plaid.processorTransactionsSync({ processor_token: other, count: 5 });
    await expectSdkError(h.plaid.processorTransactionsSync({ processor_token: token, cursor: data.next_cursor }), {
      status: 400,
      error_code: 'INVALID_FIELD',
    });
    await expectSdkError(h.plaid.processorTransactionsSync({ processor_token: token, cursor: 'bm90IGEgY3Vyc29y' }), {
      status: 400,
      error_code: 'INVALID_FIELD',
    });
    await expectSdkError(h.plaid.processorTransactionsSync({ processor_token: token, cursor: 'x'.repeat(257) }), {
      status: 400,
      error_code: 'INVALID_FIELD',
    });
  });

  it('"now" skips the history and then sees only new transactions', async () => {
    const token = await h.newToken();
    const { data } = await h.plaid.processorTransactionsSync({ processor_token: token, cursor: 'now' });
    expectValidPlaid('ProcessorTransactionsSyncResponse', data);
    expect(data.added).toEqual([]);
    expect(data.has_more).toBe(false);
    const add = await h.post('/sandbox/processor_token/transactions/add', {
      processor_token: token,
      transactions: [{ amount: 42.5, name: 'Emulator Coffee' }],
    });
    expect(add.status).toBe(200);
    const next = await h.plaid.processorTransactionsSync({ processor_token: token, cursor: data.next_cursor });
    expect(next.data.added).toHaveLength(1);
    expect(next.data.added[0]).toMatchObject({ amount: 42.5, name: 'Emulator Coffee', transaction_id: add.body.added[0] });
  });

  it('answers TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION, and a restart from the first cursor succeeds', async () => {
    const token = await h.newToken();
    const { cursor: caughtUp } = await syncAll(token);
    await h.post('/sandbox/processor_token/transactions/add', { processor_token: token, count: 30 });
    const first = await h.plaid.processorTransactionsSync({ processor_token: token, cursor: caughtUp, count: 10 });
    expect(first.data.added).toHaveLength(10);
    expect(first.data.has_more).toBe(true);
    // New data lands while the client is mid-way through this update.
    await h.post('/sandbox/processor_token/transactions/add', { processor_token: token, count: 2 });
    const { body: err } = await expectSdkError(h.plaid.processorTransactionsSync({ processor_token: token, cursor: first.data.next_cursor, count: 10 }), {
      status: 400,
      error_type: 'TRANSACTIONS_ERROR',
      error_code: 'TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION',
    });
    expect(err.error_message).toMatch(/restart pagination/i);
    // Restart from the cursor of the update's first page: everything new arrives.
    const { pages } = await syncAll(token, caughtUp, 10);
    expect(pages.flatMap((p) => p.added)).toHaveLength(32);
  });

  it('posting pending transactions shows the pending ids removed and posted copies added', async () => {
    const token = await h.newToken();
    const { pages, cursor } = await syncAll(token, '', 500);
    const pending = pages.flatMap((p) => p.added).filter((t) => t.pending);
    expect(pending.length).toBeGreaterThan(0);
    await h.post('/sandbox/processor_token/transactions/add', { processor_token: token, transactions: [{ amount: 1 }], post_pending: true });
    const { data } = await h.plaid.processorTransactionsSync({ processor_token: token, cursor, count: 500 });
    expectValidPlaid('ProcessorTransactionsSyncResponse', data);
    expect(data.removed.map((r) => r.transaction_id).sort()).toEqual(pending.map((t) => t.transaction_id).sort());
    const posted = data.added.filter((t) => t.pending_transaction_id);
    expect(posted).toHaveLength(pending.length);
    expect(posted.every((t) => !t.pending)).toBe(true);
  });
});
