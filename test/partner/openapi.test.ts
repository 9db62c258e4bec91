import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PARTNER_ENDPOINTS } from '../../src/plaid/schemas';
import { call, startTestStack, type TestStack } from '../support/stack';

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => stack?.close());

describe('/openapi.json documents the seven partner endpoints', () => {
  it("with Plaid's request and response schemas, Plaid errors and the PLAID-CLIENT-ID/PLAID-SECRET keys", async () => {
    const { body } = await call(stack.app, 'GET', '/openapi.json');
    const expected: Record<string, [string, string]> = {
      '/processor/auth/get': ['ProcessorAuthGetRequest', 'ProcessorAuthGetResponse'],
      '/processor/balance/get': ['ProcessorBalanceGetRequest', 'ProcessorBalanceGetResponse'],
      '/processor/identity/match': ['ProcessorIdentityMatchRequest', 'ProcessorIdentityMatchResponse'],
      '/processor/signal/evaluate': ['ProcessorSignalEvaluateRequest', 'ProcessorSignalEvaluateResponse'],
      '/processor/signal/decision/report': ['ProcessorSignalDecisionReportRequest', 'ProcessorSignalDecisionReportResponse'],
      '/processor/signal/return/report': ['ProcessorSignalReturnReportRequest', 'ProcessorSignalReturnReportResponse'],
      '/processor/transactions/sync': ['ProcessorTransactionsSyncRequest', 'ProcessorTransactionsSyncResponse'],
    };
    expect(Object.keys(expected).sort()).toEqual(PARTNER_ENDPOINTS.map((e) => e.path).sort());
    for (const [path, [request, response]] of Object.entries(expected)) {
      const op = body.paths[path]?.post;
      expect(op, path).toBeDefined();
      expect(op.requestBody.content['application/json'].schema.$ref).toBe(`#/components/schemas/${request}`);
      expect(op.responses['200'].content['application/json'].schema.$ref).toBe(`#/components/schemas/${response}`);
      for (const status of ['400', '429', '500']) {
        expect(op.responses[status].content['application/json'].schema.$ref).toBe('#/components/schemas/PlaidError');
      }
      expect(op.security).toEqual([{ PlaidClientId: [], PlaidSecret: [] }]);
      expect(op.description).toContain('Product checked');
    }
    expect(body.components.schemas.ProcessorTransactionsSyncRequest.properties.cursor).toBeDefined();
    expect(body.components.securitySchemes.PlaidClientId).toMatchObject({ type: 'apiKey', in: 'header', name: 'PLAID-CLIENT-ID' });
  });
});
