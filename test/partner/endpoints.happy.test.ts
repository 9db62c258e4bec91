/**
 * Happy paths of balance, identity match and the three Signal endpoints through
 * the gateway with the official plaid SDK (auth/get and transactions/sync have
 * their own files). Bodies are validated against Plaid's OpenAPI spec.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectValidPlaid } from '../support/plaid-spec';
import { type TestStack } from '../support/stack';
import { auditRecordFor } from '../support/audit';
import { type Partner, startWorldWithToken, type Token } from '../support/tenants';
import { plaidSdk } from '../support/sdk';
import type { PlaidApi } from 'plaid';

let stack: TestStack;
let partner: Partner;
let token: Token;
let sdk: PlaidApi;
beforeAll(async () => {
  ({ stack, partner, token } = await startWorldWithToken({ http: true }));
  sdk = plaidSdk(stack.url, partner);
});
afterAll(async () => stack?.close());

describe('/processor/balance/get', () => {
  it("answers the account's balances", async () => {
    const { data, headers } = await sdk.processorBalanceGet({ processor_token: token.gatewayToken });
    expectValidPlaid('ProcessorBalanceGetResponse', data);
    expect(data.account.balances.current).toEqual(expect.any(Number));
    expect(data.request_id).toBe(headers['x-request-id']);
    const record = await auditRecordFor(stack, data.request_id);
    expect(record).toMatchObject({ product: 'balance', decision: 'allow', tokenId: token.tokenId, plaidStatus: 200 });
  });

  it('passes options through', async () => {
    const { data } = await sdk.processorBalanceGet({
      processor_token: token.gatewayToken,
      options: { min_last_updated_datetime: '2020-01-01T00:00:00Z' },
    });
    expectValidPlaid('ProcessorBalanceGetResponse', data);
    const record = await auditRecordFor(stack, data.request_id);
    expect(record.details).toEqual({ fields_present: ['options', 'options.min_last_updated_datetime', 'processor_token'] });
  });
});

describe('/processor/identity/match', () => {
  it('scores the user against the account holder and records field names, never values', async () => {
    const { data } = await sdk.processorIdentityMatch({
      processor_token: token.gatewayToken,
      user: {
        legal_name: 'Alberta Bobbeth Charleson',
        phone_number: '+1 415 555 0011',
        email_address: 'accountholder0@example.com',
        address: { street: '2992 Cameron Road', city: 'Malakoff', region: 'NY', postal_code: '14236', country: 'US' },
      },
    });
    expectValidPlaid('ProcessorIdentityMatchResponse', data);
    expect(data.account.legal_name?.score).toEqual(expect.any(Number));
    const record = await auditRecordFor(stack, data.request_id);
    expect(record).toMatchObject({ product: 'identity', decision: 'allow' });
    expect(record.details).toEqual({
      fields_present: ['processor_token', 'user', 'user.address', 'user.email_address', 'user.legal_name', 'user.phone_number'],
    });
    const stored = JSON.stringify(record);
    for (const value of ['Alberta', 'Charleson', '555 0011', 'accountholder0@example.com', 'Cameron', '14236']) {
      expect(stored).not.toContain(value);
    }
  });
});

describe('Signal', () => {
  it('evaluates, then accepts the decision and return reports for the same transaction', async () => {
    const evaluation = await sdk.processorSignalEvaluate({
      processor_token: token.gatewayToken,
      client_transaction_id: 'gw-txn-1',
      amount: 102.05,
    });
    expectValidPlaid('ProcessorSignalEvaluateResponse', evaluation.data);
    expect(evaluation.data.scores?.customer_initiated_return_risk?.score).toEqual(expect.any(Number));

    const decision = await sdk.processorSignalDecisionReport({
      processor_token: token.gatewayToken,
      client_transaction_id: 'gw-txn-1',
      initiated: true,
      days_funds_on_hold: 2,
    });
    expectValidPlaid('ProcessorSignalDecisionReportResponse', decision.data);

    const returned = await sdk.processorSignalReturnReport({
      processor_token: token.gatewayToken,
      client_transaction_id: 'gw-txn-1',
      return_code: 'R01',
    });
    expectValidPlaid('ProcessorSignalReturnReportResponse', returned.data);

    for (const [data, endpoint] of [
      [evaluation.data, '/processor/signal/evaluate'],
      [decision.data, '/processor/signal/decision/report'],
      [returned.data, '/processor/signal/return/report'],
    ] as const) {
      const record = await auditRecordFor(stack, data.request_id);
      expect(record).toMatchObject({ endpoint, product: 'signal', decision: 'allow', plaidStatus: 200 });
      expect(record.plaidRequestId).toBeTruthy();
    }
  });

  it("passes Plaid's INVALID_FIELD through for a report on a transaction never evaluated", async () => {
    const res = await sdk
      .processorSignalDecisionReport({ processor_token: token.gatewayToken, client_transaction_id: 'never-evaluated', initiated: true })
      .catch((err: { response: { status: number; data: any; headers: Record<string, string> } }) => err.response);
    expect(res.status).toBe(400);
    expect(res.data).toMatchObject({ error_type: 'INVALID_REQUEST', error_code: 'INVALID_FIELD' });
    expect(res.data.request_id).toBe(res.headers['x-request-id']);
    const record = await auditRecordFor(stack, res.data.request_id);
    expect(record).toMatchObject({ decision: 'allow', reason: 'plaid_INVALID_FIELD', plaidStatus: 400, httpStatus: 400 });
  });
});
