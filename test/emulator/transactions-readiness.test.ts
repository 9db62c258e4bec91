import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectValidPlaid } from '../support/plaid-spec';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver';
import { expectSdkError } from '../support/sdk';
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

async function sync(token: string, cursor = '', options?: Record<string, unknown>, count = 500) {
  const { data } = await h.plaid.processorTransactionsSync({ processor_token: token, cursor, count, ...(options ? { options } : {}) });
  expectValidPlaid('ProcessorTransactionsSyncResponse', data);
  return data;
}

async function syncAll(token: string, cursor = '', options?: Record<string, unknown>) {
  const pages = [];
  for (;;) {
    const data = await sync(token, cursor, options);
    pages.push(data);
    cursor = data.next_cursor;
    if (!data.has_more) return { pages, cursor, added: pages.flatMap((p) => p.added) };
  }
}

async function setStatus(token: string, status: string) {
  const res = await h.post('/sandbox/processor_token/transactions/set_update_status', { processor_token: token, transactions_update_status: status });
  expect(res.status).toBe(200);
  return res.body;
}

describe('transactions_update_status', () => {
  it('a token starts HISTORICAL_UPDATE_COMPLETE', async () => {
    const token = await h.newToken();
    expect((await sync(token)).transactions_update_status).toBe('HISTORICAL_UPDATE_COMPLETE');
  });

  it('NOT_READY: an empty page with an empty next_cursor, then the initial 30 days, then the history', async () => {
    const token = await h.newToken();
    await h.post('/processor/token/webhook/update', { processor_token: token, webhook: `${hooks.url}/ready` });
    await setStatus(token, 'NOT_READY');
    const first = await sync(token);
    expect(first).toMatchObject({ transactions_update_status: 'NOT_READY', added: [], modified: [], removed: [], has_more: false, next_cursor: '' });
    // Retrying with the empty cursor while not ready: the same answer.
    expect((await sync(token, first.next_cursor)).transactions_update_status).toBe('NOT_READY');

    const initial = await setStatus(token, 'INITIAL_UPDATE_COMPLETE');
    expect(initial.transactions_update_status).toBe('INITIAL_UPDATE_COMPLETE');
    const initialHook = await hooks.waitForCode('/ready', 'INITIAL_UPDATE');
    expect(initialHook.json.new_transactions).toBe(initial.added.length);
    const sua = await hooks.waitForCode('/ready', 'SYNC_UPDATES_AVAILABLE');
    expect(sua.json).toMatchObject({ initial_update_complete: true, historical_update_complete: false });

    const recent = await syncAll(token, first.next_cursor);
    expect(recent.pages.every((p) => p.transactions_update_status === 'INITIAL_UPDATE_COMPLETE')).toBe(true);
    expect(recent.added.length).toBe(initial.added.length);
    const oldest = recent.added.map((t) => t.date).sort()[0]!;
    expect((h.now().getTime() - Date.parse(oldest)) / 86_400_000).toBeLessThanOrEqual(30);

    const historical = await setStatus(token, 'HISTORICAL_UPDATE_COMPLETE');
    expect(historical.added.length).toBeGreaterThan(0);
    await hooks.waitForCode('/ready', 'HISTORICAL_UPDATE');
    const older = await syncAll(token, recent.cursor);
    expect(older.pages.at(-1)!.transactions_update_status).toBe('HISTORICAL_UPDATE_COMPLETE');
    expect(older.added.map((t) => t.transaction_id).sort()).toEqual([...historical.added].sort());
    expect(older.added.every((t) => t.date < oldest)).toBe(true);
    await h.app.emulator.flushWebhooks();
    const suas = hooks.at('/ready', 'SYNC_UPDATES_AVAILABLE');
    expect(suas.at(-1)!.json).toMatchObject({ initial_update_complete: true, historical_update_complete: true });
  });

  it('cannot go from HISTORICAL back to INITIAL without NOT_READY', async () => {
    const token = await h.newToken();
    const res = await h.post('/sandbox/processor_token/transactions/set_update_status', {
      processor_token: token,
      transactions_update_status: 'INITIAL_UPDATE_COMPLETE',
    });
    expect(res.status).toBe(400);
    expect(res.body.error_code).toBe('INVALID_FIELD');
  });
});

describe('modified and removed transactions', () => {
  it('modify appears in `modified` with the new values; remove in `removed`', async () => {
    const token = await h.newToken();
    await h.post('/processor/token/webhook/update', { processor_token: token, webhook: `${hooks.url}/mod` });
    const { added, cursor } = await syncAll(token);
    const [a, b] = [added[5]!, added[6]!];
    const mod = await h.post('/sandbox/processor_token/transactions/modify', {
      processor_token: token,
      transaction_ids: [a.transaction_id],
      amount: 99.99,
      name: 'Renamed Merchant',
    });
    expect(mod.status).toBe(200);
    expect(mod.body.modified).toEqual([a.transaction_id]);
    const rem = await h.post('/sandbox/processor_token/transactions/remove', { processor_token: token, transaction_ids: [b.transaction_id] });
    expect(rem.status).toBe(200);
    const next = await sync(token, cursor);
    expect(next.added).toEqual([]);
    expect(next.modified).toHaveLength(1);
    expect(next.modified[0]).toMatchObject({ transaction_id: a.transaction_id, amount: 99.99, name: 'Renamed Merchant', date: a.date });
    expect(next.removed).toEqual([{ transaction_id: b.transaction_id, account_id: b.account_id }]);
    await hooks.waitForCode('/mod', 'SYNC_UPDATES_AVAILABLE');
    const removedHook = await hooks.waitForCode('/mod', 'TRANSACTIONS_REMOVED');
    expect(removedHook.json.removed_transactions).toEqual([b.transaction_id]);
    // A removed transaction can no longer be modified.
    const again = await h.post('/sandbox/processor_token/transactions/modify', { processor_token: token, transaction_ids: [b.transaction_id] });
    expect(again.status).toBe(400);
    expect(again.body.error_code).toBe('INVALID_FIELD');
  });

  it('a first sync after a modification reports the transaction once, in added, with its latest values', async () => {
    const token = await h.newToken();
    const mod = await h.post('/sandbox/processor_token/transactions/modify', { processor_token: token });
    const id = mod.body.modified[0];
    const { added, pages } = await syncAll(token);
    expect(pages.flatMap((p) => p.modified).map((t) => t.transaction_id)).not.toContain(id);
    expect(added.filter((t) => t.transaction_id === id)).toHaveLength(1);
  });
});

describe('sync options', () => {
  it('days_requested sets the history length on the first sync only', async () => {
    const token = await h.newToken();
    const { added } = await syncAll(token, '', { days_requested: 10 });
    const days = (h.now().getTime() - Date.parse(added.map((t) => t.date).sort()[0]!)) / 86_400_000;
    expect(days).toBeLessThanOrEqual(10);
    // Already initialised: a later days_requested has no effect.
    const again = await syncAll(token, '', { days_requested: 60 });
    expect(again.added).toHaveLength(added.length);
    const long = await h.newToken();
    const longHistory = await syncAll(long, '', { days_requested: 200 });
    const longDays = (h.now().getTime() - Date.parse(longHistory.added.map((t) => t.date).sort()[0]!)) / 86_400_000;
    expect(longDays).toBeGreaterThan(190);
  });

  it('days_requested sent while NOT_READY shapes the history released later', async () => {
    const token = await h.newToken();
    await setStatus(token, 'NOT_READY');
    await sync(token, '', { days_requested: 45 });
    await setStatus(token, 'HISTORICAL_UPDATE_COMPLETE');
    const { added } = await syncAll(token);
    const days = (h.now().getTime() - Date.parse(added.map((t) => t.date).sort()[0]!)) / 86_400_000;
    expect(days).toBeGreaterThan(40);
    expect(days).toBeLessThanOrEqual(45);
  });

  it("account_id: the token's account is accepted, another answers INVALID_ACCOUNT_ID", async () => {
    const token = await h.newToken();
    const first = await sync(token, '', undefined, 1);
    const accountId = first.account!.account_id;
    const page = await sync(token, '', { account_id: accountId }, 5);
    expect(page.added.every((t) => t.account_id === accountId)).toBe(true);
    await expectSdkError(h.plaid.processorTransactionsSync({ processor_token: token, options: { account_id: 'not-this-account' } }), {
      status: 400,
      error_type: 'INVALID_INPUT',
      error_code: 'INVALID_ACCOUNT_ID',
    });
  });

  it('days_requested outside 1-730 is INVALID_FIELD', async () => {
    const token = await h.newToken();
    await expectSdkError(h.plaid.processorTransactionsSync({ processor_token: token, options: { days_requested: 731 } }), {
      status: 400,
      error_code: 'INVALID_FIELD',
    });
  });
});
