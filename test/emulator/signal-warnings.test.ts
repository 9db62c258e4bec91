import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectValidPlaid } from '../support/plaid-spec';
import { startEmulatorHarness, type Harness } from './harness';

let h: Harness;
beforeAll(async () => {
  h = await startEmulatorHarness({ rateLimits: false });
});
afterAll(() => h.close());

describe('/processor/signal/evaluate warnings', () => {
  it('a healthy Item: no warnings, core attributes present', async () => {
    const { data } = await h.plaid.processorSignalEvaluate({ processor_token: await h.newToken(), client_transaction_id: 'w1', amount: 10 });
    expectValidPlaid('ProcessorSignalEvaluateResponse', data);
    expect(data.warnings).toEqual([]);
    expect(data.core_attributes).toBeDefined();
  });

  it('an Item needing a new login still scores, with an ITEM_LOGIN_REQUIRED warning and no bank-data attributes', async () => {
    const token = await h.newToken();
    await h.post('/sandbox/processor_token/reset_login', { processor_token: token });
    const { data } = await h.plaid.processorSignalEvaluate({ processor_token: token, client_transaction_id: 'w2', amount: 10 });
    expectValidPlaid('ProcessorSignalEvaluateResponse', data);
    expect(data.scores?.customer_initiated_return_risk?.score).toEqual(expect.any(Number));
    expect(data.warnings).toEqual([
      { warning_type: 'BANK_DATA_WARNING', warning_code: 'ITEM_LOGIN_REQUIRED', warning_message: expect.stringContaining('login details') },
    ]);
    expect(data.core_attributes).toBeUndefined();
    // Repaired: bank data again.
    await h.post('/sandbox/processor_token/repair', { processor_token: token });
    const after = await h.plaid.processorSignalEvaluate({ processor_token: token, client_transaction_id: 'w3', amount: 10 });
    expect(after.data.warnings).toEqual([]);
  });

  it('an institution that is down gives an INSTITUTION_DOWN warning', async () => {
    const { data } = await h.plaid.processorSignalEvaluate({
      processor_token: await h.newToken({ institution_id: 'ins_132361' }),
      client_transaction_id: 'w4',
      amount: 10,
    });
    expectValidPlaid('ProcessorSignalEvaluateResponse', data);
    expect(data.warnings?.map((w) => w.warning_code)).toEqual(['INSTITUTION_DOWN']);
  });
});

describe('/processor/signal/evaluate ruleset', () => {
  it('names the triggered rule in triggered_rule_details, matching the result', async () => {
    const token = await h.newToken();
    const seen = new Set<string>();
    for (const amount of [1, 50, 500, 5000, 50000, 500000]) {
      const { data } = await h.plaid.processorSignalEvaluate({
        processor_token: token,
        client_transaction_id: `r-${amount}`,
        amount,
        ruleset_key: 'onboarding_flow',
      });
      expectValidPlaid('ProcessorSignalEvaluateResponse', data);
      const ruleset = data.ruleset as any;
      expect(ruleset.ruleset_key).toBe('onboarding_flow');
      expect(ruleset.triggered_rule_details).toMatchObject({ internal_note: expect.any(String), custom_action_key: expect.any(String) });
      const expectedKey = { REROUTE: 'reroute-high-risk', REVIEW: 'manual-review', ACCEPT: 'accept' }[ruleset.result as string];
      expect(ruleset.triggered_rule_details.custom_action_key).toBe(expectedKey);
      seen.add(ruleset.result);
    }
    expect(seen.has('ACCEPT')).toBe(true);
    expect(seen.size).toBeGreaterThan(1);
  });

  it('no ruleset_key: no ruleset', async () => {
    const { data } = await h.plaid.processorSignalEvaluate({ processor_token: await h.newToken(), client_transaction_id: 'n', amount: 10 });
    expect(data.ruleset).toBeUndefined();
  });
});
