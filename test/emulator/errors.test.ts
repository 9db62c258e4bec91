import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectPlaidError, expectValidPlaid } from '../support/plaid-spec';
import { expectSdkError } from '../support/sdk';
import { CLIENT_A, startEmulatorHarness, type Harness } from './harness';

let h: Harness;
let token: string;
beforeAll(async () => {
  h = await startEmulatorHarness();
  token = await h.newToken();
});
afterAll(() => h.close());

describe('credentials', () => {
  it('accepts client_id/secret in the body instead of headers', async () => {
    const res = await h.post('/processor/auth/get', { processor_token: token, client_id: CLIENT_A.clientId, secret: CLIENT_A.secret }, {});
    expect(res.status).toBe(200);
    expectValidPlaid('ProcessorAuthGetResponse', res.body);
  });

  it('answers INVALID_API_KEYS to a wrong secret or an unknown client', async () => {
    await expectSdkError(h.sdk(CLIENT_A.clientId, 'wrong').processorAuthGet({ processor_token: token }), {
      status: 400,
      error_type: 'INVALID_INPUT',
      error_code: 'INVALID_API_KEYS',
    });
    await expectSdkError(h.sdk('nobody', CLIENT_A.secret).sandboxProcessorTokenCreate({ institution_id: 'ins_109508' }), {
      status: 400,
      error_code: 'INVALID_API_KEYS',
    });
  });

  it('answers MISSING_FIELDS naming client_id and secret when they are absent', async () => {
    const res = await h.post('/processor/auth/get', { processor_token: token }, {});
    expect(res.status).toBe(400);
    expectPlaidError(res.body, { error_type: 'INVALID_REQUEST', error_code: 'MISSING_FIELDS' });
    expect(res.body.error_message).toContain('client_id');
    expect(res.body.error_message).toContain('secret');
    const onlySecret = await h.post('/processor/auth/get', { processor_token: token, client_id: CLIENT_A.clientId }, {});
    expectPlaidError(onlySecret.body, { error_code: 'MISSING_FIELDS' });
    expect(onlySecret.body.error_message).not.toContain('client_id');
  });

  it('never echoes the secret', async () => {
    const res = await h.post('/processor/auth/get', { processor_token: token }, { 'plaid-client-id': CLIENT_A.clientId, 'plaid-secret': 'sekrit-value-xyz' });
    expect(JSON.stringify(res.body)).not.toContain('sekrit-value-xyz');
  });
});

describe('processor tokens', () => {
  it.each(['processor-sandbox-0asd1-a92nc', 'access-sandbox-8c6cd4bd-6b89-4e6a-9c38-8e3c4e3a6f43', 'garbage', ''])(
    'answers INVALID_PROCESSOR_TOKEN to %j',
    async (bad) => {
      await expectSdkError(h.plaid.processorAuthGet({ processor_token: bad }), {
        status: 400,
        error_type: 'INVALID_INPUT',
        error_code: 'INVALID_PROCESSOR_TOKEN',
      });
    },
  );

  it('answers INVALID_PROCESSOR_TOKEN to a well-formed token nobody issued', async () => {
    await expectSdkError(h.plaid.processorBalanceGet({ processor_token: 'processor-sandbox-3f1e8a43-0c1d-4a7b-9d7e-2f8f0e1c5a9b' }), {
      status: 400,
      error_code: 'INVALID_PROCESSOR_TOKEN',
    });
  });

  it("answers INVALID_PROCESSOR_TOKEN to another client's token, on every endpoint", async () => {
    const calls = [
      h.plaidB.processorAuthGet({ processor_token: token }),
      h.plaidB.processorIdentityMatch({ processor_token: token }),
      h.plaidB.processorTransactionsSync({ processor_token: token }),
      h.plaidB.processorTokenPermissionsGet({ processor_token: token }),
      h.plaidB.processorTokenWebhookUpdate({ processor_token: token, webhook: null as unknown as string }),
    ];
    for (const call of calls) await expectSdkError(call, { status: 400, error_code: 'INVALID_PROCESSOR_TOKEN' });
    const control = await h.post('/sandbox/processor_token/reset_login', { processor_token: token }, {
      'plaid-client-id': 'client_b',
      'plaid-secret': 'secret_b_0123456789abcdef',
    });
    expectPlaidError(control.body, { error_code: 'INVALID_PROCESSOR_TOKEN' });
  });
});

describe('permission sets', () => {
  it('start as [] (every product), and narrowing refuses other products with INVALID_PRODUCT', async () => {
    const t = await h.newToken();
    const initial = await h.plaid.processorTokenPermissionsGet({ processor_token: t });
    expectValidPlaid('ProcessorTokenPermissionsGetResponse', initial.data);
    expect(initial.data.products).toEqual([]);

    const set = await h.plaid.processorTokenPermissionsSet({ processor_token: t, products: ['auth', 'balance'] as any });
    expectValidPlaid('ProcessorTokenPermissionsSetResponse', set.data);
    expect((await h.plaid.processorTokenPermissionsGet({ processor_token: t })).data.products).toEqual(['auth', 'balance']);

    await h.plaid.processorAuthGet({ processor_token: t });
    await h.plaid.processorBalanceGet({ processor_token: t });
    const refused = [
      h.plaid.processorIdentityGet({ processor_token: t }),
      h.plaid.processorIdentityMatch({ processor_token: t }),
      h.plaid.processorSignalEvaluate({ processor_token: t, client_transaction_id: 'p', amount: 1 }),
      h.plaid.processorSignalDecisionReport({ processor_token: t, client_transaction_id: 'p', initiated: true }),
      h.plaid.processorSignalReturnReport({ processor_token: t, client_transaction_id: 'p', return_code: 'R01' }),
      h.plaid.processorTransactionsSync({ processor_token: t }),
    ];
    for (const call of refused) await expectSdkError(call, { status: 400, error_type: 'INVALID_INPUT', error_code: 'INVALID_PRODUCT' });

    await h.plaid.processorTokenPermissionsSet({ processor_token: t, products: [] });
    const sync = await h.plaid.processorTransactionsSync({ processor_token: t, count: 1 });
    expect(sync.data.added).toHaveLength(1);
  });

  it('identity_match grants identity match', async () => {
    const t = await h.newToken();
    await h.plaid.processorTokenPermissionsSet({ processor_token: t, products: ['identity_match'] as any });
    const { data } = await h.plaid.processorIdentityMatch({ processor_token: t, user: { legal_name: 'Alberta Charleson' } });
    expectValidPlaid('ProcessorIdentityMatchResponse', data);
    await expectSdkError(h.plaid.processorAuthGet({ processor_token: t }), { status: 400, error_code: 'INVALID_PRODUCT' });
  });

  it('refuses unknown product names with INVALID_FIELD', async () => {
    await expectSdkError(h.plaid.processorTokenPermissionsSet({ processor_token: token, products: ['teleportation'] as any }), {
      status: 400,
      error_code: 'INVALID_FIELD',
    });
  });
});

describe('Items in error', () => {
  it('error_ITEM_LOCKED: creation itself fails with ITEM_LOCKED, no token is issued', async () => {
    await expectSdkError(
      h.plaid.sandboxProcessorTokenCreate({ institution_id: 'ins_109508', options: { override_username: 'user_good', override_password: 'error_ITEM_LOCKED' } }),
      { status: 400, error_type: 'ITEM_ERROR', error_code: 'ITEM_LOCKED' },
    );
  });

  it('error_INSTITUTION_DOWN fails creation with an INSTITUTION_ERROR, error_INTERNAL_SERVER_ERROR with a 500 API_ERROR', async () => {
    await expectSdkError(h.newToken({ password: 'error_INSTITUTION_DOWN' }), { status: 400, error_type: 'INSTITUTION_ERROR', error_code: 'INSTITUTION_DOWN' });
    await expectSdkError(h.newToken({ password: 'error_INTERNAL_SERVER_ERROR' }), { status: 500, error_type: 'API_ERROR', error_code: 'INTERNAL_SERVER_ERROR' });
  });

  it('error_NO_AUTH_ACCOUNTS (returned on existing Items): the token is issued, data calls answer it, token management still works', async () => {
    const t = await h.newToken({ password: 'error_NO_AUTH_ACCOUNTS' });
    for (const call of [
      h.plaid.processorAuthGet({ processor_token: t }),
      h.plaid.processorBalanceGet({ processor_token: t }),
      h.plaid.processorIdentityGet({ processor_token: t }),
      h.plaid.processorTransactionsSync({ processor_token: t }),
    ]) {
      await expectSdkError(call, { status: 400, error_type: 'ITEM_ERROR', error_code: 'NO_AUTH_ACCOUNTS' });
    }
    const perms = await h.plaid.processorTokenPermissionsGet({ processor_token: t });
    expect(perms.status).toBe(200);
  });

  it('Unhealthy Platypus Bank - Down (ins_132361) answers INSTITUTION_DOWN', async () => {
    const t = await h.newToken({ institution_id: 'ins_132361' });
    await expectSdkError(h.plaid.processorBalanceGet({ processor_token: t }), { status: 400, error_code: 'INSTITUTION_DOWN' });
  });

  it('reset_login forces ITEM_LOGIN_REQUIRED until repair', async () => {
    const t = await h.newToken();
    await h.plaid.processorAuthGet({ processor_token: t });
    const reset = await h.post('/sandbox/processor_token/reset_login', { processor_token: t });
    expect(reset.status).toBe(200);
    expect(reset.body).toMatchObject({ reset_login: true, request_id: expect.any(String) });
    const { body: err } = await expectSdkError(h.plaid.processorAuthGet({ processor_token: t }), {
      status: 400,
      error_type: 'ITEM_ERROR',
      error_code: 'ITEM_LOGIN_REQUIRED',
    });
    // Plaid's documented ITEM_LOGIN_REQUIRED body has display_message null.
    expect(err.display_message).toBeNull();
    // Signal still scores, with an ITEM_LOGIN_REQUIRED warning instead of an error.
    const signal = await h.plaid.processorSignalEvaluate({ processor_token: t, client_transaction_id: 'x', amount: 1 });
    expect(signal.data.warnings?.map((w) => w.warning_code)).toEqual(['ITEM_LOGIN_REQUIRED']);
    const repaired = await h.post('/sandbox/processor_token/repair', { processor_token: t });
    expect(repaired.body).toMatchObject({ repaired: true });
    expect((await h.plaid.processorAuthGet({ processor_token: t })).status).toBe(200);
  });

  it('error_ITEM_LOGIN_REQUIRED at creation behaves like reset_login', async () => {
    const t = await h.newToken({ password: 'error_ITEM_LOGIN_REQUIRED' });
    await expectSdkError(h.plaid.processorIdentityMatch({ processor_token: t }), { status: 400, error_code: 'ITEM_LOGIN_REQUIRED' });
  });
});

describe('malformed requests', () => {
  it('answers INVALID_BODY to a body that is not JSON, is empty, or is not an object', async () => {
    for (const body of ['{not json', '', '[1,2]', '"text"']) {
      const res = await h.post('/processor/auth/get', body);
      expect(res.status).toBe(400);
      expectPlaidError(res.body, { error_type: 'INVALID_REQUEST', error_code: 'INVALID_BODY' });
    }
  });

  it('answers MISSING_FIELDS, INVALID_FIELD and UNKNOWN_FIELDS', async () => {
    const missing = await h.post('/processor/signal/evaluate', { processor_token: token });
    expectPlaidError(missing.body, { error_code: 'MISSING_FIELDS' });
    expect(missing.body.error_message).toContain('client_transaction_id');
    expect(missing.body.error_message).toContain('amount');

    const wrongType = await h.post('/processor/auth/get', { processor_token: 42 });
    expectPlaidError(wrongType.body, { error_code: 'INVALID_FIELD' });

    const unknown = await h.post('/processor/auth/get', { processor_token: token, surprise: true });
    expectPlaidError(unknown.body, { error_code: 'UNKNOWN_FIELDS' });
    expect(unknown.body.error_message).toContain('surprise');

    const nested = await h.post('/processor/transactions/sync', { processor_token: token, options: { extra: 1 } });
    expectPlaidError(nested.body, { error_code: 'UNKNOWN_FIELDS' });
    expect(nested.body.error_message).toContain('options.extra');
  });

  it('answers 413 INVALID_BODY to a body over the limit', async () => {
    const res = await h.post('/processor/auth/get', JSON.stringify({ processor_token: token, pad: 'x'.repeat(1024 * 1024 + 10) }));
    expect(res.status).toBe(413);
    expectPlaidError(res.body, { error_code: 'INVALID_BODY' });
  });

  it('answers NOT_FOUND (HTTP 400) to an unknown route or a GET', async () => {
    const unknown = await h.post('/processor/teleport', { processor_token: token });
    expect(unknown.status).toBe(400);
    expectPlaidError(unknown.body, { error_type: 'INVALID_REQUEST', error_code: 'NOT_FOUND' });
    const get = await fetch(`${h.url}/processor/auth/get`);
    expect(get.status).toBe(400);
    expectPlaidError(await get.json(), { error_code: 'NOT_FOUND' });
  });
});

describe('rate limits', () => {
  it('per Item: the 26th balance call in a minute answers 429 BALANCE_LIMIT with Retry-After, and the window slides', async () => {
    const t = await h.newToken();
    for (let i = 0; i < 25; i++) await h.plaid.processorBalanceGet({ processor_token: t });
    const { body: err } = await expectSdkError(h.plaid.processorBalanceGet({ processor_token: t }), {
      status: 429,
      error_type: 'RATE_LIMIT_EXCEEDED',
      error_code: 'BALANCE_LIMIT',
    });
    expect(err.error_message).toContain('item');
    const raw = await h.post('/processor/balance/get', { processor_token: t });
    expect(raw.status).toBe(429);
    expect(Number(raw.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(Number(raw.headers.get('retry-after'))).toBeLessThanOrEqual(60);
    // Another Item of the same client is not affected.
    expect((await h.plaid.processorBalanceGet({ processor_token: await h.newToken() })).status).toBe(200);
    h.advance(61_000);
    expect((await h.plaid.processorBalanceGet({ processor_token: t })).status).toBe(200);
  });

  it('per client: ACCOUNTS_BALANCE_GET_LIMIT after 100 balance calls a minute across Items', async () => {
    h.advance(120_000);
    const tokens = await Promise.all(Array.from({ length: 5 }, () => h.newToken()));
    for (let i = 0; i < 100; i++) await h.plaid.processorBalanceGet({ processor_token: tokens[i % 5]! });
    await expectSdkError(h.plaid.processorBalanceGet({ processor_token: tokens[0]! }), {
      status: 429,
      error_code: 'ACCOUNTS_BALANCE_GET_LIMIT',
    });
    // Client B has its own budget.
    const other = await h.plaidB.sandboxProcessorTokenCreate({ institution_id: 'ins_109508' });
    expect((await h.plaidB.processorBalanceGet({ processor_token: other.data.processor_token })).status).toBe(200);
    h.advance(120_000);
  });

  it('transactions sync answers TRANSACTIONS_SYNC_LIMIT after 50 calls per Item per minute', async () => {
    const t = await h.newToken();
    for (let i = 0; i < 50; i++) await h.plaid.processorTransactionsSync({ processor_token: t, cursor: 'now' });
    await expectSdkError(h.plaid.processorTransactionsSync({ processor_token: t, cursor: 'now' }), {
      status: 429,
      error_code: 'TRANSACTIONS_SYNC_LIMIT',
    });
  });

  it('signal evaluate: 10 per transaction per hour (RATE_LIMIT)', async () => {
    const t = await h.newToken();
    for (let i = 0; i < 10; i++) await h.plaid.processorSignalEvaluate({ processor_token: t, client_transaction_id: 'hot', amount: 5 });
    await expectSdkError(h.plaid.processorSignalEvaluate({ processor_token: t, client_transaction_id: 'hot', amount: 5 }), {
      status: 429,
      error_code: 'RATE_LIMIT',
    });
    expect((await h.plaid.processorSignalEvaluate({ processor_token: t, client_transaction_id: 'cold', amount: 5 })).status).toBe(200);
    h.advance(3600_000);
    expect((await h.plaid.processorSignalEvaluate({ processor_token: t, client_transaction_id: 'hot', amount: 5 })).status).toBe(200);
  });

  it('are off with rateLimits: false', async () => {
    const off = await startEmulatorHarness({ rateLimits: false });
    try {
      const t = await off.newToken();
      for (let i = 0; i < 30; i++) expect((await off.plaid.processorBalanceGet({ processor_token: t })).status).toBe(200);
    } finally {
      await off.close();
    }
  });
});
