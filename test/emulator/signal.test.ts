import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectValidPlaid } from '../support/plaid-spec';
import { expectSdkError } from '../support/sdk';
import { startEmulatorHarness, type Harness } from './harness';

let h: Harness;
let token: string;
beforeAll(async () => {
  h = await startEmulatorHarness();
  token = await h.newToken();
});
afterAll(() => h.close());

describe('/processor/signal/evaluate', () => {
  it('answers scores 1-99 with risk tiers and core attributes, valid against the spec', async () => {
    const { data } = await h.plaid.processorSignalEvaluate({ processor_token: token, client_transaction_id: 'eval-1', amount: 102.05 });
    expectValidPlaid('ProcessorSignalEvaluateResponse', data);
    const { customer_initiated_return_risk: c, bank_initiated_return_risk: b } = data.scores as any;
    for (const s of [c.score, b.score]) expect(s).toBeGreaterThanOrEqual(1), expect(s).toBeLessThanOrEqual(99);
    expect(c.risk_tier).toBeGreaterThanOrEqual(1);
    expect(c.risk_tier).toBeLessThanOrEqual(5);
    expect(b.risk_tier).toBeGreaterThanOrEqual(1);
    expect(b.risk_tier).toBeLessThanOrEqual(8);
    expect(data.core_attributes).toMatchObject({ available_balance: 100, is_savings_or_money_market_account: false });
    expect((data.core_attributes as any).debit_transactions_count_30d).toBeGreaterThan(0);
  });

  it('is deterministic, and riskier for larger amounts', async () => {
    const score = async (id: string, amount: number) =>
      ((await h.plaid.processorSignalEvaluate({ processor_token: token, client_transaction_id: id, amount })).data.scores as any)
        .customer_initiated_return_risk.score as number;
    expect(await score('det-a', 250)).toBe(await score('det-b', 250));
    expect(await score('big', 25_000)).toBeGreaterThan(await score('small', 5));
  });

  it("accepts Plaid's optional fields (user, device, payment method...), which do not change the scores", async () => {
    const plain = await h.plaid.processorSignalEvaluate({ processor_token: token, client_transaction_id: 'opt-a', amount: 80 });
    const { data } = await h.plaid.processorSignalEvaluate({
      processor_token: token,
      client_transaction_id: 'opt-b',
      amount: 80,
      user_present: true,
      client_user_id: 'user_8842',
      is_recurring: false,
      default_payment_method: 'STANDARD_ACH',
      user: {
        name: { given_name: 'Alberta', family_name: 'Charleson' },
        phone_number: '+11115553333',
        email_address: 'accountholder0@example.com',
        address: { street: '2992 Cameron Road', city: 'Malakoff', region: 'NY', postal_code: '14236', country: 'US' },
      },
      device: { ip_address: '203.0.113.7', user_agent: 'Mozilla/5.0' },
    });
    expectValidPlaid('ProcessorSignalEvaluateResponse', data);
    expect(data.scores).toEqual(plain.data.scores);
  });

  it('returns the cached result for the same client_transaction_id within 24 h', async () => {
    const first = await h.plaid.processorSignalEvaluate({ processor_token: token, client_transaction_id: 'cached', amount: 1 });
    const second = await h.plaid.processorSignalEvaluate({ processor_token: token, client_transaction_id: 'cached', amount: 99_999 });
    expect(second.data.scores).toEqual(first.data.scores);
  });

  it('validates client_transaction_id length and amount type', async () => {
    await expectSdkError(
      h.plaid.processorSignalEvaluate({ processor_token: token, client_transaction_id: 'x'.repeat(37), amount: 1 }),
      { status: 400, error_code: 'INVALID_FIELD' },
    );
    await expectSdkError(
      h.plaid.processorSignalEvaluate({ processor_token: token, client_transaction_id: 'a', amount: '12' as unknown as number }),
      { status: 400, error_code: 'INVALID_FIELD' },
    );
  });

  it.each(['jane@example.com', '+14155550100', '(415) 555-0100', '415-555-0100'])(
    'refuses PII in client_user_id (%s) with INVALID_FIELD, and evaluates nothing',
    async (client_user_id) => {
      const { body } = await expectSdkError(
        h.plaid.processorSignalEvaluate({ processor_token: token, client_transaction_id: 'pii-1', amount: 1, client_user_id }),
        { status: 400, error_type: 'INVALID_REQUEST', error_code: 'INVALID_FIELD' },
      );
      expect(body.error_message).toContain('client_user_id');
      await expectSdkError(h.plaid.processorSignalDecisionReport({ processor_token: token, client_transaction_id: 'pii-1', initiated: true }), {
        status: 400,
        error_code: 'INVALID_FIELD',
      });
    },
  );

  it.each(['user_8842', '1234567890', 'c2b1f6a0-9e1d-4a8e-b0a4-5d7f2c1e9b33'])('accepts an opaque client_user_id (%s)', async (client_user_id) => {
    const { data } = await h.plaid.processorSignalEvaluate({ processor_token: token, client_transaction_id: `ok-${client_user_id.slice(0, 8)}`, amount: 1, client_user_id });
    expectValidPlaid('ProcessorSignalEvaluateResponse', data);
  });
});

describe('/processor/signal/decision/report', () => {
  it('accepts a report for an evaluated transaction, and the same report again', async () => {
    await h.plaid.processorSignalEvaluate({ processor_token: token, client_transaction_id: 'dec-1', amount: 50 });
    const { data } = await h.plaid.processorSignalDecisionReport({
      processor_token: token,
      client_transaction_id: 'dec-1',
      initiated: true,
      days_funds_on_hold: 2,
      decision_outcome: 'APPROVE' as any,
      payment_method: 'SAME_DAY_ACH' as any,
      amount_instantly_available: 10,
    });
    expectValidPlaid('ProcessorSignalDecisionReportResponse', data);
    const again = await h.plaid.processorSignalDecisionReport({ processor_token: token, client_transaction_id: 'dec-1', initiated: true });
    expectValidPlaid('ProcessorSignalDecisionReportResponse', again.data);
  });

  it('refuses a second report with a different initiated (INVALID_FIELD)', async () => {
    await h.plaid.processorSignalEvaluate({ processor_token: token, client_transaction_id: 'dec-2', amount: 50 });
    await h.plaid.processorSignalDecisionReport({ processor_token: token, client_transaction_id: 'dec-2', initiated: false });
    const { body: err } = await expectSdkError(
      h.plaid.processorSignalDecisionReport({ processor_token: token, client_transaction_id: 'dec-2', initiated: true }),
      { status: 400, error_type: 'INVALID_REQUEST', error_code: 'INVALID_FIELD' },
    );
    expect(err.error_message).toContain('initiated');
  });

  it('refuses a transaction that was never evaluated (INVALID_FIELD)', async () => {
    await expectSdkError(
      h.plaid.processorSignalDecisionReport({ processor_token: token, client_transaction_id: 'never', initiated: true }),
      { status: 400, error_code: 'INVALID_FIELD' },
    );
  });

  it('refuses a non-boolean initiated and an unknown decision_outcome (INVALID_FIELD)', async () => {
    await expectSdkError(
      h.plaid.processorSignalDecisionReport({ processor_token: token, client_transaction_id: 'dec-1', initiated: 'yes' as unknown as boolean }),
      { status: 400, error_code: 'INVALID_FIELD' },
    );
    await expectSdkError(
      h.plaid.processorSignalDecisionReport({
        processor_token: token,
        client_transaction_id: 'dec-1',
        initiated: true,
        decision_outcome: 'MAYBE' as any,
      }),
      { status: 400, error_code: 'INVALID_FIELD' },
    );
  });
});

describe('/processor/signal/return/report', () => {
  it('accepts an ACH return code for an evaluated transaction', async () => {
    await h.plaid.processorSignalEvaluate({ processor_token: token, client_transaction_id: 'ret-1', amount: 75 });
    const { data } = await h.plaid.processorSignalReturnReport({
      processor_token: token,
      client_transaction_id: 'ret-1',
      return_code: 'R01',
      returned_at: '2024-07-16T10:00:00Z',
    });
    expectValidPlaid('ProcessorSignalReturnReportResponse', data);
  });

  it('refuses a returned_at that is not an ISO 8601 date-time (INVALID_FIELD)', async () => {
    await h.plaid.processorSignalEvaluate({ processor_token: token, client_transaction_id: 'ret-at', amount: 75 });
    await expectSdkError(
      h.plaid.processorSignalReturnReport({ processor_token: token, client_transaction_id: 'ret-at', return_code: 'R01', returned_at: '16/07/2024' }),
      { status: 400, error_type: 'INVALID_REQUEST', error_code: 'INVALID_FIELD' },
    );
  });

  it.each(['R1', 'X01', 'r01', 'R001', ''])('refuses return code %j (INVALID_FIELD)', async (code) => {
    await expectSdkError(
      h.plaid.processorSignalReturnReport({ processor_token: token, client_transaction_id: 'ret-1', return_code: code }),
      { status: 400, error_code: 'INVALID_FIELD' },
    );
  });

  it('refuses a transaction that was never evaluated', async () => {
    await expectSdkError(
      h.plaid.processorSignalReturnReport({ processor_token: token, client_transaction_id: 'never-ret', return_code: 'R02' }),
      { status: 400, error_code: 'INVALID_FIELD' },
    );
  });
});
