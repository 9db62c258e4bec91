/**
 * The admission statement (src/tenancy/admission.ts, gw_admit()): every
 * outcome and reason of the decision, over tokens imported through the API,
 * plus the unseal of an allowed call's material.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unsealForCall } from '../../src/tenancy/admission';
import { newGatewayToken } from '../../src/tenancy/tokens';
import { startTestStack, TEST_PLAID_CLIENT, type TestStack } from '../support/stack';
import { admin, admitCall, type Client, clientCall, createFintech, createPartner, importToken, mintRawToken } from '../support/tenants';

let stack: TestStack;
let partner: Client;
let fintech: Client;
const plaidSecret = 'partner-plaid-secret-for-decision';
beforeAll(async () => {
  stack = await startTestStack();
  partner = await createPartner(stack, { plaid: { clientId: TEST_PLAID_CLIENT.clientId, secret: plaidSecret } });
  fintech = await createFintech(stack);
});
afterAll(async () => stack?.close());

/** A token of `partner`, whose Plaid secret Plaid does not know: the raw token comes from the test Plaid client. */
const importForPartner = async (products?: string[]) =>
  importToken(stack, { partner, fintech, rawToken: await mintRawToken(stack), ...(products ? { products } : {}) });

const admit = (gatewayToken: string, product: Parameters<typeof admitCall>[3] = 'auth', who: Client = partner) =>
  admitCall(stack, who, gatewayToken, product);

describe('authentication inside the admission', () => {
  it('unknown client id, wrong secret and a disabled partner are unauthenticated', async () => {
    const { gatewayToken } = await importForPartner();
    expect(await admit(gatewayToken, 'auth', { ...partner, clientId: 'nobody' })).toEqual({
      outcome: 'unauthenticated',
      reason: 'unknown_client_id',
    });
    expect(await admit(gatewayToken, 'auth', { ...partner, secret: 'wrong' })).toEqual({
      outcome: 'unauthenticated',
      reason: 'wrong_secret',
      partnerId: partner.id,
    });
    const p = await createPartner(stack, { name: 'Toggle' });
    const t = await importToken(stack, { partner: p, fintech });
    await admin(stack, 'PATCH', `/admin/partners/${p.id}`, { disabled: true });
    expect(await admit(t.gatewayToken, 'auth', p)).toEqual({ outcome: 'unauthenticated', reason: 'partner_disabled', partnerId: p.id });
    await admin(stack, 'PATCH', `/admin/partners/${p.id}`, { disabled: false });
    expect((await admit(t.gatewayToken, 'auth', p)).outcome).toBe('allowed');
  });
});

describe('the decision', () => {
  it('allows a live token and answers the material the call needs, which unseals to the raw token and Plaid keys', async () => {
    const { gatewayToken, rawToken: raw } = await importForPartner();
    const d = await admit(gatewayToken);
    expect(d).toMatchObject({ outcome: 'allowed', partnerId: partner.id, fintechId: fintech.id, tokenId: expect.stringMatching(/^tok_/) });
    if (d.outcome !== 'allowed') return;
    expect(d.limit.allowed).toBe(true);
    expect(await unsealForCall(stack.deps.keyring, d)).toEqual({ rawToken: raw, plaidClientId: TEST_PLAID_CLIENT.clientId, plaidSecret });
  });

  it('token_malformed and token_unknown name the partner but no token', async () => {
    expect(await admit('processor-sandbox-123')).toEqual({ outcome: 'denied', reason: 'token_malformed', partnerId: partner.id });
    expect(await admit(newGatewayToken())).toEqual({ outcome: 'denied', reason: 'token_unknown', partnerId: partner.id });
  });

  it("token_other_partner, without handing out the other partner's token ids", async () => {
    const other = await createPartner(stack, { name: 'Other', processor: 'moov' });
    const { gatewayToken } = await importForPartner();
    expect(await admit(gatewayToken, 'auth', other)).toEqual({ outcome: 'denied', reason: 'token_other_partner', partnerId: other.id });
  });

  it('token_revoked after the fintech revokes', async () => {
    const { gatewayToken } = await importForPartner();
    await clientCall(stack, fintech, '/gateway/processor_token/revoke', { processor_token: gatewayToken });
    expect(await admit(gatewayToken)).toMatchObject({ outcome: 'denied', reason: 'token_revoked', tokenId: expect.stringMatching(/^tok_/) });
  });

  it('an empty token permission set means every product; a listed one narrows it', async () => {
    const { gatewayToken } = await importForPartner(['auth']);
    expect(await admit(gatewayToken, 'balance')).toMatchObject({ outcome: 'denied', reason: 'product_not_in_token_permissions' });
    await clientCall(stack, fintech, '/processor/token/permissions/set', { processor_token: gatewayToken, products: ['balance'] });
    expect((await admit(gatewayToken, 'balance')).outcome).toBe('allowed');
    expect(await admit(gatewayToken, 'auth')).toMatchObject({ outcome: 'denied', reason: 'product_not_in_token_permissions' });
    await clientCall(stack, fintech, '/processor/token/permissions/set', { processor_token: gatewayToken, products: [] });
    expect((await admit(gatewayToken, 'transactions')).outcome).toBe('allowed');
  });

  it("product_not_in_partner_cap after the operator narrows the partner's products, even with an all-products token", async () => {
    const p = await createPartner(stack, { name: 'Capped' });
    const { gatewayToken } = await importToken(stack, { partner: p, fintech });
    expect((await admit(gatewayToken, 'signal', p)).outcome).toBe('allowed');
    await admin(stack, 'PATCH', `/admin/partners/${p.id}`, { products: ['auth'] });
    expect(await admit(gatewayToken, 'signal', p)).toMatchObject({ outcome: 'denied', reason: 'product_not_in_partner_cap' });
  });

  it('identity_match grants identity in the token set and in the partner cap', async () => {
    const p = await createPartner(stack, { name: 'Matcher', products: ['identity_match'] });
    const { gatewayToken } = await importToken(stack, { partner: p, fintech, products: ['identity_match'] });
    expect((await admit(gatewayToken, 'identity', p)).outcome).toBe('allowed');
    expect(await admit(gatewayToken, 'auth', p)).toMatchObject({ outcome: 'denied', reason: 'product_not_in_token_permissions' });
  });

  it('an allowed call over its limit is rate_limited, with the RateLimit headers and Plaid code', async () => {
    const p = await createPartner(stack, { name: 'Tight', rate_limits: { token: { '/processor/auth/get': { limit: 2, window_seconds: 60 } } } });
    const { gatewayToken } = await importToken(stack, { partner: p, fintech });
    expect((await admit(gatewayToken, 'auth', p)).outcome).toBe('allowed');
    expect((await admit(gatewayToken, 'auth', p)).outcome).toBe('allowed');
    const refused = await admit(gatewayToken, 'auth', p);
    expect(refused).toMatchObject({ outcome: 'rate_limited', limit: { allowed: false, scope: 'token', errorCode: 'AUTH_LIMIT' } });
    if (refused.outcome === 'rate_limited') expect(refused.limit.headers['RateLimit']).toMatch(/^limit=2, remaining=0, reset=\d+$/);
  });

  it('unseal fails for material moved to another token', async () => {
    const a = await importForPartner();
    const b = await importForPartner();
    const da = await admit(a.gatewayToken);
    const db = await admit(b.gatewayToken);
    if (da.outcome !== 'allowed' || db.outcome !== 'allowed') throw new Error('both should be allowed');
    const swapped = { ...da, sealed: { ...da.sealed, rawToken: db.sealed.rawToken } };
    await expect(unsealForCall(stack.deps.keyring, swapped)).rejects.toThrow();
  });
});
