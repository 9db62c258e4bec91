/**
 * Error cases of the partner endpoints: every denial reason, authentication,
 * malformed bodies, Plaid errors passing through, and the gateway's rate limits.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newGatewayToken } from '../../src/tenancy/tokens';
import { expectPlaidError } from '../support/plaid-spec';
import { OTHER_PLAID_CLIENT, type TestStack } from '../support/stack';
import { auditRecordFor } from '../support/audit';
import { createPartner, disablePartner, type Fintech, importToken, type Keys, mintRawToken, type Partner, plaidHeaders, revokeToken, setTokenProducts, startWorldWithToken, type Token } from '../support/tenants';
import { emulatorPost, httpPost } from '../support/http';
import { expectSdkError, plaidSdk } from '../support/sdk';

let stack: TestStack;
let partner: Partner;
let fintech: Fintech;
let token: Token;

beforeAll(async () => {
  ({ stack, partner, fintech, token } = await startWorldWithToken({ http: true }));
});
afterAll(async () => stack?.close());

const authGet = (processorToken: string, who: Keys = partner) =>
  httpPost(stack, '/processor/auth/get', { processor_token: processorToken }, plaidHeaders(who));

describe('tokens the partner may not use answer INVALID_PROCESSOR_TOKEN, whatever the reason', () => {
  it('refuses unknown, malformed, raw Plaid, revoked and other partners\u2019 tokens with one identical error', async () => {
    const other = await createPartner(stack);
    const otherToken = await importToken(stack, { partner: other, fintech });
    const revoked = await importToken(stack, { partner, fintech });
    await revokeToken(stack, revoked);
    const rawPlaid = await mintRawToken(stack);

    const cases: Array<[string, string, string | null]> = [
      ['unknown', newGatewayToken(), null],
      ['malformed', 'not-a-token', null],
      ['raw Plaid token', rawPlaid, null],
      ['other partner', otherToken.gatewayToken, null],
      ['revoked', revoked.gatewayToken, revoked.tokenId],
    ];
    const reasons: Record<string, string> = {
      unknown: 'token_unknown',
      malformed: 'token_malformed',
      'raw Plaid token': 'token_malformed',
      'other partner': 'token_other_partner',
      revoked: 'token_revoked',
    };
    const bodies: unknown[] = [];
    const denialHeaders: Array<string | null> = [];
    for (const [name, presented, tokenId] of cases) {
      const res = await authGet(presented);
      denialHeaders.push(res.headers.get('ratelimit'));
      expect(res.status, name).toBe(400);
      expectPlaidError(res.body, { error_type: 'INVALID_INPUT', error_code: 'INVALID_PROCESSOR_TOKEN' });
      const { request_id, ...rest } = res.body;
      bodies.push(rest);
      const record = await auditRecordFor(stack, request_id);
      expect(record, name).toMatchObject({
        action: 'partner.call',
        partnerId: partner.id,
        decision: 'deny',
        reason: reasons[name],
        product: 'auth',
        tokenId,
        plaidStatus: null,
        plaidRequestId: null,
      });
      // Another partner's token: nothing about its owner lands in this partner's record.
      if (name === 'other partner') expect(record.fintechId).toBeNull();
    }
    for (const body of bodies) expect(body).toEqual(bodies[0]);
    // Denials never count in the rate limits (the RateLimit headers come only from a count).
    for (const header of denialHeaders) expect(header).toBeNull();
  });

  it('refuses through the official SDK the same way', async () => {
    await expectSdkError(plaidSdk(stack.url, partner).processorBalanceGet({ processor_token: newGatewayToken() }), {
      status: 400,
      error_type: 'INVALID_INPUT',
      error_code: 'INVALID_PROCESSOR_TOKEN',
    });
  });
});

describe('products outside the permission set or the partner cap answer INVALID_PRODUCT', () => {
  it('refuses a product missing from the token permission set, allows the listed ones', async () => {
    const narrowed = await importToken(stack, { partner, fintech, products: ['auth'] });
    const sdk = plaidSdk(stack.url, partner);
    expect((await sdk.processorAuthGet({ processor_token: narrowed.gatewayToken })).status).toBe(200);
    const { body } = await expectSdkError(sdk.processorBalanceGet({ processor_token: narrowed.gatewayToken }), {
      status: 400,
      error_type: 'INVALID_INPUT',
      error_code: 'INVALID_PRODUCT',
    });
    expect(body.error_message).toContain('balance');
    const record = await auditRecordFor(stack, body.request_id);
    expect(record).toMatchObject({ decision: 'deny', reason: 'product_not_in_token_permissions', tokenId: narrowed.tokenId, product: 'balance' });

    // Narrowing takes effect on the next call; an empty set means every product.
    await setTokenProducts(stack, narrowed, ['balance']);
    await expectSdkError(sdk.processorAuthGet({ processor_token: narrowed.gatewayToken }), { status: 400, error_code: 'INVALID_PRODUCT' });
    await setTokenProducts(stack, narrowed, []);
    expect((await sdk.processorAuthGet({ processor_token: narrowed.gatewayToken })).status).toBe(200);
  });

  it('refuses a product outside the partner cap even when the token allows everything', async () => {
    const capped = await createPartner(stack, { products: ['auth', 'transactions'] });
    const capToken = await importToken(stack, { partner: capped, fintech });
    const { body } = await expectSdkError(
      plaidSdk(stack.url, capped).processorSignalEvaluate({ processor_token: capToken.gatewayToken, client_transaction_id: 't1', amount: 10 }),
      { status: 400, error_type: 'INVALID_INPUT', error_code: 'INVALID_PRODUCT' },
    );
    const record = await auditRecordFor(stack, body.request_id);
    expect(record).toMatchObject({ decision: 'deny', reason: 'product_not_in_partner_cap', product: 'signal' });
  });

  it('lets identity_match in a permission set grant /processor/identity/match (and nothing else)', async () => {
    const matchOnly = await importToken(stack, { partner, fintech, products: ['identity_match'] });
    const sdk = plaidSdk(stack.url, partner);
    const { data } = await sdk.processorIdentityMatch({ processor_token: matchOnly.gatewayToken, user: { legal_name: 'Alberta Charleson' } });
    expect(data.account.account_id).toBeTruthy();
    await expectSdkError(sdk.processorAuthGet({ processor_token: matchOnly.gatewayToken }), { status: 400, error_code: 'INVALID_PRODUCT' });
  });
});

describe('authentication', () => {
  it('refuses missing keys, a wrong secret, a fintech\u2019s keys and a disabled partner', async () => {
    const noKeys = await httpPost(stack, '/processor/auth/get', { processor_token: token.gatewayToken });
    expect(noKeys.status).toBe(400);
    expectPlaidError(noKeys.body, { error_type: 'INVALID_REQUEST', error_code: 'MISSING_FIELDS' });

    const wrong = await authGet(token.gatewayToken, { clientId: partner.clientId, secret: 'wrong-secret' });
    expect(wrong.status).toBe(400);
    expectPlaidError(wrong.body, { error_type: 'INVALID_INPUT', error_code: 'INVALID_API_KEYS' });
    expect((await auditRecordFor(stack, wrong.body.request_id)).action).toBe('auth.failed');

    const asFintech = await authGet(token.gatewayToken, fintech);
    expectPlaidError(asFintech.body, { error_code: 'INVALID_API_KEYS' });

    const disabled = await createPartner(stack);
    const disabledToken = await importToken(stack, { partner: disabled, fintech });
    expect((await authGet(disabledToken.gatewayToken, disabled)).status).toBe(200);
    await disablePartner(stack, disabled);
    const res = await authGet(disabledToken.gatewayToken, disabled);
    expectPlaidError(res.body, { error_code: 'INVALID_API_KEYS' });
    expect(res.headers.get('ratelimit')).toBeNull();
  });
});

describe('malformed bodies get INVALID_REQUEST and never go upstream', () => {
  const cases: Array<[string, string, unknown, string]> = [
    ['not JSON', '/processor/auth/get', '{"processor_token": ', 'INVALID_BODY'],
    ['a JSON array', '/processor/auth/get', '[1,2]', 'INVALID_BODY'],
    ['empty', '/processor/auth/get', '', 'INVALID_BODY'],
    ['missing processor_token', '/processor/auth/get', {}, 'MISSING_FIELDS'],
    ['missing amount', '/processor/signal/evaluate', { processor_token: 'x', client_transaction_id: 't' }, 'MISSING_FIELDS'],
    ['processor_token of the wrong type', '/processor/balance/get', { processor_token: 42 }, 'INVALID_FIELD'],
    ['amount as a string', '/processor/signal/evaluate', { processor_token: 'x', client_transaction_id: 't', amount: '10' }, 'INVALID_FIELD'],
    ['initiated as a string', '/processor/signal/decision/report', { processor_token: 'x', client_transaction_id: 't', initiated: 'yes' }, 'INVALID_FIELD'],
    ['a malformed return_code', '/processor/signal/return/report', { processor_token: 'x', client_transaction_id: 't', return_code: 'X1' }, 'INVALID_FIELD'],
    ['count over 500', '/processor/transactions/sync', { processor_token: 'x', count: 501 }, 'INVALID_FIELD'],
    ['an unknown top-level field', '/processor/auth/get', { processor_token: 'x', access_token: 'y' }, 'UNKNOWN_FIELDS'],
    ['an unknown nested field', '/processor/identity/match', { processor_token: 'x', user: { nickname: 'y' } }, 'UNKNOWN_FIELDS'],
  ];

  it.each(cases)('%s', async (_name, path, body, code) => {
    const res = await httpPost(stack, path, body, plaidHeaders(partner));
    expect(res.status).toBe(400);
    expectPlaidError(res.body, { error_type: 'INVALID_REQUEST', error_code: code });
    expect(res.headers.get('ratelimit')).toBeNull();
    // An unreadable body is refused before authentication (no audited principal yet).
    if (code === 'INVALID_BODY') return;
    const record = await auditRecordFor(stack, res.body.request_id);
    expect(record).toMatchObject({ action: 'partner.call', decision: 'deny', reason: code, plaidStatus: null });
  });

  it('answers 413 INVALID_BODY to a body over the size limit', async () => {
    const res = await httpPost(stack, '/processor/auth/get', { processor_token: 'x'.repeat(1024 * 1024 + 10) }, plaidHeaders(partner));
    expect(res.status).toBe(413);
    expectPlaidError(res.body, { error_code: 'INVALID_BODY' });
  });

  it('records unknown field names in the audit record, not their values', async () => {
    const res = await httpPost(stack, '/processor/auth/get', { processor_token: token.gatewayToken, extra_field: 'VALUE-123' }, plaidHeaders(partner));
    expect(res.body.error_code).toBe('UNKNOWN_FIELDS');
    const record = await auditRecordFor(stack, res.body.request_id);
    expect(record).toMatchObject({ action: 'partner.call', product: 'auth', reason: 'UNKNOWN_FIELDS' });
    expect(record.details).toEqual({ fields_present: ['extra_field', 'processor_token'] });
    expect(JSON.stringify(record)).not.toContain('VALUE-123');
  });
});

describe("Plaid's errors pass through with the gateway's request_id", () => {
  it('ITEM_LOGIN_REQUIRED after the Item needs a new login', async () => {
    const broken = await importToken(stack, { partner, fintech });
    expect((await emulatorPost(stack, '/sandbox/processor_token/reset_login', { processor_token: broken.rawToken })).status).toBe(200);
    const { body, headers } = await expectSdkError(plaidSdk(stack.url, partner).processorAuthGet({ processor_token: broken.gatewayToken }), {
      status: 400,
      error_type: 'ITEM_ERROR',
      error_code: 'ITEM_LOGIN_REQUIRED',
    });
    expect(body.request_id).toBe(headers['x-request-id']);
    const record = await auditRecordFor(stack, body.request_id);
    expect(record).toMatchObject({ decision: 'allow', reason: 'plaid_ITEM_LOGIN_REQUIRED', plaidStatus: 400, httpStatus: 400 });
    expect(record.plaidRequestId).toBeTruthy();
    expect(record.plaidRequestId).not.toBe(body.request_id);
  });

  it("INVALID_PROCESSOR_TOKEN from Plaid when the partner's Plaid keys do not own the raw token", async () => {
    const foreign = await importToken(stack, { partner, fintech, rawToken: await mintRawToken(stack, { plaid: OTHER_PLAID_CLIENT }) });
    const { body } = await expectSdkError(plaidSdk(stack.url, partner).processorAuthGet({ processor_token: foreign.gatewayToken }), {
      status: 400,
      error_code: 'INVALID_PROCESSOR_TOKEN',
    });
    expect((await auditRecordFor(stack, body.request_id)).reason).toBe('plaid_INVALID_PROCESSOR_TOKEN');
  });

  it('INVALID_API_KEYS from Plaid when the partner\u2019s Plaid keys are wrong', async () => {
    const badKeys = await createPartner(stack, { plaid: { clientId: OTHER_PLAID_CLIENT.clientId, secret: 'not-the-secret' } });
    const t = await importToken(stack, { partner: badKeys, fintech, rawToken: await mintRawToken(stack) });
    const res = await authGet(t.gatewayToken, badKeys);
    expect(res.status).toBe(400);
    expectPlaidError(res.body, { error_code: 'INVALID_API_KEYS' });
    expect((await auditRecordFor(stack, res.body.request_id)).reason).toBe('plaid_INVALID_API_KEYS');
  });
});

describe('gateway rate limits', () => {
  let limited: Partner;
  let limitedToken: Token;
  beforeAll(async () => {
    limited = await createPartner(stack, {
      rate_limits: {
        token: { '/processor/auth/get': { limit: 3, window_seconds: 60 } },
        partner: { '/processor/signal/evaluate': { limit: 1, window_seconds: 60 } },
      },
    });
    limitedToken = await importToken(stack, { partner: limited, fintech });
  });

  it("counts with the partner's overrides and sends the RateLimit headers", async () => {
    const res = await authGet(limitedToken.gatewayToken, limited);
    expect(res.status).toBe(200);
    expect(res.headers.get('ratelimit')).toMatch(/^limit=3, remaining=2, reset=\d+$/);
    expect(res.headers.get('ratelimit-policy')).toBe('3;w=60, 12000;w=60');
  });

  it('answers 429 RATE_LIMIT_EXCEEDED with the endpoint code and headers, and records the scope', async () => {
    while ((await authGet(limitedToken.gatewayToken, limited)).status === 200) {
      /* spend the token's 3 calls */
    }
    const { body, headers } = await expectSdkError(
      plaidSdk(stack.url, limited).processorAuthGet({ processor_token: limitedToken.gatewayToken }),
      { status: 429, error_type: 'RATE_LIMIT_EXCEEDED', error_code: 'AUTH_LIMIT' },
    );
    expect(Number(headers['retry-after'])).toBeGreaterThan(0);
    expect(headers['ratelimit']).toMatch(/^limit=3, remaining=0, reset=\d+$/);
    expect(headers['ratelimit-policy']).toBe('3;w=60, 12000;w=60');
    const record = await auditRecordFor(stack, body.request_id);
    expect(record).toMatchObject({ decision: 'deny', reason: 'rate_limited_token', httpStatus: 429, plaidStatus: null });
  });

  it('uses RATE_LIMIT where Plaid names no code, and records a partner-scope refusal', async () => {
    const evaluate = () =>
      httpPost(stack, '/processor/signal/evaluate', { processor_token: limitedToken.gatewayToken, client_transaction_id: 't', amount: 1 }, plaidHeaders(limited));
    expect((await evaluate()).status).toBe(200);
    const res = await evaluate();
    expect(res.status).toBe(429);
    expectPlaidError(res.body, { error_type: 'RATE_LIMIT_EXCEEDED', error_code: 'RATE_LIMIT' });
    expect((await auditRecordFor(stack, res.body.request_id)).reason).toBe('rate_limited_partner');
  });
});
