import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectValidPlaid } from '../support/plaid-spec';
import { type TestStack } from '../support/stack';
import { auditRecordFor } from '../support/audit';
import { type Partner, plaidHeaders, startWorldWithToken, type Token } from '../support/tenants';
import { plaidSdk } from '../support/sdk';
import { httpPost } from '../support/http';

let stack: TestStack;
let partner: Partner;
let token: Token;
beforeAll(async () => {
  ({ stack, partner, token } = await startWorldWithToken({ http: true }));
});
afterAll(async () => stack?.close());

describe('/processor/auth/get through the gateway', () => {
  it("answers Plaid's auth body (valid against Plaid's spec) with the gateway's request_id", async () => {
    const res = await plaidSdk(stack.url, partner).processorAuthGet({ processor_token: token.gatewayToken });
    expect(res.status).toBe(200);
    expectValidPlaid('ProcessorAuthGetResponse', res.data);
    expect(res.data.account.subtype).toBe('checking');
    expect((res.data.numbers as any).ach.routing).toBe('011401533');
    expect(res.data.request_id).toBe(res.headers['x-request-id']);
    // The real rate limiter's headers ride on every allowed answer.
    expect(res.headers['ratelimit']).toMatch(/^limit=\d+, remaining=\d+, reset=\d+$/);
    expect(res.headers['ratelimit-policy']).toMatch(/^\d+;w=\d+/);

    const record = await auditRecordFor(stack, res.data.request_id);
    expect(record).toMatchObject({
      action: 'partner.call',
      actorType: 'partner',
      partnerId: partner.id,
      tokenId: token.tokenId,
      product: 'auth',
      decision: 'allow',
      httpStatus: 200,
      plaidStatus: 200,
      endpoint: '/processor/auth/get',
    });
    expect(record.plaidRequestId).toMatch(/^[A-Za-z0-9]+$/);
    expect(record.plaidRequestId).not.toBe(res.data.request_id);
    expect(record.details).toEqual({ fields_present: ['processor_token'] });
  });

  it('accepts the gateway keys in the body and does not send them upstream', async () => {
    const res = await httpPost(stack, '/processor/auth/get', {
      client_id: partner.clientId,
      secret: partner.secret,
      processor_token: token.gatewayToken,
    });
    expect(res.status).toBe(200);
    expectValidPlaid('ProcessorAuthGetResponse', res.body);
  });

  it('gives the same answer to header keys', async () => {
    const res = await httpPost(stack, '/processor/auth/get', { processor_token: token.gatewayToken }, plaidHeaders(partner));
    expect(res.status).toBe(200);
  });
});
