import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { looksLikeGatewayToken, sealContext } from '../../src/tenancy/tokens';
import { call, type TestStack } from '../support/stack';
import { auditRows } from '../support/audit';
import { type Client, clientCall, mintRawToken, startWorld, tokenRow, webhookDestinationUrl } from '../support/tenants';

let stack: TestStack;
let partner: Client;
let fintech: Client;
beforeAll(async () => {
  ({ stack, partner, fintech } = await startWorld());
});
afterAll(async () => stack?.close());

describe('POST /gateway/processor_token/import', () => {
  it('answers 200 with a new gateway token; the raw token is sealed, the gateway token only hashed', async () => {
    const raw = await mintRawToken(stack);
    expect(raw).toMatch(/^processor-sandbox-/);
    const res = await clientCall(stack, fintech, '/gateway/processor_token/import', {
      processor_token: raw,
      partner_id: partner.id,
    });
    expect(res.status).toBe(200);
    expect(Object.keys(res.body).sort()).toEqual(['processor_token', 'request_id']);
    const token: string = res.body.processor_token;
    expect(looksLikeGatewayToken(token)).toBe(true);
    expect(token).not.toContain(raw.slice('processor-sandbox-'.length));

    const row = await tokenRow(stack, token);
    expect(row).toMatchObject({ fintechId: fintech.id, partnerId: partner.id, products: [], revokedAt: null });
    expect(row.id).toMatch(/^tok_/);
    expect(row.rawKeyId).toBe('t1');
    expect(row.rawSealed).not.toContain(raw);
    expect(await stack.deps.keyring.open({ keyId: row.rawKeyId, value: row.rawSealed }, sealContext.rawToken(row.id))).toBe(raw);
    // The sealed value is bound to its row: it does not open under another row's id.
    await expect(
      stack.deps.keyring.open({ keyId: row.rawKeyId, value: row.rawSealed }, sealContext.rawToken('tok_other')),
    ).rejects.toThrow();
  });

  it('takes an initial permission set and a webhook; credentials may also come in the body', async () => {
    const raw = await mintRawToken(stack);
    const res = await call(stack.app, 'POST', '/gateway/processor_token/import', {
      body: {
        client_id: fintech.clientId,
        secret: fintech.secret,
        processor_token: raw,
        partner_id: partner.id,
        products: ['auth', 'balance', 'auth'],
        webhook: 'https://fintech.example.com/plaid-hooks',
      },
    });
    expect(res.status).toBe(200);
    const row = await tokenRow(stack, res.body.processor_token);
    expect(row.products).toEqual(['auth', 'balance']);
    expect(await webhookDestinationUrl(stack, res.body.processor_token, 'fintech')).toBe('https://fintech.example.com/plaid-hooks');
    expect(res.body.webhook_secret).toMatch(/^whsec_/);
  });

  it('importing the same raw token twice gives two independent gateway tokens', async () => {
    const raw = await mintRawToken(stack);
    const body = { processor_token: raw, partner_id: partner.id };
    const first = await clientCall(stack, fintech, '/gateway/processor_token/import', body);
    const second = await clientCall(stack, fintech, '/gateway/processor_token/import', { ...body, products: ['auth'] });
    expect(first.status).toBe(200);
    expect(second.status).toBe(200);
    expect(first.body.processor_token).not.toBe(second.body.processor_token);
    const [a, b] = [await tokenRow(stack, first.body.processor_token), await tokenRow(stack, second.body.processor_token)];
    expect(a.id).not.toBe(b.id);
    expect(a.products).toEqual([]);
    expect(b.products).toEqual(['auth']);
    // Revoking one leaves the other alive.
    await clientCall(stack, fintech, '/gateway/processor_token/revoke', { processor_token: first.body.processor_token });
    expect((await tokenRow(stack, first.body.processor_token)).revokedAt).not.toBeNull();
    expect((await tokenRow(stack, second.body.processor_token)).revokedAt).toBeNull();
  });

  it('audits the import with ids and product names, never the raw or the gateway token', async () => {
    const raw = await mintRawToken(stack);
    const res = await clientCall(stack, fintech, '/gateway/processor_token/import', {
      processor_token: raw,
      partner_id: partner.id,
      products: ['transactions'],
      webhook: 'https://fintech.example.com/hook',
    });
    const row = await tokenRow(stack, res.body.processor_token);
    const records = await auditRows(stack);
    const record = records.find((r) => r.action === 'token.import' && r.token_id === row.id);
    expect(record).toMatchObject({
      actor_type: 'fintech',
      actor_id: fintech.id,
      fintech_id: fintech.id,
      partner_id: partner.id,
      decision: 'allow',
      http_status: 200,
      request_id: res.body.request_id,
    });
    expect(record!.details).toEqual({ products: ['transactions'], webhook: true });
    const text = JSON.stringify(records);
    expect(text).not.toContain(raw);
    expect(text).not.toContain(res.body.processor_token);
  });
});
