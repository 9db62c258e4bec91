import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ITEM_ERRORS, failsAtCreation, type ItemErrorCode } from '../../src/emulator/item-errors';
import { expectValidPlaid } from '../support/plaid-spec';
import { expectSdkError } from '../support/sdk';
import { startEmulatorHarness, type Harness } from './harness';

/** Plaid's documented `error_<CODE>` list (sandbox test credentials: errors met "when creating an Item"). */
const DOCUMENTED_AT_CREATION = [
  'COUNTRY_NOT_SUPPORTED',
  'INSTITUTION_DOWN',
  'INSTITUTION_NOT_RESPONDING',
  'INSTITUTION_NO_LONGER_SUPPORTED',
  'INSUFFICIENT_CREDENTIALS',
  'INTERNAL_SERVER_ERROR',
  'INVALID_CREDENTIALS',
  'INVALID_MFA',
  'INVALID_SEND_METHOD',
  'ITEM_LOCKED',
  'ITEM_NOT_SUPPORTED',
  'MFA_NOT_SUPPORTED',
  'NO_ACCOUNTS',
  'PAYMENT_INVALID_RECIPIENT',
  'PRODUCTS_NOT_SUPPORTED',
  'USER_INPUT_TIMEOUT',
  'USER_SETUP_REQUIRED',
] as const;

let h: Harness;
beforeAll(async () => {
  h = await startEmulatorHarness({ rateLimits: false });
});
afterAll(() => h.close());

const create = (institution_id: string, override_username: string, override_password: string) =>
  h.plaid.sandboxProcessorTokenCreate({ institution_id, options: { override_username, override_password } });

describe('error_<CODE> passwords', () => {
  it('the emulator fails at creation exactly the documented list', () => {
    const atCreation = (Object.keys(ITEM_ERRORS) as ItemErrorCode[]).filter(failsAtCreation).sort();
    expect(atCreation).toEqual([...DOCUMENTED_AT_CREATION].sort());
  });

  it.each(DOCUMENTED_AT_CREATION)('error_%s fails /sandbox/processor_token/create with that error', async (code) => {
    const entry = ITEM_ERRORS[code];
    const { body: err } = await expectSdkError(create('ins_109508', 'user_good', `error_${code}`), {
      status: entry.type === 'API_ERROR' ? 500 : 400,
      error_type: entry.type,
      error_code: code,
    });
    expect(err).toMatchObject({ error_message: entry.message, display_message: entry.display });
    expect(err.request_id).toMatch(/^[A-Za-z0-9]{15}$/);
  });

  it.each(['ITEM_LOGIN_REQUIRED', 'NO_AUTH_ACCOUNTS'] as const)('error_%s issues the token; the first data call answers it', async (code) => {
    const { data } = await create('ins_109508', 'user_good', `error_${code}`);
    expectValidPlaid('SandboxProcessorTokenCreateResponse', data);
    await expectSdkError(h.plaid.processorAuthGet({ processor_token: data.processor_token }), { status: 400, error_code: code });
  });

  // Plaid: "error testing credentials are not compatible with institutions that use OAuth".
  it.each(['ins_127287', 'ins_132241', 'ins_117181', 'ins_116834', 'ins_117650'])(
    'at the OAuth institution %s an error password is refused with INVALID_FIELD, and no token is issued',
    async (institution) => {
      const before = h.app.emulator.state.size;
      for (const password of ['error_ITEM_LOCKED', 'error_ITEM_LOGIN_REQUIRED']) {
        const { body } = await expectSdkError(create(institution, 'user_good', password), {
          status: 400,
          error_type: 'INVALID_REQUEST',
          error_code: 'INVALID_FIELD',
        });
        expect(body.error_message).toContain('OAuth');
        expect(body.error_message).toContain(institution);
      }
      expect(h.app.emulator.state.size).toBe(before);
      // The ordinary credentials still work there.
      const { data } = await create(institution, 'user_good', 'pass_good');
      expectValidPlaid('SandboxProcessorTokenCreateResponse', data);
    },
  );

  it('at a non-OAuth institution next to them the same password fails creation as documented', async () => {
    await expectSdkError(create('ins_109511', 'user_good', 'error_ITEM_LOCKED'), { status: 400, error_type: 'ITEM_ERROR', error_code: 'ITEM_LOCKED' });
  });
});

describe('Auth numbers follow the institution country', () => {
  it('a Canadian institution (ins_43) answers EFT numbers only, in CAD', async () => {
    const token = await h.newToken({ institution_id: 'ins_43' });
    const { data } = await h.plaid.processorAuthGet({ processor_token: token });
    expectValidPlaid('ProcessorAuthGetResponse', data);
    expect(data.numbers).toEqual({
      ach: null,
      eft: { account_id: data.account.account_id, account: '111122223333', institution: '021', branch: '01140' },
      international: null,
      bacs: null,
    });
    expect(data.account.balances.iso_currency_code).toBe('CAD');
  });

  it.each(['ins_116834', 'ins_117650'])('a UK institution (%s) answers BACS and IBAN numbers, ACH and EFT null, in GBP', async (ins) => {
    const token = await h.newToken({ institution_id: ins });
    const { data } = await h.plaid.processorAuthGet({ processor_token: token });
    expectValidPlaid('ProcessorAuthGetResponse', data);
    const numbers = data.numbers as any;
    expect(numbers.ach).toBeNull();
    expect(numbers.eft).toBeNull();
    expect(numbers.bacs).toEqual({ account_id: data.account.account_id, account: '31926819', sort_code: '601613' });
    expect(numbers.international).toMatchObject({ iban: expect.stringMatching(/^GB/), bic: expect.any(String) });
    const balance = await h.plaid.processorBalanceGet({ processor_token: token });
    expectValidPlaid('ProcessorBalanceGetResponse', balance.data);
    expect(balance.data.account.balances.iso_currency_code).toBe('GBP');
    const sync = await h.plaid.processorTransactionsSync({ processor_token: token, count: 5 });
    expectValidPlaid('ProcessorTransactionsSyncResponse', sync.data);
    expect(sync.data.added.every((t) => t.iso_currency_code === 'GBP')).toBe(true);
  });

  it('a US institution answers ACH only', async () => {
    const { data } = await h.plaid.processorAuthGet({ processor_token: await h.newToken({ institution_id: 'ins_3' }) });
    expectValidPlaid('ProcessorAuthGetResponse', data);
    expect(data.numbers.ach).toMatchObject({ routing: '011401533', wire_routing: '021000021' });
    expect([data.numbers.eft, data.numbers.international, data.numbers.bacs]).toEqual([null, null, null]);
  });
});

describe('user_custom', () => {
  const config = {
    override_accounts: [
      {
        type: 'depository',
        subtype: 'savings',
        starting_balance: 2500.5,
        force_available_balance: 2400,
        currency: 'USD',
        meta: { name: 'Rainy Day', official_name: 'Platypus High Yield Savings', mask: '7788' },
        numbers: { account: '9900112233447788', ach_routing: '021000021', ach_wire_routing: '026009593' },
        identity: {
          names: ['Jane Q Partner', 'John Partner'],
          phone_numbers: [{ data: '+1 415-555-0100', primary: true, type: 'mobile' }],
          emails: [{ data: 'jane@partner.example', primary: true, type: 'primary' }],
          addresses: [{ data: { street: '1 Market St', city: 'San Francisco', region: 'CA', postal_code: '94105', country: 'US' }, primary: true }],
        },
      },
      { type: 'credit', subtype: 'credit card' },
    ],
  };

  it('the token answers the configured account, numbers, balances and owners', async () => {
    const { data: created } = await create('ins_109508', 'user_custom', JSON.stringify(config));
    const token = created.processor_token;

    const auth = await h.plaid.processorAuthGet({ processor_token: token });
    expectValidPlaid('ProcessorAuthGetResponse', auth.data);
    expect(auth.data.account).toMatchObject({
      name: 'Rainy Day',
      official_name: 'Platypus High Yield Savings',
      mask: '7788',
      type: 'depository',
      subtype: 'savings',
      balances: { current: 2500.5, available: 2400, iso_currency_code: 'USD' },
    });
    expect(auth.data.numbers.ach).toMatchObject({ account: '9900112233447788', routing: '021000021', wire_routing: '026009593' });
    expect(auth.data.numbers.bacs).toBeNull();

    const balance = await h.plaid.processorBalanceGet({ processor_token: token });
    expectValidPlaid('ProcessorBalanceGetResponse', balance.data);
    expect(balance.data.account.balances).toMatchObject({ current: 2500.5, available: 2400 });

    const identity = await h.plaid.processorIdentityGet({ processor_token: token });
    expectValidPlaid('ProcessorIdentityGetResponse', identity.data);
    expect(identity.data.account.owners).toEqual([
      {
        names: ['Jane Q Partner', 'John Partner'],
        phone_numbers: [{ data: '+1 415-555-0100', primary: true, type: 'mobile' }],
        emails: [{ data: 'jane@partner.example', primary: true, type: 'primary' }],
        addresses: [{ data: { street: '1 Market St', city: 'San Francisco', region: 'CA', postal_code: '94105', country: 'US' }, primary: true }],
      },
    ]);

    const match = await h.plaid.processorIdentityMatch({
      processor_token: token,
      user: { legal_name: 'John Partner', email_address: 'jane@partner.example' },
    });
    expectValidPlaid('ProcessorIdentityMatchResponse', match.data);
    expect((match.data.account as any).legal_name.score).toBe(100);
    expect((match.data.account as any).email_address.score).toBe(100);
  });

  it('fields left out keep the Sandbox defaults; `{}` is user_good-like', async () => {
    const { data: a } = await create('ins_109508', 'user_custom', JSON.stringify({ override_accounts: [{ type: 'depository', subtype: 'checking', identity: { names: ['Solo Owner'] } }] }));
    const identity = await h.plaid.processorIdentityGet({ processor_token: a.processor_token });
    expectValidPlaid('ProcessorIdentityGetResponse', identity.data);
    expect(identity.data.account.owners[0]!.names).toEqual(['Solo Owner']);
    expect(identity.data.account.owners[0]!.emails[0]!.data).toBe('accountholder0@example.com');
    expect(identity.data.account.name).toBe('Plaid Checking');

    const { data: b } = await create('ins_109508', 'user_custom', '{}');
    const auth = await h.plaid.processorAuthGet({ processor_token: b.processor_token });
    expectValidPlaid('ProcessorAuthGetResponse', auth.data);
    expect(auth.data.account).toMatchObject({ name: 'Plaid Checking', mask: '0000' });
  });

  it('at a Canadian institution the custom numbers are EFT', async () => {
    const cfg = { override_accounts: [{ type: 'depository', subtype: 'checking', numbers: { account: '5550001234', eft_institution: '003', eft_branch: '12345' } }] };
    const { data } = await create('ins_43', 'user_custom', JSON.stringify(cfg));
    const auth = await h.plaid.processorAuthGet({ processor_token: data.processor_token });
    expectValidPlaid('ProcessorAuthGetResponse', auth.data);
    expect(auth.data.numbers.eft).toMatchObject({ account: '5550001234', institution: '003', branch: '12345' });
    expect(auth.data.numbers.ach).toBeNull();
  });

  it.each([
    ['not JSON', 'pass_good'],
    ['truncated JSON', '{"override_accounts": ['],
    ['an unknown account type', JSON.stringify({ override_accounts: [{ type: 'spaceship', subtype: null }] })],
    ['a bad mask', JSON.stringify({ override_accounts: [{ type: 'depository', subtype: 'checking', meta: { mask: 'toolong' } }] })],
    ['eft_institution without eft_branch', JSON.stringify({ override_accounts: [{ type: 'depository', subtype: 'checking', numbers: { eft_institution: '003' } }] })],
  ])('refuses %s with INVALID_CREDENTIALS', async (_label, password) => {
    await expectSdkError(create('ins_109508', 'user_custom', password), { status: 400, error_type: 'ITEM_ERROR', error_code: 'INVALID_CREDENTIALS' });
  });
});
