import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, call, type TestStack } from '../support/stack';
import { admin, admitCall, type Client, clientCall, createAuditor, createFintech, createPartner, importToken, mintRawToken, plaidHeaders, startWorld, tokenRow, webhookDestinationUrl } from '../support/tenants';
import { auditRows } from '../support/audit';

let stack: TestStack;
let partner: Client;
let fintech: Client;
let otherFintech: Client;
beforeAll(async () => {
  ({ stack, partner, fintech } = await startWorld());
  otherFintech = await createFintech(stack, 'Other');
});
afterAll(async () => stack?.close());

const routes = (token: string, partnerId: string) =>
  [
    ['/gateway/processor_token/import', { processor_token: 'processor-sandbox-00000000-0000-4000-8000-000000000000', partner_id: partnerId }],
    ['/processor/token/permissions/set', { processor_token: token, products: [] }],
    ['/processor/token/permissions/get', { processor_token: token }],
    ['/processor/token/webhook/update', { processor_token: token, webhook: null }],
    ['/gateway/processor_token/revoke', { processor_token: token }],
  ] as const;

describe('who may call the fintech API', () => {
  it("partner credentials never work on fintech routes", async () => {
    const { gatewayToken } = await importToken(stack, { partner, fintech });
    // /processor/token/webhook/update is open to the partner too, for its own destination (test/webhooks/).
    for (const [path, body] of routes(gatewayToken, partner.id).filter(([path]) => path !== '/processor/token/webhook/update')) {
      const res = await clientCall(stack, partner, path, body);
      expect(res.status, path).toBe(400);
      expect(res.body.error_code, path).toBe('INVALID_API_KEYS');
    }
    expect((await tokenRow(stack, gatewayToken)).revokedAt).toBeNull();
  });

  it('the operator key and an auditor key are not fintech credentials', async () => {
    const auditor = await createAuditor(stack, { name: 'A' });
    for (const key of [stack.adminKey, auditor.key]) {
      const res = await call(stack.app, 'POST', '/processor/token/permissions/get', {
        headers: bearer(key),
        body: { processor_token: 'processor-gw-x' },
      });
      expect(res.status).toBe(400);
      expect(res.body.error_code).toBe('MISSING_FIELDS');
      expect(res.body.error_message).toMatch(/client_id/);
    }
  });

  it('wrong secret, unknown client_id and missing credentials are refused and audited as auth failures', async () => {
    const path = '/processor/token/permissions/get';
    const body = { processor_token: 'processor-gw-x' };
    expect((await clientCall(stack, { clientId: fintech.clientId, secret: 'wrong' }, path, body)).body.error_code).toBe(
      'INVALID_API_KEYS',
    );
    expect((await clientCall(stack, { clientId: 'cli_nobody', secret: fintech.secret }, path, body)).body.error_code).toBe(
      'INVALID_API_KEYS',
    );
    expect((await call(stack.app, 'POST', path, { body })).body.error_code).toBe('MISSING_FIELDS');
    const failures = (await auditRows(stack)).filter((r) => r.action === 'auth.failed' && r.endpoint === path);
    expect(failures.map((r) => r.reason)).toEqual(expect.arrayContaining(['wrong_secret', 'unknown_client_id', 'missing_credentials']));
    expect(JSON.stringify(failures)).not.toContain(fintech.secret);
  });

  it('a disabled fintech cannot call; its existing tokens are untouched', async () => {
    const f = await createFintech(stack, 'Soon disabled');
    const { gatewayToken } = await importToken(stack, { partner: partner, fintech: f });
    await admin(stack, 'PATCH', `/admin/fintechs/${f.id}`, { disabled: true });
    const res = await clientCall(stack, f, '/processor/token/permissions/get', { processor_token: gatewayToken });
    expect(res.body.error_code).toBe('INVALID_API_KEYS');
    expect(res.body.error_message).toMatch(/disabled/);
    expect((await tokenRow(stack, gatewayToken)).revokedAt).toBeNull();
  });

  it("rotating a fintech's secret invalidates the old one at once", async () => {
    const f = await createFintech(stack, 'Rotating');
    const { gatewayToken } = await importToken(stack, { partner: partner, fintech: f });
    const rotated = await admin(stack, 'POST', `/admin/fintechs/${f.id}/rotate_secret`, {});
    const old = await clientCall(stack, f, '/processor/token/permissions/get', { processor_token: gatewayToken });
    expect(old.body.error_code).toBe('INVALID_API_KEYS');
    const fresh = await call(stack.app, 'POST', '/processor/token/permissions/get', {
      headers: plaidHeaders({ clientId: f.clientId, secret: rotated.body.secret }),
      body: { processor_token: gatewayToken },
    });
    expect(fresh.status).toBe(200);
  });
});

describe("another tenant's token", () => {
  it('every management call with another fintech\'s token answers INVALID_PROCESSOR_TOKEN and changes nothing', async () => {
    const { gatewayToken } = await importToken(stack, {
      partner,
      fintech,
      products: ['auth'],
      webhook: 'https://owner.example.com/hook',
    });
    const before = await tokenRow(stack, gatewayToken);
    for (const [path, body] of routes(gatewayToken, partner.id).slice(1)) {
      const res = await clientCall(stack, otherFintech, path, body);
      expect(res.status, path).toBe(400);
      expect(res.body, path).toMatchObject({ error_type: 'INVALID_INPUT', error_code: 'INVALID_PROCESSOR_TOKEN' });
    }
    const after = await tokenRow(stack, gatewayToken);
    expect(after.products).toEqual(['auth']);
    expect(await webhookDestinationUrl(stack, gatewayToken, 'fintech')).toBe('https://owner.example.com/hook');
    expect(after.revokedAt).toBeNull();
    expect(after.updatedAt.getTime()).toBe(before.updatedAt.getTime());
  });

  it("the answer for another fintech's token is identical to an unknown token's", async () => {
    const { gatewayToken } = await importToken(stack, { partner, fintech });
    const theirs = await clientCall(stack, otherFintech, '/processor/token/permissions/get', { processor_token: gatewayToken });
    const unknown = await clientCall(stack, otherFintech, '/processor/token/permissions/get', {
      processor_token: `processor-gw-${'A'.repeat(43)}`,
    });
    const strip = (b: any) => ({ ...b, request_id: undefined });
    expect(strip(theirs.body)).toEqual(strip(unknown.body));
  });

  it('a token imported by one fintech for a partner is not usable by another partner', async () => {
    const otherPartner = await createPartner(stack, { name: 'Other partner', processor: 'moov' });
    const { gatewayToken } = await importToken(stack, { partner, fintech });
    expect(await admitCall(stack, otherPartner, gatewayToken)).toMatchObject({ outcome: 'denied', reason: 'token_other_partner' });
  });

  it('revoked tokens cannot be revived by the owner', async () => {
    const { gatewayToken } = await importToken(stack, { partner, fintech });
    await clientCall(stack, fintech, '/gateway/processor_token/revoke', { processor_token: gatewayToken });
    const set = await clientCall(stack, fintech, '/processor/token/permissions/set', { processor_token: gatewayToken, products: [] });
    expect(set.body.error_code).toBe('INVALID_PROCESSOR_TOKEN');
    expect((await tokenRow(stack, gatewayToken)).revokedAt).not.toBeNull();
  });

  it('a raw token cannot be used in place of the gateway token', async () => {
    const raw = await mintRawToken(stack);
    await clientCall(stack, fintech, '/gateway/processor_token/import', { processor_token: raw, partner_id: partner.id });
    const res = await clientCall(stack, fintech, '/processor/token/permissions/get', { processor_token: raw });
    expect(res.body.error_code).toBe('INVALID_PROCESSOR_TOKEN');
  });
});
