import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Products } from 'plaid';
import { newGatewayToken } from '../../src/tenancy/tokens';
import { type TestStack } from '../support/stack';
import { type Client, importToken, startWorld } from '../support/tenants';
import { plaidSdk, sdkError } from '../support/sdk';

let stack: TestStack;
let partner: Client;
let fintech: Client;
beforeAll(async () => {
  ({ stack, partner, fintech } = await startWorld({ http: true }));
});
afterAll(async () => stack?.close());

describe('/processor/token/permissions/*: errors (official plaid SDK)', () => {
  it('an unknown product answers INVALID_PRODUCT and leaves the set unchanged', async () => {
    const plaid = plaidSdk(stack.url, fintech);
    const { gatewayToken } = await importToken(stack, { partner, fintech, products: ['auth'] });
    const err = await sdkError(
      plaid.processorTokenPermissionsSet({ processor_token: gatewayToken, products: ['auth', 'teleport'] as Products[] }),
    );
    expect(err).toMatchObject({ status: 400, body: { error_type: 'INVALID_INPUT', error_code: 'INVALID_PRODUCT' } });
    expect((await plaid.processorTokenPermissionsGet({ processor_token: gatewayToken })).data.products).toEqual(['auth']);
  });

  it('missing products, products not a list and unknown fields answer INVALID_REQUEST codes', async () => {
    const plaid = plaidSdk(stack.url, fintech);
    const { gatewayToken } = await importToken(stack, { partner, fintech });
    expect((await sdkError(plaid.processorTokenPermissionsSet({ processor_token: gatewayToken } as any))).body.error_code).toBe(
      'MISSING_FIELDS',
    );
    expect(
      (await sdkError(plaid.processorTokenPermissionsSet({ processor_token: gatewayToken, products: 'auth' } as any))).body
        .error_code,
    ).toBe('INVALID_FIELD');
    expect(
      (await sdkError(plaid.processorTokenPermissionsGet({ processor_token: gatewayToken, products: [] } as any))).body.error_code,
    ).toBe('UNKNOWN_FIELDS');
  });

  it('unknown, malformed and raw Plaid tokens answer INVALID_PROCESSOR_TOKEN', async () => {
    const plaid = plaidSdk(stack.url, fintech);
    const { rawToken: raw } = await importToken(stack, { partner, fintech });
    for (const token of [newGatewayToken(), 'processor-gw-short', 'garbage', raw]) {
      const err = await sdkError(plaid.processorTokenPermissionsGet({ processor_token: token }));
      expect(err, token.slice(0, 14)).toMatchObject({
        status: 400,
        body: { error_type: 'INVALID_INPUT', error_code: 'INVALID_PROCESSOR_TOKEN' },
      });
      const set = await sdkError(plaid.processorTokenPermissionsSet({ processor_token: token, products: [Products.Auth] }));
      expect(set.body.error_code).toBe('INVALID_PROCESSOR_TOKEN');
    }
  });
});
