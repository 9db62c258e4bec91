import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Products } from 'plaid';
import { type TestStack } from '../support/stack';
import { admitCall, type Client, clientCall, importToken, startWorld } from '../support/tenants';
import { auditRows } from '../support/audit';
import { plaidSdk, sdkError } from '../support/sdk';

let stack: TestStack;
let partner: Client;
let fintech: Client;
beforeAll(async () => {
  ({ stack, partner, fintech } = await startWorld({ http: true }));
});
afterAll(async () => stack?.close());

describe('POST /gateway/processor_token/revoke', () => {
  it('answers 200; afterwards partner calls are denied and the token is dead for management too', async () => {
    const { gatewayToken } = await importToken(stack, { partner, fintech });
    expect((await admitCall(stack, partner, gatewayToken)).outcome).toBe('allowed');

    const res = await clientCall(stack, fintech, '/gateway/processor_token/revoke', { processor_token: gatewayToken });
    expect(res.status).toBe(200);
    expect(Object.keys(res.body)).toEqual(['request_id']);

    expect(await admitCall(stack, partner, gatewayToken)).toMatchObject({
      outcome: 'denied',
      reason: 'token_revoked',
    });
    const plaid = plaidSdk(stack.url, fintech);
    for (const attempt of [
      () => plaid.processorTokenPermissionsGet({ processor_token: gatewayToken }),
      () => plaid.processorTokenPermissionsSet({ processor_token: gatewayToken, products: [Products.Auth] }),
      () => plaid.processorTokenWebhookUpdate({ processor_token: gatewayToken, webhook: 'https://example.com/h' }),
    ]) {
      const err = await sdkError(attempt());
      expect(err).toMatchObject({ status: 400, body: { error_type: 'INVALID_INPUT', error_code: 'INVALID_PROCESSOR_TOKEN' } });
    }
  });

  it('revoking twice succeeds (idempotent for the owner) and is audited both times', async () => {
    const { gatewayToken } = await importToken(stack, { partner, fintech });
    const first = await clientCall(stack, fintech, '/gateway/processor_token/revoke', { processor_token: gatewayToken });
    const second = await clientCall(stack, fintech, '/gateway/processor_token/revoke', { processor_token: gatewayToken });
    expect(first.status).toBe(200);
    expect(second.status).toBe(200);
    const records = (await auditRows(stack)).filter((r) => r.action === 'token.revoke');
    const mine = records.filter((r) => [first.body.request_id, second.body.request_id].includes(r.request_id));
    expect(mine.map((r) => r.details.already_revoked)).toEqual([false, true]);
    expect(mine[0]!.token_id).toMatch(/^tok_/);
    expect(mine[0]!.partner_id).toBe(partner.id);
    expect(JSON.stringify(records)).not.toContain(gatewayToken);
  });

  it('bad bodies answer INVALID_REQUEST codes; unknown tokens INVALID_PROCESSOR_TOKEN', async () => {
    const path = '/gateway/processor_token/revoke';
    expect((await clientCall(stack, fintech, path, {})).body.error_code).toBe('MISSING_FIELDS');
    expect((await clientCall(stack, fintech, path, { processor_token: 'x', reason: 'y' })).body.error_code).toBe('UNKNOWN_FIELDS');
    expect((await clientCall(stack, fintech, path, { processor_token: 1 })).body.error_code).toBe('INVALID_FIELD');
    expect((await clientCall(stack, fintech, path, { processor_token: 'processor-gw-unknown' })).body.error_code).toBe(
      'INVALID_PROCESSOR_TOKEN',
    );
  });
});
