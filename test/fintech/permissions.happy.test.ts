import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Products } from 'plaid';
import { type TestStack } from '../support/stack';
import type { Product } from '../../src/plaid/schemas';
import { admitCall, type Client, importToken, startWorld } from '../support/tenants';
import { auditRows } from '../support/audit';
import { plaidSdk } from '../support/sdk';

let stack: TestStack;
let partner: Client;
let fintech: Client;
beforeAll(async () => {
  ({ stack, partner, fintech } = await startWorld({ http: true }));
});
afterAll(async () => stack?.close());

describe('/processor/token/permissions/set and /get (official plaid SDK)', () => {
  it('a new token has the empty set (every product); set narrows it; get reads it back', async () => {
    const plaid = plaidSdk(stack.url, fintech);
    const { gatewayToken } = await importToken(stack, { partner, fintech });

    const initial = await plaid.processorTokenPermissionsGet({ processor_token: gatewayToken });
    expect(initial.status).toBe(200);
    expect(initial.data.products).toEqual([]);
    expect(initial.data.request_id).toMatch(/^[A-Za-z0-9]{15}$/);

    const set = await plaid.processorTokenPermissionsSet({
      processor_token: gatewayToken,
      products: [Products.Auth, Products.Balance],
    });
    expect(set.status).toBe(200);
    expect(Object.keys(set.data)).toEqual(['request_id']);

    const after = await plaid.processorTokenPermissionsGet({ processor_token: gatewayToken });
    expect(after.data.products).toEqual(['auth', 'balance']);
  });

  it('the permission set is what the partner-call decision enforces', async () => {
    const plaid = plaidSdk(stack.url, fintech);
    const { gatewayToken } = await importToken(stack, { partner, fintech });
    const decide = (product: Product) => admitCall(stack, partner, gatewayToken, product);

    expect((await decide('transactions')).outcome).toBe('allowed');
    await plaid.processorTokenPermissionsSet({ processor_token: gatewayToken, products: [Products.Auth] });
    expect(await decide('transactions')).toMatchObject({ outcome: 'denied', reason: 'product_not_in_token_permissions' });
    expect((await decide('auth')).outcome).toBe('allowed');

    // Plaid semantics: an empty list means every product again.
    await plaid.processorTokenPermissionsSet({ processor_token: gatewayToken, products: [] });
    expect((await plaid.processorTokenPermissionsGet({ processor_token: gatewayToken })).data.products).toEqual([]);
    expect((await decide('transactions')).outcome).toBe('allowed');
  });

  it('identity_match in the set grants the identity endpoint; duplicates fold', async () => {
    const plaid = plaidSdk(stack.url, fintech);
    const { gatewayToken } = await importToken(stack, { partner, fintech });
    await plaid.processorTokenPermissionsSet({
      processor_token: gatewayToken,
      products: [Products.IdentityMatch, Products.IdentityMatch],
    });
    expect((await plaid.processorTokenPermissionsGet({ processor_token: gatewayToken })).data.products).toEqual([
      'identity_match',
    ]);
    expect((await admitCall(stack, partner, gatewayToken, 'identity')).outcome).toBe('allowed');
  });

  it('audits set and get with the token id and product names only', async () => {
    const plaid = plaidSdk(stack.url, fintech);
    const { gatewayToken, rawToken: raw } = await importToken(stack, { partner, fintech });
    const set = await plaid.processorTokenPermissionsSet({ processor_token: gatewayToken, products: [Products.Signal] });
    await plaid.processorTokenPermissionsGet({ processor_token: gatewayToken });
    const records = await auditRows(stack);
    const setRecord = records.find((r) => r.request_id === set.data.request_id);
    expect(setRecord).toMatchObject({
      action: 'token.permissions_set',
      fintech_id: fintech.id,
      partner_id: partner.id,
      token_id: expect.stringMatching(/^tok_/),
      decision: 'allow',
    });
    expect(setRecord!.details).toEqual({ products: ['signal'] });
    expect(records.some((r) => r.action === 'token.permissions_get' && r.token_id === setRecord!.token_id)).toBe(true);
    const text = JSON.stringify(records);
    expect(text).not.toContain(gatewayToken);
    expect(text).not.toContain(raw);
  });
});
