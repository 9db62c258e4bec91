import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { processorTokens } from '../../src/db/schema';
import { call, type TestStack } from '../support/stack';
import { admin, type Client, clientCall, createPartner, importToken, mintRawToken, plaidHeaders, startWorld } from '../support/tenants';

let stack: TestStack;
let partner: Client;
let fintech: Client;
beforeAll(async () => {
  ({ stack, partner, fintech } = await startWorld());
});
afterAll(async () => stack?.close());

const path = '/gateway/processor_token/import';

async function tokenCount() {
  return (await stack.deps.db.select({ id: processorTokens.id }).from(processorTokens)).length;
}

describe('import: invalid raw tokens answer INVALID_PROCESSOR_TOKEN and store nothing', () => {
  it.each([
    ['not a processor token', 'access-sandbox-123e4567-e89b-12d3-a456-426614174000'],
    ['empty identifier', 'processor-sandbox-'],
    ['unknown environment', `processor-staging-${randomUUID()}`],
    ['a production token while the gateway talks to the emulator', `processor-production-${randomUUID()}`],
    ['whitespace inside', `processor-sandbox-${randomUUID()} x`],
  ])('%s', async (_name, raw) => {
    const before = await tokenCount();
    const res = await clientCall(stack, fintech, path, { processor_token: raw, partner_id: partner.id });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error_type: 'INVALID_INPUT', error_code: 'INVALID_PROCESSOR_TOKEN' });
    expect(await tokenCount()).toBe(before);
  });

  it('a gateway token cannot be imported as if it were a raw one', async () => {
    const { gatewayToken } = await importToken(stack, { partner, fintech });
    const res = await clientCall(stack, fintech, path, { processor_token: gatewayToken, partner_id: partner.id });
    expect(res.body.error_code).toBe('INVALID_PROCESSOR_TOKEN');
  });
});

describe('import: partner checks', () => {
  it('an unknown partner_id answers INVALID_FIELD', async () => {
    const res = await clientCall(stack, fintech, path, { processor_token: await mintRawToken(stack), partner_id: 'ptn_nope' });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error_type: 'INVALID_REQUEST', error_code: 'INVALID_FIELD' });
    expect(res.body.error_message).toMatch(/partner_id/);
  });

  it('a disabled partner answers the same INVALID_FIELD', async () => {
    const disabled = await createPartner(stack, { name: 'Disabled' });
    await admin(stack, 'PATCH', `/admin/partners/${disabled.id}`, { disabled: true });
    const before = await tokenCount();
    const res = await clientCall(stack, fintech, path, { processor_token: await mintRawToken(stack), partner_id: disabled.id });
    expect(res.body.error_code).toBe('INVALID_FIELD');
    expect(await tokenCount()).toBe(before);
  });
});

describe('import: bad bodies', () => {
  it('an unknown product answers INVALID_PRODUCT', async () => {
    const res = await clientCall(stack, fintech, path, {
      processor_token: await mintRawToken(stack),
      partner_id: partner.id,
      products: ['auth', 'crypto_trading'],
    });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error_type: 'INVALID_INPUT', error_code: 'INVALID_PRODUCT' });
  });

  it.each([
    ['missing processor_token', { partner_id: 'ptn_x' }, 'MISSING_FIELDS'],
    ['missing partner_id', { processor_token: 'processor-sandbox-x' }, 'MISSING_FIELDS'],
    ['unknown field', { processor_token: 'processor-sandbox-x', partner_id: 'ptn_x', account_id: 'a' }, 'UNKNOWN_FIELDS'],
    ['processor_token not a string', { processor_token: 7, partner_id: 'ptn_x' }, 'INVALID_FIELD'],
    ['products not an array', { processor_token: 'processor-sandbox-x', partner_id: 'ptn_x', products: 'auth' }, 'INVALID_FIELD'],
    ['webhook not a URL', { processor_token: 'processor-sandbox-x', partner_id: 'ptn_x', webhook: 'not a url' }, 'INVALID_FIELD'],
    ['webhook not http(s)', { processor_token: 'processor-sandbox-x', partner_id: 'ptn_x', webhook: 'ftp://example.com/x' }, 'INVALID_FIELD'],
  ])('%s → %s', async (_name, body, code) => {
    const res = await clientCall(stack, fintech, path, body);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error_type: 'INVALID_REQUEST', error_code: code });
  });

  it('malformed JSON answers INVALID_BODY', async () => {
    const res = await call(stack.app, 'POST', path, { rawBody: '{"processor_token"', headers: plaidHeaders(fintech) });
    expect(res.status).toBe(400);
    expect(res.body.error_code).toBe('INVALID_BODY');
  });
});
