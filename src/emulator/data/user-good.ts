import type { AccountBase, Owner, ProcessorNumber } from '../../plaid/schemas';
import { deterministicId } from '../random';

/**
 * Plaid's Sandbox `user_good` data, narrowed to what a processor token sees: one
 * account ("Plaid Checking", mask 0000). Values follow the figures Plaid's Sandbox
 * answers for user_good, so docs and examples line up. Only `account_id` varies:
 * it is derived from the token, as each Plaid Item has its own account ids.
 */

export const USER_GOOD_ACCOUNT = {
  name: 'Plaid Checking',
  official_name: 'Plaid Gold Standard 0% Interest Checking',
  mask: '0000',
  type: 'depository',
  subtype: 'checking',
  balances: { available: 100, current: 110, limit: null, iso_currency_code: 'USD', unofficial_currency_code: null },
} as const;

export const USER_GOOD_NUMBERS = {
  ach: { account: '1111222233330000', routing: '011401533', wire_routing: '021000021' },
  eft: { account: '111122223333', institution: '021', branch: '01140' },
  international: { iban: 'GB33BUKB20201555555555', bic: 'BUKBGB22' },
  bacs: { account: '31926819', sort_code: '601613' },
} as const;

export const USER_GOOD_OWNER: Owner = {
  names: ['Alberta Bobbeth Charleson'],
  phone_numbers: [
    { data: '+1 111-555-3333', primary: false, type: 'home' },
    { data: '+1 111-555-4444', primary: false, type: 'work' },
    { data: '+1 111-555-5555', primary: false, type: 'mobile' },
  ],
  emails: [
    { data: 'accountholder0@example.com', primary: true, type: 'primary' },
    { data: 'accountholder1@example.com', primary: false, type: 'secondary' },
    { data: 'extraordinarily.long.email.username.123456@reallylonghostname.com', primary: false, type: 'other' },
  ],
  addresses: [
    {
      data: { city: 'Malakoff', region: 'NY', street: '2992 Cameron Road', postal_code: '14236', country: 'US' },
      primary: true,
    },
    {
      data: { city: 'San Matias', region: 'CA', street: '2493 Leisure Lane', postal_code: '93405-2255', country: 'US' },
      primary: false,
    },
  ],
};

/** account_id and persistent ids are stable for a given Item seed. */
export function accountIdFor(itemSeed: string): string {
  return deterministicId(`account:${itemSeed}`);
}

export function userGoodAccount(accountId: string, lastUpdated: string | null): AccountBase {
  return {
    account_id: accountId,
    balances: { ...USER_GOOD_ACCOUNT.balances, last_updated_datetime: lastUpdated },
    mask: USER_GOOD_ACCOUNT.mask,
    name: USER_GOOD_ACCOUNT.name,
    official_name: USER_GOOD_ACCOUNT.official_name,
    type: USER_GOOD_ACCOUNT.type,
    subtype: USER_GOOD_ACCOUNT.subtype,
    holder_category: 'personal',
  };
}

export function userGoodNumbers(accountId: string): ProcessorNumber {
  return {
    ach: { account_id: accountId, ...USER_GOOD_NUMBERS.ach, can_transfer_in: true, can_transfer_out: true },
    eft: { account_id: accountId, ...USER_GOOD_NUMBERS.eft },
    international: { account_id: accountId, ...USER_GOOD_NUMBERS.international },
    bacs: { account_id: accountId, ...USER_GOOD_NUMBERS.bacs },
  };
}
