/**
 * When the emulator sends which processor-token webhook, and what the bodies
 * hold: SYNC_UPDATES_AVAILABLE only after the token has synced, the legacy
 * DEFAULT_UPDATE / TRANSACTIONS_REMOVED beside it, /processor/transactions/refresh,
 * and the fire_webhook control. Every body is checked against the Plaid OpenAPI
 * spec's schema for it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectPlaidError, expectValidPlaid } from '../support/plaid-spec';
import { startWebhookReceiver, type ReceivedWebhook, type WebhookReceiver } from '../support/webhook-receiver';
import { expectSdkError } from '../support/sdk';
import { CLIENT_B, startEmulatorHarness, verifyWebhook, type Harness } from './harness';

let h: Harness;
let receiver: WebhookReceiver;

beforeAll(async () => {
  h = await startEmulatorHarness();
  receiver = await startWebhookReceiver();
});
afterAll(async () => {
  await h.close();
  await receiver.close();
});

const TODAY = '2024-07-15'; // the harness clock's date
const YESTERDAY = '2024-07-14';
const DAY_MS = 86_400_000;

interface WatchedToken {
  token: string;
  itemId: string;
  accountId: string;
}

/** Points `token`'s webhook at `path` and waits for the acknowledgement (which names the item_id). */
async function watch(token: string, path: string): Promise<string> {
  await h.plaid.processorTokenWebhookUpdate({ processor_token: token, webhook: receiver.url + path });
  return (await receiver.waitForCode(path, 'WEBHOOK_UPDATE_ACKNOWLEDGED')).json.item_id as string;
}

/** A new token whose webhook is `path`, with its item_id and account_id. */
async function watchedToken(path: string, options: { institution_id?: string } = {}): Promise<WatchedToken> {
  const token = await h.newToken(options);
  const itemId = await watch(token, path);
  const { data } = await h.plaid.processorAuthGet({ processor_token: token });
  return { token, itemId, accountId: data.account.account_id };
}

/** Waits until every webhook sent so far has been delivered. */
const settled = () => h.app.emulator.flushWebhooks();

async function addTransactions(token: string, body: Record<string, unknown>): Promise<{ added: string[]; removed: string[] }> {
  const res = await h.post('/sandbox/processor_token/transactions/add', { processor_token: token, ...body });
  expect(res.status).toBe(200);
  return res.body;
}

async function syncToEnd(token: string, cursor = '') {
  const added = [];
  const removed = [];
  for (;;) {
    const { data } = await h.plaid.processorTransactionsSync({ processor_token: token, cursor, count: 500 });
    added.push(...data.added);
    removed.push(...data.removed);
    cursor = data.next_cursor;
    if (!data.has_more) return { added, removed, cursor };
  }
}

function expectProcessorWebhook(hook: ReceivedWebhook, watched: WatchedToken, schemas: string[]): void {
  for (const schema of schemas) expectValidPlaid(schema, hook.json);
  expect(hook.json.item_id).toBe(watched.itemId);
  expect(hook.json.environment).toBe('sandbox');
}

describe('SYNC_UPDATES_AVAILABLE waits for the first /processor/transactions/sync', () => {
  it('is not sent for changes before the token has synced (DEFAULT_UPDATE is), and is sent after', async () => {
    const w = await watchedToken('/rule');
    await addTransactions(w.token, { count: 2 });
    const early = await receiver.waitForCode('/rule', 'DEFAULT_UPDATE');
    await settled();
    expect(receiver.at('/rule', 'SYNC_UPDATES_AVAILABLE')).toHaveLength(0);
    expectProcessorWebhook(early, w, ['DefaultUpdateWebhook', 'ProcessorDefaultUpdateWebhook']);
    expect(early.json).toMatchObject({ webhook_type: 'TRANSACTIONS', new_transactions: 2, account_id: w.accountId, error: null });

    // One call is enough, even a one-transaction page.
    await h.plaid.processorTransactionsSync({ processor_token: w.token, count: 1 });
    await addTransactions(w.token, { count: 1 });
    const hook = await receiver.waitForCode('/rule', 'SYNC_UPDATES_AVAILABLE');
    expectProcessorWebhook(hook, w, ['SyncUpdatesAvailableWebhook', 'ProcessorSyncUpdatesAvailableWebhook']);
    expect(hook.json).toEqual({
      webhook_type: 'TRANSACTIONS',
      webhook_code: 'SYNC_UPDATES_AVAILABLE',
      item_id: w.itemId,
      account_id: w.accountId,
      initial_update_complete: true,
      historical_update_complete: true,
      environment: 'sandbox',
    });
    await verifyWebhook(h, hook);
    await settled();
    expect(receiver.at('/rule', 'SYNC_UPDATES_AVAILABLE')).toHaveLength(1);
    expect(receiver.at('/rule', 'DEFAULT_UPDATE').map((r) => r.json.new_transactions)).toEqual([2, 1]);
  });

  it('a sync refused for another client does not count', async () => {
    const w = await watchedToken('/rule-refused');
    await expectSdkError(h.plaidB.processorTransactionsSync({ processor_token: w.token }), { status: 400, error_code: 'INVALID_PROCESSOR_TOKEN' });
    await addTransactions(w.token, { count: 1 });
    await receiver.waitForCode('/rule-refused', 'DEFAULT_UPDATE');
    await settled();
    expect(receiver.at('/rule-refused', 'SYNC_UPDATES_AVAILABLE')).toHaveLength(0);
  });

  it('each token is its own Item: one token syncing does not enable another', async () => {
    const synced = await watchedToken('/rule-a');
    const other = await watchedToken('/rule-b');
    expect(other.itemId).not.toBe(synced.itemId);
    await h.plaid.processorTransactionsSync({ processor_token: synced.token, count: 1 });
    await addTransactions(synced.token, { count: 1 });
    await addTransactions(other.token, { count: 1 });
    expect((await receiver.waitForCode('/rule-a', 'SYNC_UPDATES_AVAILABLE')).json.item_id).toBe(synced.itemId);
    await receiver.waitForCode('/rule-b', 'DEFAULT_UPDATE');
    await settled();
    expect(receiver.at('/rule-b', 'SYNC_UPDATES_AVAILABLE')).toHaveLength(0);
  });
});

describe('DEFAULT_UPDATE and TRANSACTIONS_REMOVED', () => {
  it('posting pending transactions sends TRANSACTIONS_REMOVED with the removed ids, and DEFAULT_UPDATE with the added count', async () => {
    const w = await watchedToken('/legacy');
    const result = await addTransactions(w.token, { transactions: [{ pending: true, amount: 12.5, name: 'Corner Deli' }], post_pending: true });
    expect(result.removed.length).toBeGreaterThanOrEqual(1);
    const removed = await receiver.waitForCode('/legacy', 'TRANSACTIONS_REMOVED');
    expectProcessorWebhook(removed, w, ['TransactionsRemovedWebhook', 'ProcessorTransactionsRemovedWebhook']);
    expect(removed.json).toMatchObject({ webhook_type: 'TRANSACTIONS', account_id: w.accountId, error: null });
    expect([...removed.json.removed_transactions].sort()).toEqual([...result.removed].sort());
    await verifyWebhook(h, removed);
    const update = await receiver.waitForCode('/legacy', 'DEFAULT_UPDATE');
    expect(update.json.new_transactions).toBe(result.added.length);
  });

  it('adding alone sends no TRANSACTIONS_REMOVED', async () => {
    const w = await watchedToken('/legacy-add');
    await addTransactions(w.token, { count: 3 });
    await receiver.waitForCode('/legacy-add', 'DEFAULT_UPDATE');
    await settled();
    expect(receiver.at('/legacy-add', 'TRANSACTIONS_REMOVED')).toHaveLength(0);
  });

  it('new_transactions counts every transaction added since the last DEFAULT_UPDATE was sent', async () => {
    const token = await h.newToken();
    await addTransactions(token, { count: 3 }); // no webhook yet: nothing is sent
    await watch(token, '/counted');
    await addTransactions(token, { count: 1 });
    await receiver.waitForCode('/counted', 'DEFAULT_UPDATE');
    await addTransactions(token, { count: 2 });
    await settled();
    expect(receiver.at('/counted', 'DEFAULT_UPDATE').map((r) => r.json.new_transactions)).toEqual([4, 2]);
  });
});

describe('/processor/transactions/refresh', () => {
  it("answers {request_id}; posts earlier pending transactions, finds new ones, and sends the three webhooks", async () => {
    const w = await watchedToken('/refresh-setup');
    // A pending purchase from yesterday that the refresh will find posted.
    const deli = await addTransactions(w.token, { transactions: [{ pending: true, date: YESTERDAY, name: 'Corner Deli' }] });
    const before = await syncToEnd(w.token);
    const removedIds = new Set(before.removed.map((r) => r.transaction_id));
    const expectedPosted = before.added
      .filter((t) => t.pending && t.date < TODAY && !removedIds.has(t.transaction_id))
      .map((t) => t.transaction_id)
      .sort();
    expect(expectedPosted).toContain(deli.added[0]);
    await watch(w.token, '/refresh');

    const { data, status } = await h.plaid.processorTransactionsRefresh({ processor_token: w.token });
    expect(status).toBe(200);
    expectValidPlaid('ProcessorTransactionsRefreshResponse', data);
    expect(Object.keys(data)).toEqual(['request_id']);

    const sync = await receiver.waitForCode('/refresh', 'SYNC_UPDATES_AVAILABLE');
    const update = await receiver.waitForCode('/refresh', 'DEFAULT_UPDATE');
    const removed = await receiver.waitForCode('/refresh', 'TRANSACTIONS_REMOVED');
    expectProcessorWebhook(sync, w, ['SyncUpdatesAvailableWebhook', 'ProcessorSyncUpdatesAvailableWebhook']);
    expectProcessorWebhook(update, w, ['DefaultUpdateWebhook', 'ProcessorDefaultUpdateWebhook']);
    expectProcessorWebhook(removed, w, ['TransactionsRemovedWebhook', 'ProcessorTransactionsRemovedWebhook']);
    for (const hook of [sync, update, removed]) await verifyWebhook(h, hook);

    // What the webhooks announce is what the next sync returns.
    const after = await syncToEnd(w.token, before.cursor);
    expect(after.removed.map((r) => r.transaction_id).sort()).toEqual(expectedPosted);
    expect([...removed.json.removed_transactions].sort()).toEqual(expectedPosted);
    expect(update.json.new_transactions).toBe(after.added.length);
    const posted = after.added.filter((t) => !t.pending);
    expect(posted.map((t) => t.pending_transaction_id).sort()).toEqual(expectedPosted);
    const fresh = after.added.filter((t) => t.pending);
    expect(fresh.length).toBeGreaterThanOrEqual(1);
    expect(fresh.length).toBeLessThanOrEqual(3);
    for (const t of fresh) expect(t.date).toBe(TODAY);
  });

  it('before any sync it sends DEFAULT_UPDATE but no SYNC_UPDATES_AVAILABLE', async () => {
    const w = await watchedToken('/refresh-unsynced');
    await h.plaid.processorTransactionsRefresh({ processor_token: w.token });
    const update = await receiver.waitForCode('/refresh-unsynced', 'DEFAULT_UPDATE');
    expect(update.json.new_transactions).toBeGreaterThanOrEqual(1);
    await settled();
    expect(receiver.at('/refresh-unsynced', 'SYNC_UPDATES_AVAILABLE')).toHaveLength(0);
  });

  it('changes the data under a client in the middle of paginating', async () => {
    const token = await h.newToken();
    const first = await h.plaid.processorTransactionsSync({ processor_token: token, count: 25 });
    expect(first.data.has_more).toBe(true);
    await h.plaid.processorTransactionsRefresh({ processor_token: token });
    await expectSdkError(h.plaid.processorTransactionsSync({ processor_token: token, cursor: first.data.next_cursor, count: 25 }), {
      status: 400,
      error_type: 'TRANSACTIONS_ERROR',
      error_code: 'TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION',
    });
  });

  it('works for a Capital One (ins_128026) token, whose account is a checking account', async () => {
    const token = await h.newToken({ institution_id: 'ins_128026' });
    expect((await h.plaid.processorTransactionsRefresh({ processor_token: token })).status).toBe(200);
  });

  it('refuses like the other data calls: unknown token, product outside the permission set, Item in error', async () => {
    const token = await h.newToken();
    await expectSdkError(h.plaidB.processorTransactionsRefresh({ processor_token: token }), {
      status: 400,
      error_type: 'INVALID_INPUT',
      error_code: 'INVALID_PROCESSOR_TOKEN',
    });
    await h.plaid.processorTokenPermissionsSet({ processor_token: token, products: ['auth'] as any });
    await expectSdkError(h.plaid.processorTransactionsRefresh({ processor_token: token }), {
      status: 400,
      error_type: 'INVALID_INPUT',
      error_code: 'INVALID_PRODUCT',
    });
    const broken = await h.newToken();
    await h.post('/sandbox/processor_token/reset_login', { processor_token: broken });
    await expectSdkError(h.plaid.processorTransactionsRefresh({ processor_token: broken }), {
      status: 400,
      error_type: 'ITEM_ERROR',
      error_code: 'ITEM_LOGIN_REQUIRED',
    });
    const unknownField = await h.post('/processor/transactions/refresh', { processor_token: token, cursor: '' });
    expectPlaidError(unknownField.body, { error_code: 'UNKNOWN_FIELDS' });
  });

  it('allows 2 calls per Item per minute (RATE_LIMIT after that)', async () => {
    const token = await h.newToken();
    await h.plaid.processorTransactionsRefresh({ processor_token: token });
    await h.plaid.processorTransactionsRefresh({ processor_token: token });
    const refused = await h.post('/processor/transactions/refresh', { processor_token: token });
    expect(refused.status).toBe(429);
    expectPlaidError(refused.body, { error_type: 'RATE_LIMIT_EXCEEDED', error_code: 'RATE_LIMIT' });
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    h.advance(60_000);
    expect((await h.plaid.processorTransactionsRefresh({ processor_token: token })).status).toBe(200);
  });
});

interface FireCase {
  code: string;
  type?: string;
  expectedType: string;
  schemas: string[];
  check?: (body: Record<string, any>, w: WatchedToken) => void;
}

const FIRE_CASES: FireCase[] = [
  {
    code: 'SYNC_UPDATES_AVAILABLE',
    expectedType: 'TRANSACTIONS',
    schemas: ['SyncUpdatesAvailableWebhook', 'ProcessorSyncUpdatesAvailableWebhook'],
    check: (body, w) =>
      expect(body).toMatchObject({ account_id: w.accountId, initial_update_complete: true, historical_update_complete: true }),
  },
  {
    code: 'DEFAULT_UPDATE',
    expectedType: 'TRANSACTIONS',
    schemas: ['DefaultUpdateWebhook', 'ProcessorDefaultUpdateWebhook'],
    check: (body) => expect(body.new_transactions).toBe(0),
  },
  {
    code: 'DEFAULT_UPDATE',
    type: 'TRANSACTIONS',
    expectedType: 'TRANSACTIONS',
    schemas: ['DefaultUpdateWebhook', 'ProcessorDefaultUpdateWebhook'],
  },
  {
    code: 'DEFAULT_UPDATE',
    type: 'AUTH',
    expectedType: 'AUTH',
    schemas: ['AuthDefaultUpdateWebhook'],
    check: (body, w) => expect(body.account_ids_with_updated_auth).toEqual({ [w.accountId]: ['ACCOUNT_NUMBER'] }),
  },
  {
    code: 'DEFAULT_UPDATE',
    type: 'IDENTITY',
    expectedType: 'IDENTITY',
    schemas: ['IdentityDefaultUpdateWebhook'],
    check: (body, w) => expect(body.account_ids_with_updated_identity).toEqual({ [w.accountId]: ['ADDRESSES'] }),
  },
  {
    code: 'INITIAL_UPDATE',
    expectedType: 'TRANSACTIONS',
    schemas: ['InitialUpdateWebhook', 'ProcessorInitialUpdateWebhook'],
    check: (body) => expect(body.new_transactions).toBeGreaterThan(50),
  },
  {
    code: 'HISTORICAL_UPDATE',
    expectedType: 'TRANSACTIONS',
    schemas: ['HistoricalUpdateWebhook', 'ProcessorHistoricalUpdateWebhook'],
    check: (body) => expect(body.new_transactions).toBeGreaterThan(250),
  },
  {
    code: 'ERROR',
    expectedType: 'ITEM',
    schemas: ['ItemErrorWebhook'],
    check: (body) => {
      expect(body.error).toMatchObject({ error_type: 'ITEM_ERROR', error_code: 'ITEM_LOGIN_REQUIRED', status: 400 });
      expect(body.error).not.toHaveProperty('request_id');
    },
  },
  { code: 'ERROR', type: 'ITEM', expectedType: 'ITEM', schemas: ['ItemErrorWebhook'] },
  { code: 'LOGIN_REPAIRED', expectedType: 'ITEM', schemas: ['ItemLoginRepairedWebhook'] },
  {
    code: 'NEW_ACCOUNTS_AVAILABLE',
    expectedType: 'ITEM',
    schemas: ['NewAccountsAvailableWebhook'],
    check: (body) => expect(body.error).toBeNull(),
  },
  {
    code: 'PENDING_EXPIRATION',
    expectedType: 'ITEM',
    schemas: ['PendingExpirationWebhook'],
    check: (body) => expect(body.consent_expiration_time).toBe(new Date(h.now().getTime() + 7 * DAY_MS).toISOString()),
  },
  {
    code: 'PENDING_DISCONNECT',
    expectedType: 'ITEM',
    schemas: ['PendingDisconnectWebhook'],
    check: (body) => {
      expect(body.disconnect_time).toBe(new Date(h.now().getTime() + 7 * DAY_MS).toISOString());
      expect(body.reason).toBe('INSTITUTION_MIGRATION');
    },
  },
  {
    code: 'USER_PERMISSION_REVOKED',
    expectedType: 'ITEM',
    schemas: ['UserPermissionRevokedWebhook'],
    check: (body) => expect(body.error).toMatchObject({ error_type: 'ITEM_ERROR', error_code: 'USER_PERMISSION_REVOKED', status: 400 }),
  },
  {
    code: 'USER_ACCOUNT_REVOKED',
    expectedType: 'ITEM',
    schemas: ['UserAccountRevokedWebhook'],
    check: (body, w) => {
      expect(body.account_id).toBe(w.accountId);
      expect(body.error).toMatchObject({ error_type: 'ITEM_ERROR', error_code: 'ACCESS_NOT_GRANTED' });
    },
  },
];

const FIRE = '/sandbox/processor_token/fire_webhook';

describe('/sandbox/processor_token/fire_webhook', () => {
  it.each(FIRE_CASES)('fires $code (webhook_type $type) as the spec describes it', async (c) => {
    const path = `/fire/${c.code}/${c.type ?? 'default'}`;
    const w = await watchedToken(path);
    const res = await h.post(FIRE, { processor_token: w.token, webhook_code: c.code, ...(c.type ? { webhook_type: c.type } : {}) });
    expect(res.status).toBe(200);
    expectValidPlaid('SandboxItemFireWebhookResponse', res.body);
    expect(res.body.webhook_fired).toBe(true);
    const hook = await receiver.waitForCode(path, c.code);
    expectProcessorWebhook(hook, w, c.schemas);
    expect(hook.json.webhook_type).toBe(c.expectedType);
    c.check?.(hook.json, w);
    await verifyWebhook(h, hook);
  });

  it('accepts the keys in the body, like every endpoint', async () => {
    const w = await watchedToken('/fire-body-keys');
    const res = await h.post(FIRE, { processor_token: w.token, webhook_code: 'LOGIN_REPAIRED', client_id: 'client_a', secret: 'secret_a_0123456789abcdef' }, {});
    expect(res.status).toBe(200);
    await receiver.waitForCode('/fire-body-keys', 'LOGIN_REPAIRED');
  });

  it('only fires: the Item stays healthy after ERROR, and DEFAULT_UPDATE reports what was added since the last one', async () => {
    const w = await watchedToken('/fire-state');
    await h.post(FIRE, { processor_token: w.token, webhook_code: 'ERROR' });
    await receiver.waitForCode('/fire-state', 'ERROR');
    expect((await h.plaid.processorAuthGet({ processor_token: w.token })).status).toBe(200);

    const token = await h.newToken();
    await addTransactions(token, { count: 2 });
    await watch(token, '/fire-counted');
    await h.post(FIRE, { processor_token: token, webhook_code: 'DEFAULT_UPDATE' });
    await h.post(FIRE, { processor_token: token, webhook_code: 'DEFAULT_UPDATE' });
    await settled();
    expect(receiver.at('/fire-counted', 'DEFAULT_UPDATE').map((r) => r.json.new_transactions).sort()).toEqual([0, 2]);
  });

  it('answers INVALID_FIELD to unknown codes, unknown types and a type the code does not have', async () => {
    const token = await h.newToken();
    await watch(token, '/fire-invalid');
    const unknown = await h.post(FIRE, { processor_token: token, webhook_code: 'TELEPORT_COMPLETE' });
    expect(unknown.status).toBe(400);
    expectPlaidError(unknown.body, { error_type: 'INVALID_REQUEST', error_code: 'INVALID_FIELD' });
    expect(unknown.body.error_message).toContain('SYNC_UPDATES_AVAILABLE');
    const badType = await h.post(FIRE, { processor_token: token, webhook_code: 'DEFAULT_UPDATE', webhook_type: 'TELEPORT' });
    expectPlaidError(badType.body, { error_type: 'INVALID_REQUEST', error_code: 'INVALID_FIELD' });
    const mismatch = await h.post(FIRE, { processor_token: token, webhook_code: 'SYNC_UPDATES_AVAILABLE', webhook_type: 'ITEM' });
    expect(mismatch.status).toBe(400);
    expectPlaidError(mismatch.body, { error_type: 'INVALID_REQUEST', error_code: 'INVALID_FIELD' });
    await settled();
    expect(receiver.at('/fire-invalid').map((r) => r.json.webhook_code)).toEqual(['WEBHOOK_UPDATE_ACKNOWLEDGED']);
  });

  it.each([
    { webhook_code: 'RECURRING_TRANSACTIONS_UPDATE' },
    { webhook_code: 'PRODUCT_READY' },
    { webhook_code: 'ERROR', webhook_type: 'ASSETS' },
    { webhook_code: 'DEFAULT_UPDATE', webhook_type: 'HOLDINGS' },
    { webhook_code: 'DEFAULT_UPDATE', webhook_type: 'LIABILITIES' },
  ])('answers SANDBOX_PRODUCT_NOT_ENABLED for a product the Item does not have: %j', async (request) => {
    const token = await h.newToken();
    await watch(token, '/fire-not-enabled');
    const res = await h.post(FIRE, { processor_token: token, ...request });
    expect(res.status).toBe(400);
    expectPlaidError(res.body, { error_type: 'SANDBOX_ERROR', error_code: 'SANDBOX_PRODUCT_NOT_ENABLED' });
  });

  it('answers SANDBOX_WEBHOOK_INVALID when the token has no webhook', async () => {
    const token = await h.newToken();
    const res = await h.post(FIRE, { processor_token: token, webhook_code: 'SYNC_UPDATES_AVAILABLE' });
    expect(res.status).toBe(400);
    expectPlaidError(res.body, { error_type: 'SANDBOX_ERROR', error_code: 'SANDBOX_WEBHOOK_INVALID' });
  });

  it("answers MISSING_FIELDS, UNKNOWN_FIELDS and INVALID_PROCESSOR_TOKEN like Plaid's endpoints", async () => {
    const token = await h.newToken();
    const missing = await h.post(FIRE, { processor_token: token });
    expectPlaidError(missing.body, { error_code: 'MISSING_FIELDS' });
    expect(missing.body.error_message).toContain('webhook_code');
    const accessToken = await h.post(FIRE, { processor_token: token, access_token: 'access-sandbox-x', webhook_code: 'ERROR' });
    expectPlaidError(accessToken.body, { error_code: 'UNKNOWN_FIELDS' });
    const otherClient = await h.post(
      FIRE,
      { processor_token: token, webhook_code: 'ERROR' },
      { 'plaid-client-id': CLIENT_B.clientId, 'plaid-secret': CLIENT_B.secret },
    );
    expectPlaidError(otherClient.body, { error_type: 'INVALID_INPUT', error_code: 'INVALID_PROCESSOR_TOKEN' });
  });
});
