import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, call, startTestStack, type TestStack } from '../support/stack';
import { admin, createPartner } from '../support/tenants';

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => stack?.close());

const valid = { name: 'Dwolla', processor: 'dwolla', plaid: { client_id: 'plaid_c', secret: 'plaid_s' } };

function expectPlaidError(res: { status: number; body: any }, type: string, code: string) {
  expect(res.status).toBe(400);
  expect(res.body).toMatchObject({ error_type: type, error_code: code, request_id: expect.any(String) });
  expect(typeof res.body.error_message).toBe('string');
  expect(res.body).toHaveProperty('display_message');
}

describe('POST /admin/partners: bad bodies', () => {
  it.each([
    ['missing name', { processor: 'dwolla', plaid: valid.plaid }, 'MISSING_FIELDS', /name/],
    ['missing plaid.secret', { ...valid, plaid: { client_id: 'x' } }, 'MISSING_FIELDS', /plaid\.secret/],
    ['unknown top-level field', { ...valid, extra: 1 }, 'UNKNOWN_FIELDS', /extra/],
    ['unknown plaid field', { ...valid, plaid: { ...valid.plaid, env: 'x' } }, 'UNKNOWN_FIELDS', /plaid\.env/],
    ['processor not a Plaid value', { ...valid, processor: 'paypal' }, 'INVALID_FIELD', /processor/],
    ['name of wrong type', { ...valid, name: 42 }, 'INVALID_FIELD', /name/],
    ['empty name', { ...valid, name: '  ' }, 'INVALID_FIELD', /name/],
    ['empty products', { ...valid, products: [] }, 'INVALID_FIELD', /products/],
    [
      'rate limit on a path that is not a partner endpoint',
      { ...valid, rate_limits: { partner: { '/processor/stripe/bank_account_token/create': { limit: 1, window_seconds: 1 } } } },
      'UNKNOWN_FIELDS',
      /rate_limits\.partner/,
    ],
    ['unknown rate-limit scope', { ...valid, rate_limits: { item: {} } }, 'UNKNOWN_FIELDS', /rate_limits\.item/],
    [
      'limit 0',
      { ...valid, rate_limits: { token: { '/processor/auth/get': { limit: 0, window_seconds: 60 } } } },
      'INVALID_FIELD',
      /limit/,
    ],
    [
      'window over a day',
      { ...valid, rate_limits: { token: { '/processor/auth/get': { limit: 1, window_seconds: 86_401 } } } },
      'INVALID_FIELD',
      /window_seconds/,
    ],
    [
      'fractional limit',
      { ...valid, rate_limits: { partner: { '/processor/auth/get': { limit: 1.5, window_seconds: 60 } } } },
      'INVALID_FIELD',
      /limit/,
    ],
    [
      'rule missing window_seconds',
      { ...valid, rate_limits: { partner: { '/processor/auth/get': { limit: 1 } } } },
      'MISSING_FIELDS',
      /window_seconds/,
    ],
  ])('%s', async (_name, body, code, message) => {
    const res = await admin(stack, 'POST', '/admin/partners', body);
    expectPlaidError(res, 'INVALID_REQUEST', code);
    expect(res.body.error_message).toMatch(message);
  });

  it('an unknown product answers INVALID_PRODUCT', async () => {
    const res = await admin(stack, 'POST', '/admin/partners', { ...valid, products: ['auth', 'crypto'] });
    expectPlaidError(res, 'INVALID_INPUT', 'INVALID_PRODUCT');
  });

  it('malformed JSON answers INVALID_BODY', async () => {
    const res = await call(stack.app, 'POST', '/admin/partners', { rawBody: '{"name":', headers: bearer(stack.adminKey) });
    expectPlaidError(res, 'INVALID_REQUEST', 'INVALID_BODY');
  });

  it('a JSON array body answers INVALID_BODY', async () => {
    const res = await admin(stack, 'POST', '/admin/partners', [valid]);
    expectPlaidError(res, 'INVALID_REQUEST', 'INVALID_BODY');
  });

  it('error messages never echo the Plaid secret', async () => {
    const res = await admin(stack, 'POST', '/admin/partners', { ...valid, plaid: { client_id: 'c', secret: 'TOPSECRET' }, processor: 'x' });
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body)).not.toContain('TOPSECRET');
  });
});

describe('unknown partner ids', () => {
  it.each([
    ['GET', '/admin/partners/ptn_doesnotexist', undefined],
    ['PATCH', '/admin/partners/ptn_doesnotexist', { disabled: true }],
    ['POST', '/admin/partners/ptn_doesnotexist/rotate_secret', {}],
  ])('%s %s → 400 INVALID_REQUEST/NOT_FOUND', async (method, path, body) => {
    const res = await admin(stack, method, path, body);
    expectPlaidError(res, 'INVALID_REQUEST', 'NOT_FOUND');
    expect(res.body.error_message).toMatch(/partner_id/);
  });
});

describe('PATCH /admin/partners/{partner_id}: bad bodies', () => {
  it('an empty patch answers MISSING_FIELDS naming the updatable fields', async () => {
    const { id } = await createPartner(stack);
    const res = await admin(stack, 'PATCH', `/admin/partners/${id}`, {});
    expectPlaidError(res, 'INVALID_REQUEST', 'MISSING_FIELDS');
    expect(res.body.error_message).toMatch(/products/);
  });

  it('rejects fields that cannot change (processor, client_id, secret)', async () => {
    const { id } = await createPartner(stack);
    for (const body of [{ processor: 'moov' }, { client_id: 'x' }, { secret: 'x' }]) {
      const res = await admin(stack, 'PATCH', `/admin/partners/${id}`, body);
      expectPlaidError(res, 'INVALID_REQUEST', 'UNKNOWN_FIELDS');
    }
    const after = await admin(stack, 'GET', `/admin/partners/${id}`);
    expect(after.body.processor).toBe('dwolla');
  });

  it('disabled must be a boolean; products must be known', async () => {
    const { id } = await createPartner(stack);
    expectPlaidError(await admin(stack, 'PATCH', `/admin/partners/${id}`, { disabled: 'yes' }), 'INVALID_REQUEST', 'INVALID_FIELD');
    expectPlaidError(await admin(stack, 'PATCH', `/admin/partners/${id}`, { products: ['nope'] }), 'INVALID_INPUT', 'INVALID_PRODUCT');
    const after = await admin(stack, 'GET', `/admin/partners/${id}`);
    expect(after.body.disabled).toBe(false);
    expect(after.body.products).toHaveLength(5);
  });

  it('rotate_secret takes an empty object and nothing else', async () => {
    const { id } = await createPartner(stack);
    const res = await admin(stack, 'POST', `/admin/partners/${id}/rotate_secret`, { secret: 'chosen' });
    expectPlaidError(res, 'INVALID_REQUEST', 'UNKNOWN_FIELDS');
  });
});

describe('unknown admin routes', () => {
  it('an unknown /admin path answers NOT_FOUND for the operator', async () => {
    const res = await admin(stack, 'GET', '/admin/tokens');
    expectPlaidError(res, 'INVALID_REQUEST', 'NOT_FOUND');
  });

  it('DELETE is not a route', async () => {
    const { id } = await createPartner(stack);
    const res = await admin(stack, 'DELETE', `/admin/partners/${id}`);
    expectPlaidError(res, 'INVALID_REQUEST', 'NOT_FOUND');
    expect((await admin(stack, 'GET', `/admin/partners/${id}`)).status).toBe(200);
  });
});
