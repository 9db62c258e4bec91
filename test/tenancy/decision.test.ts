import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decide, decidePartnerCall, loadTokenFacts, unsealForCall, type TokenFacts } from '../../src/tenancy/decision';
import { newGatewayToken } from '../../src/tenancy/tokens';
import { startTestStack, TEST_PLAID_CLIENT, type TestStack } from '../support/stack';
import { admin, createFintechApi, createPartnerApi, fintechCall, importApi, type Client } from './fixtures';

function facts(overrides: Partial<TokenFacts> = {}): TokenFacts {
  return {
    tokenId: 'tok_1',
    fintechId: 'ftc_1',
    partnerId: 'ptn_1',
    revoked: false,
    tokenProducts: [],
    partnerProducts: ['auth', 'balance', 'identity', 'signal', 'transactions'],
    partnerDisabled: false,
    partnerRateLimits: {},
    sealed: {
      rawToken: { keyId: 'k', value: 'v1.x.y' },
      plaidClientId: 'c',
      plaidSecret: { keyId: 'k', value: 'v1.x.y' },
    },
    ...overrides,
  };
}

describe('decide() (pure)', () => {
  it('allows a live token of this partner for a product in both sets', () => {
    const f = facts({ tokenProducts: ['auth'] });
    expect(decide('ptn_1', 'auth', f)).toEqual({ allowed: true, facts: f });
  });

  it('an empty token permission set means every product', () => {
    for (const product of ['auth', 'balance', 'identity', 'signal', 'transactions']) {
      expect(decide('ptn_1', product, facts()).allowed, product).toBe(true);
    }
  });

  it('token_unknown when there are no facts', () => {
    expect(decide('ptn_1', 'auth', undefined)).toEqual({ allowed: false, reason: 'token_unknown' });
  });

  it("token_other_partner for another partner's token, without handing out its facts", () => {
    const d = decide('ptn_2', 'auth', facts());
    expect(d).toEqual({ allowed: false, reason: 'token_other_partner' });
  });

  it('token_revoked wins over everything after ownership', () => {
    expect(decide('ptn_1', 'auth', facts({ revoked: true, partnerDisabled: true, tokenProducts: ['balance'] }))).toMatchObject({
      allowed: false,
      reason: 'token_revoked',
    });
  });

  it('partner_disabled', () => {
    expect(decide('ptn_1', 'auth', facts({ partnerDisabled: true }))).toMatchObject({ allowed: false, reason: 'partner_disabled' });
  });

  it('product_not_in_token_permissions', () => {
    expect(decide('ptn_1', 'transactions', facts({ tokenProducts: ['auth', 'balance'] }))).toMatchObject({
      allowed: false,
      reason: 'product_not_in_token_permissions',
    });
  });

  it('product_not_in_partner_cap, even with an empty (all) token set; an empty cap allows nothing', () => {
    expect(decide('ptn_1', 'signal', facts({ partnerProducts: ['auth'] }))).toMatchObject({
      allowed: false,
      reason: 'product_not_in_partner_cap',
    });
    expect(decide('ptn_1', 'auth', facts({ partnerProducts: [] }))).toMatchObject({
      allowed: false,
      reason: 'product_not_in_partner_cap',
    });
  });

  it('identity_match grants identity in the token set and in the partner cap, not the other way round', () => {
    expect(decide('ptn_1', 'identity', facts({ tokenProducts: ['identity_match'] })).allowed).toBe(true);
    expect(decide('ptn_1', 'identity', facts({ partnerProducts: ['identity_match'] })).allowed).toBe(true);
    expect(decide('ptn_1', 'auth', facts({ tokenProducts: ['identity_match'] })).allowed).toBe(false);
  });
});

describe('decidePartnerCall() / unsealForCall() over imported tokens', () => {
  let stack: TestStack;
  let partner: Client;
  let fintech: Client;
  const plaidSecret = 'partner-plaid-secret-for-decision';
  beforeAll(async () => {
    stack = await startTestStack();
    partner = await createPartnerApi(stack, { plaid: { client_id: TEST_PLAID_CLIENT.clientId, secret: plaidSecret } });
    fintech = await createFintechApi(stack);
  });
  afterAll(async () => stack?.close());

  const call = (gatewayToken: string, product = 'auth', partnerId = partner.id) =>
    decidePartnerCall(stack.deps.db, { partnerId, gatewayToken, product });

  it('allows and unseals the raw token and the Plaid keys for the call', async () => {
    const { gatewayToken, raw } = await importApi(stack, fintech, partner.id);
    const d = await call(gatewayToken);
    expect(d.allowed).toBe(true);
    if (!d.allowed) return;
    expect(d.facts).toMatchObject({ partnerId: partner.id, fintechId: fintech.id, tokenProducts: [], revoked: false });
    expect(await unsealForCall(stack.deps.keyring, d.facts)).toEqual({
      rawToken: raw,
      plaidClientId: TEST_PLAID_CLIENT.clientId,
      plaidSecret,
    });
  });

  it('token_malformed and token_unknown', async () => {
    expect(await call('processor-sandbox-123')).toEqual({ allowed: false, reason: 'token_malformed' });
    expect(await call(newGatewayToken())).toEqual({ allowed: false, reason: 'token_unknown' });
    expect(await loadTokenFacts(stack.deps.db, 'nonsense')).toBeUndefined();
  });

  it('token_other_partner', async () => {
    const other = await createPartnerApi(stack, { name: 'Other', processor: 'moov' });
    const { gatewayToken } = await importApi(stack, fintech, partner.id);
    expect(await call(gatewayToken, 'auth', other.id)).toEqual({ allowed: false, reason: 'token_other_partner' });
  });

  it('token_revoked after the fintech revokes', async () => {
    const { gatewayToken } = await importApi(stack, fintech, partner.id);
    await fintechCall(stack, fintech, '/gateway/processor_token/revoke', { processor_token: gatewayToken });
    expect(await call(gatewayToken)).toMatchObject({ allowed: false, reason: 'token_revoked' });
  });

  it('partner_disabled while the partner is disabled, allowed again once re-enabled', async () => {
    const p = await createPartnerApi(stack, { name: 'Toggle' });
    const { gatewayToken } = await importApi(stack, fintech, p.id);
    await admin(stack, 'PATCH', `/admin/partners/${p.id}`, { disabled: true });
    expect(await call(gatewayToken, 'auth', p.id)).toMatchObject({ allowed: false, reason: 'partner_disabled' });
    await admin(stack, 'PATCH', `/admin/partners/${p.id}`, { disabled: false });
    expect((await call(gatewayToken, 'auth', p.id)).allowed).toBe(true);
  });

  it('product_not_in_token_permissions from the import set and after permissions/set', async () => {
    const { gatewayToken } = await importApi(stack, fintech, partner.id, { products: ['auth'] });
    expect(await call(gatewayToken, 'balance')).toMatchObject({ allowed: false, reason: 'product_not_in_token_permissions' });
    await fintechCall(stack, fintech, '/processor/token/permissions/set', { processor_token: gatewayToken, products: ['balance'] });
    expect((await call(gatewayToken, 'balance')).allowed).toBe(true);
    expect(await call(gatewayToken, 'auth')).toMatchObject({ allowed: false, reason: 'product_not_in_token_permissions' });
  });

  it("product_not_in_partner_cap after the operator narrows the partner's products", async () => {
    const p = await createPartnerApi(stack, { name: 'Capped' });
    const { gatewayToken } = await importApi(stack, fintech, p.id);
    expect((await call(gatewayToken, 'signal', p.id)).allowed).toBe(true);
    await admin(stack, 'PATCH', `/admin/partners/${p.id}`, { products: ['auth'] });
    expect(await call(gatewayToken, 'signal', p.id)).toMatchObject({ allowed: false, reason: 'product_not_in_partner_cap' });
  });

  it('unseal fails for facts whose sealed value was moved to another row', async () => {
    const a = await importApi(stack, fintech, partner.id);
    const b = await importApi(stack, fintech, partner.id);
    const fa = (await loadTokenFacts(stack.deps.db, a.gatewayToken))!;
    const fb = (await loadTokenFacts(stack.deps.db, b.gatewayToken))!;
    const swapped = { ...fa, sealed: { ...fa.sealed, rawToken: fb.sealed.rawToken } };
    await expect(unsealForCall(stack.deps.keyring, swapped)).rejects.toThrow();
  });
});
