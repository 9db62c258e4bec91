import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NACHA_RETURN_CODES } from '../../src/plaid/schemas';
import { expectValidPlaid } from '../support/plaid-spec';
import { expectSdkError } from '../support/sdk';
import { startEmulatorHarness, type Harness } from './harness';

let h: Harness;
beforeAll(async () => {
  h = await startEmulatorHarness({ rateLimits: false });
});
afterAll(() => h.close());

const evaluate = (token: string, id = 'elig-1') => h.plaid.processorSignalEvaluate({ processor_token: token, client_transaction_id: id, amount: 10 });

describe('/processor/signal/evaluate eligibility', () => {
  it.each(['ins_43', 'ins_116834', 'ins_117650'])('a non-US institution (%s) answers PRODUCTS_NOT_SUPPORTED', async (institution_id) => {
    const token = await h.newToken({ institution_id });
    const { body: err } = await expectSdkError(evaluate(token), { status: 400, error_type: 'ITEM_ERROR', error_code: 'PRODUCTS_NOT_SUPPORTED' });
    expect(err.error_message).toBe('');
    expect(err.display_message).toBeNull();
  });

  it('a US institution is scored', async () => {
    const token = await h.newToken({ institution_id: 'ins_109508' });
    expectValidPlaid('ProcessorSignalEvaluateResponse', (await evaluate(token)).data);
  });

  it('the control forces PRODUCT_NOT_READY, and lifting it scores again', async () => {
    const token = await h.newToken();
    const set = await h.post('/sandbox/processor_token/signal/set_product_not_ready', { processor_token: token });
    expect(set.status).toBe(200);
    expect(set.body.not_ready).toBe(true);
    const { body: err } = await expectSdkError(evaluate(token), { status: 400, error_type: 'ITEM_ERROR', error_code: 'PRODUCT_NOT_READY' });
    expect(err.error_message).toBe('the requested product is not yet ready. please provide a webhook or try the request again later');
    expect(err.display_message).toBeNull();
    // Nothing was evaluated, so a report for that transaction is refused.
    await expectSdkError(h.plaid.processorSignalDecisionReport({ processor_token: token, client_transaction_id: 'elig-1', initiated: true }), {
      status: 400,
      error_code: 'INVALID_FIELD',
    });
    await h.post('/sandbox/processor_token/signal/set_product_not_ready', { processor_token: token, not_ready: false });
    expectValidPlaid('ProcessorSignalEvaluateResponse', (await evaluate(token)).data);
  });
});

describe('/processor/signal/return/report return codes', () => {
  it.each(['R00', 'R48', 'R60', 'R63', 'R99'])('refuses %s, not a NACHA return code (INVALID_FIELD)', async (code) => {
    const token = await h.newToken();
    await evaluate(token, 'ret');
    const { body: err } = await expectSdkError(h.plaid.processorSignalReturnReport({ processor_token: token, client_transaction_id: 'ret', return_code: code }), {
      status: 400,
      error_type: 'INVALID_REQUEST',
      error_code: 'INVALID_FIELD',
    });
    expect(err.error_message).toContain('return_code');
  });

  it.each(['R01', 'R10', 'R29', 'R51', 'R62', 'R77', 'R85'])('accepts %s', async (code) => {
    const token = await h.newToken();
    await evaluate(token, 'ret');
    const { data } = await h.plaid.processorSignalReturnReport({ processor_token: token, client_transaction_id: 'ret', return_code: code });
    expectValidPlaid('ProcessorSignalReturnReportResponse', data);
  });

  it('the NACHA list covers the codes Signal documents in its risk categories', () => {
    for (const code of ['R05', 'R07', 'R10', 'R11', 'R29', 'R01', 'R02', 'R03', 'R04', 'R06', 'R08', 'R09', 'R13', 'R16', 'R17', 'R20', 'R23']) {
      expect(NACHA_RETURN_CODES).toContain(code);
    }
  });
});
