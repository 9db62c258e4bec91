/**
 * The Plaid-Version header at the emulator: 2020-09-14 is served (and the
 * default without the header), the older released versions change
 * /processor/auth/get's `numbers` as Plaid's versioning page documents, and
 * anything else is INVALID_HEADERS.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectPlaidError, expectValidPlaid } from '../support/plaid-spec';
import { expectSdkError } from '../support/sdk';
import { CLIENT_A, startEmulatorHarness, type Harness } from './harness';

let h: Harness;
let token: string;
beforeAll(async () => {
  h = await startEmulatorHarness();
  token = await h.newToken();
});
afterAll(async () => h?.close());

const KEYS = { 'plaid-client-id': CLIENT_A.clientId, 'plaid-secret': CLIENT_A.secret };
const version = (v: string) => ({ headers: { 'Plaid-Version': v } });

describe('Plaid-Version 2020-09-14 (served)', () => {
  it('the SDK pins 2020-09-14: numbers per scheme', async () => {
    const { data } = await h.plaid.processorAuthGet({ processor_token: token });
    expectValidPlaid('ProcessorAuthGetResponse', data);
    expect(data.numbers.ach).toMatchObject({ account: '1111222233330000', routing: '011401533' });
    expect(data.numbers).toMatchObject({ eft: null, international: null, bacs: null });
  });

  it('without the header the same version applies (the client default)', async () => {
    const res = await h.post('/processor/auth/get', { processor_token: token }, KEYS);
    expect(res.status).toBe(200);
    expectValidPlaid('ProcessorAuthGetResponse', res.body);
    expect(res.body.numbers.ach.account).toBe('1111222233330000');
  });
});

describe('older released versions', () => {
  it.each(['2019-05-29', '2018-05-22', '2017-03-08'])(
    '%s: /processor/auth/get answers the flat list of ACH numbers of the versioning page',
    async (v) => {
      const { data } = await h.plaid.processorAuthGet({ processor_token: token }, version(v));
      const numbers = data.numbers as unknown as Array<Record<string, unknown>>;
      expect(Array.isArray(numbers)).toBe(true);
      expect(numbers).toHaveLength(1);
      expectValidPlaid('NumbersACH', numbers[0]);
      expect(numbers[0]).toEqual({ account: '1111222233330000', account_id: data.account.account_id, routing: '011401533', wire_routing: '021000021' });
      expectValidPlaid('AccountBase', data.account);
      expect(typeof data.request_id).toBe('string');
    },
  );

  it('a Canadian account has no ACH numbers to list before 2020-09-14, and its EFT numbers after', async () => {
    const canadian = await h.newToken({ institution_id: 'ins_43' });
    const { data: old } = await h.plaid.processorAuthGet({ processor_token: canadian }, version('2019-05-29'));
    expect(old.numbers).toEqual([]);
    const { data: current } = await h.plaid.processorAuthGet({ processor_token: canadian });
    expectValidPlaid('ProcessorAuthGetResponse', current);
    expect(current.numbers.eft).toMatchObject({ institution: '021', branch: '01140' });
  });

  it('the other endpoints answer as in 2020-09-14 (the emulator versions /processor/auth/get only)', async () => {
    const { data: balance } = await h.plaid.processorBalanceGet({ processor_token: token }, version('2018-05-22'));
    expectValidPlaid('ProcessorBalanceGetResponse', balance);
    const { data: sync } = await h.plaid.processorTransactionsSync({ processor_token: token, count: 5 }, version('2019-05-29'));
    expectValidPlaid('ProcessorTransactionsSyncResponse', sync);
  });
});

describe('a value that is not a Plaid API version', () => {
  it.each(['2021-01-01', '2099-01-02', 'latest', '2020-9-14', '2020-09-14-beta'])(
    '%s answers INVALID_HEADERS, naming the versions',
    async (v) => {
      const { body } = await expectSdkError(h.plaid.processorAuthGet({ processor_token: token }, version(v)), {
        status: 400,
        error_type: 'INVALID_REQUEST',
        error_code: 'INVALID_HEADERS',
      });
      expect(body.error_message).toContain('Plaid-Version');
      expect(body.error_message).toContain('2020-09-14');
      expect(body.display_message).toBeNull();
    },
  );

  it('an empty header is a value too', async () => {
    const res = await h.post('/processor/balance/get', { processor_token: token }, { ...KEYS, 'plaid-version': '' });
    expect(res.status).toBe(400);
    expectPlaidError(res.body, { error_type: 'INVALID_REQUEST', error_code: 'INVALID_HEADERS' });
  });

  it('applies to every endpoint, token creation and the controls included', async () => {
    const created = await h.post('/sandbox/processor_token/create', { institution_id: 'ins_109508' }, { ...KEYS, 'plaid-version': 'v2' });
    expectPlaidError(created.body, { error_code: 'INVALID_HEADERS' });
    const control = await h.post('/sandbox/processor_token/reset_login', { processor_token: token }, { ...KEYS, 'plaid-version': 'v2' });
    expectPlaidError(control.body, { error_code: 'INVALID_HEADERS' });
    // Nothing happened: the token is still healthy.
    const { data } = await h.plaid.processorBalanceGet({ processor_token: token });
    expectValidPlaid('ProcessorBalanceGetResponse', data);
  });

  it('wrong keys are answered first; an unknown path is NOT_FOUND whatever the header', async () => {
    const badKeys = await h.post('/processor/auth/get', { processor_token: token }, { 'plaid-client-id': 'x', 'plaid-secret': 'y', 'plaid-version': 'v2' });
    expectPlaidError(badKeys.body, { error_code: 'INVALID_API_KEYS' });
    const unknown = await h.post('/processor/nothing', {}, { ...KEYS, 'plaid-version': 'v2' });
    expect(unknown.status).toBe(400);
    expectPlaidError(unknown.body, { error_code: 'NOT_FOUND' });
  });
});
