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

describe('sandbox processor token', () => {
  it('creates processor-sandbox-<uuid v4> tokens that validate against the spec', async () => {
    const { data } = await h.plaid.sandboxProcessorTokenCreate({ institution_id: 'ins_109512' });
    expectValidPlaid('SandboxProcessorTokenCreateResponse', data);
    expect(data.processor_token).toMatch(/^processor-sandbox-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(data.processor_token).not.toBe(token);
  });

  it('refuses an unknown institution with INVALID_INSTITUTION', async () => {
    await expectSdkError(h.plaid.sandboxProcessorTokenCreate({ institution_id: 'ins_999999999' }), {
      status: 400,
      error_type: 'INVALID_INPUT',
      error_code: 'INVALID_INSTITUTION',
    });
  });

  it('refuses wrong sandbox credentials with INVALID_CREDENTIALS', async () => {
    await expectSdkError(
      h.plaid.sandboxProcessorTokenCreate({ institution_id: 'ins_109508', options: { override_password: 'wrong' } }),
      { status: 400, error_type: 'ITEM_ERROR', error_code: 'INVALID_CREDENTIALS' },
    );
    await expectSdkError(
      h.plaid.sandboxProcessorTokenCreate({ institution_id: 'ins_109508', options: { override_username: 'user_bad' } }),
      { status: 400, error_type: 'ITEM_ERROR', error_code: 'INVALID_CREDENTIALS' },
    );
  });

  it('refuses an error_<CODE> password the emulator does not support', async () => {
    const { body: err } = await expectSdkError(
      h.plaid.sandboxProcessorTokenCreate({ institution_id: 'ins_109508', options: { override_password: 'error_NOPE' } }),
      { status: 400, error_code: 'INVALID_FIELD' },
    );
    expect(err.error_message).toContain('ITEM_LOCKED');
  });
});

describe('/processor/auth/get', () => {
  it("answers user_good's Plaid Checking with ACH numbers at a US institution, the other schemes null", async () => {
    const { data } = await h.plaid.processorAuthGet({ processor_token: token });
    expectValidPlaid('ProcessorAuthGetResponse', data);
    expect(data.account).toMatchObject({ name: 'Plaid Checking', mask: '0000', type: 'depository', subtype: 'checking' });
    expect(data.account.account_id).toMatch(/^[A-Za-z0-9]{37}$/);
    const numbers = data.numbers as any;
    expect(numbers.ach).toMatchObject({ account: '1111222233330000', routing: '011401533', account_id: data.account.account_id });
    expect(numbers.eft).toBeNull();
    expect(numbers.international).toBeNull();
    expect(numbers.bacs).toBeNull();
  });

  it('is deterministic per token and different across tokens', async () => {
    const again = await h.plaid.processorAuthGet({ processor_token: token });
    const first = await h.plaid.processorAuthGet({ processor_token: token });
    expect(again.data.account.account_id).toBe(first.data.account.account_id);
    const other = await h.plaid.processorAuthGet({ processor_token: await h.newToken() });
    expect(other.data.account.account_id).not.toBe(first.data.account.account_id);
  });

  it('answers a fresh request_id each time', async () => {
    const a = await h.plaid.processorAuthGet({ processor_token: token });
    const b = await h.plaid.processorAuthGet({ processor_token: token });
    expect(a.data.request_id).toMatch(/^[A-Za-z0-9]{15}$/);
    expect(a.data.request_id).not.toBe(b.data.request_id);
  });
});

describe('/processor/balance/get', () => {
  it('answers the balance', async () => {
    const { data } = await h.plaid.processorBalanceGet({ processor_token: token });
    expectValidPlaid('ProcessorBalanceGetResponse', data);
    expect(data.account.balances).toMatchObject({ available: 100, current: 110, iso_currency_code: 'USD' });
  });

  it('ignores options.min_last_updated_datetime outside Capital One', async () => {
    const { data } = await h.plaid.processorBalanceGet({
      processor_token: token,
      options: { min_last_updated_datetime: '2099-01-01T00:00:00Z' },
    });
    expectValidPlaid('ProcessorBalanceGetResponse', data);
  });

  it('at Capital One a checking account is real-time too (the credit-card case: custom-user-data.test.ts)', async () => {
    const capitalOne = await h.newToken({ institution_id: 'ins_128026' });
    const { data } = await h.plaid.processorBalanceGet({ processor_token: capitalOne });
    expectValidPlaid('ProcessorBalanceGetResponse', data);
    expect(data.account.balances.last_updated_datetime).toBe(h.now().toISOString());
  });
});

describe('/processor/identity/get', () => {
  it('answers the owners with names, e-mails, phones and addresses', async () => {
    const { data } = await h.plaid.processorIdentityGet({ processor_token: token });
    expectValidPlaid('ProcessorIdentityGetResponse', data);
    const owner = data.account.owners[0]!;
    expect(owner.names).toEqual(['Alberta Bobbeth Charleson']);
    expect(owner.emails.some((e) => e.primary && e.data === 'accountholder0@example.com')).toBe(true);
    expect(owner.phone_numbers.length).toBeGreaterThan(0);
    expect(owner.addresses[0]!.data).toMatchObject({ street: '2992 Cameron Road', postal_code: '14236' });
  });
});

describe('/processor/identity/match', () => {
  const match = async (user: Record<string, unknown>) => {
    const { data } = await h.plaid.processorIdentityMatch({ processor_token: token, user });
    expectValidPlaid('ProcessorIdentityMatchResponse', data);
    return data.account as any;
  };

  it('scores exact data 100 on every field', async () => {
    const account = await match({
      legal_name: 'Alberta Bobbeth Charleson',
      phone_number: '+11115553333',
      email_address: 'accountholder0@example.com',
      address: { street: '2992 Cameron Road', city: 'Malakoff', region: 'NY', postal_code: '14236', country: 'US' },
    });
    expect(account.legal_name.score).toBe(100);
    expect(account.phone_number.score).toBe(100);
    expect(account.email_address.score).toBe(100);
    expect(account.address).toEqual({ score: 100, is_postal_code_match: true });
  });

  it('flags nicknames and first/last-name matches, and orders scores sensibly', async () => {
    const nickname = (await match({ legal_name: 'Bert Charleson' })).legal_name;
    expect(nickname.is_nickname_match).toBe(true);
    expect(nickname.score).toBeGreaterThanOrEqual(85);
    expect(nickname.score).toBeLessThan(100);

    const noMiddle = (await match({ legal_name: 'Alberta Charleson' })).legal_name;
    expect(noMiddle.score).toBeGreaterThanOrEqual(90);
    expect(noMiddle.is_nickname_match).toBe(false);

    const typo = (await match({ legal_name: 'Alberta Charlesen' })).legal_name;
    expect(typo.score).toBeGreaterThanOrEqual(85);

    const firstOnly = (await match({ legal_name: 'Alberta Smith' })).legal_name;
    expect(firstOnly.score).toBeLessThan(70);
    expect(firstOnly.is_first_name_or_last_name_match).toBe(true);

    const stranger = (await match({ legal_name: 'John Doe' })).legal_name;
    expect(stranger.score).toBeLessThan(50);
    expect(stranger.is_first_name_or_last_name_match).toBe(false);
  });

  it('gives partial scores to e-mail tags and phone extensions, low scores to other values', async () => {
    expect((await match({ email_address: 'accountholder0+shop@example.com' })).email_address.score).toBeGreaterThanOrEqual(70);
    expect((await match({ email_address: 'someone.else@elsewhere.org' })).email_address.score).toBeLessThan(70);
    const ext = (await match({ phone_number: '+11115553333 x12' })).phone_number.score;
    expect(ext).toBeGreaterThanOrEqual(70);
    expect(ext).toBeLessThan(100);
    expect((await match({ phone_number: '+14155550000' })).phone_number.score).toBeLessThan(70);
  });

  it('matches the postal code separately from a different street', async () => {
    const address = (await match({ address: { street: '1 Other Street', city: 'Malakoff', region: 'NY', postal_code: '14236-0001' } })).address;
    expect(address.is_postal_code_match).toBe(true);
    expect(address.score).toBeLessThan(80);
    const abbreviated = (await match({ address: { street: '2992 cameron rd.', city: 'Malakoff', region: 'NY', postal_code: '14236' } })).address;
    expect(abbreviated.score).toBeGreaterThanOrEqual(90);
  });

  it('answers null scores for fields the caller did not send', async () => {
    const account = await match({ legal_name: 'Alberta Charleson' });
    expect(account.phone_number.score).toBeNull();
    expect(account.email_address.score).toBeNull();
    expect(account.address.score).toBeNull();
    expect(account.address.is_postal_code_match).toBeNull();
    const empty = await h.plaid.processorIdentityMatch({ processor_token: token });
    expectValidPlaid('ProcessorIdentityMatchResponse', empty.data);
    expect((empty.data.account as any).legal_name.score).toBeNull();
  });
});
